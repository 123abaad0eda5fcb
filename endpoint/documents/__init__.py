"""Documents about the whole store: what is served besides query answers and entity descriptions.

What lives here: the response cache, valid for one store version (cache.py); ETag and Last-Modified of the
store's documents (freshness.py); the dumps and the release files (dumps.py); the SPARQL service description,
the VoID description and the DCAT-AP record (description.py); the validation report of the served data
(quality.py); « why this row? », the documents and passages behind one answer row (why.py); the kept
releases, what each changed and what it changed of an entity (changes.py); how to cite a release (citation.py);
what the query editor offers as one types, and the names of an answer's IRIs (completion.py).

What it may import: tehkg.vocab, tehkg.formats, tehkg.loader (the gate, the store's layout), the endpoint's
context, errors, query and engines. The routes and the protocol import it.
"""
