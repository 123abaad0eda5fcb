"""tehkg endpoint: SPARQL 1.1 protocol, linked-data pages and dataset description (FastAPI)."""
