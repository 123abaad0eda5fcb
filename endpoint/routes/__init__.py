"""The endpoint's routes, one router per concern; each gets the application's state through ``get_context``.

What lives here: the service description and the editor at ``/sparql`` without a query (sparql.py), linked-data
documents (documents.py), the Graph Store Protocol (graph_store.py), the dataset's record, dumps, releases and
quality report (dataset.py), the landing page, search and the plans compared (site.py), ``/health`` (health.py),
the API documentation (api_docs.py), the SPARQL examples' graph and the guide (examples.py), « why this row? »
(why.py), ``/metrics`` (metrics.py, routed only when ``TEHKG_METRICS`` is on), the query editor's completion
and labels (completion.py).

What it may import: everything below it in the endpoint (context, errors, query, engines, documents, pages).
"""
