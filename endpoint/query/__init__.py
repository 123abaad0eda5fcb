"""What a SPARQL query is and how its answer is written, before and after any engine.

What lives here: the one canonical reading of a query text and what the checks read from it (scan.py: form,
nesting, SERVICE targets, volatile functions; ``vet`` refuses what no engine may see; ``portable`` reads it as
SPARQL 1.1 alone for an external engine); the dataset a query names and the merge of several default graphs
(dataset.py); content negotiation over tehkg.formats (conneg.py); the SPARQL results and RDF writers
(serializers.py); a query's GRAPH patterns restricted in its text to the graphs a publication record lists, for an
engine that takes no long list of named graphs (graph_patterns.py); the evidence query of one answer row, each
triple pattern in a GRAPH of its own (why.py).

What it may import: tehkg.vocab, tehkg.formats and the endpoint's errors — nothing else of the endpoint, so that
both the engines (inside a worker) and the protocol can use it.
"""
