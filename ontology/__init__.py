"""Package resource tehkg.ontology: the OWL ontology and SKOS concept schemes (Turtle)."""
