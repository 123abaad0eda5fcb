"""IRIs of the dataset and the namespaces the code writes: the one home of these constants."""

BASE = "https://w3id.org/tehkg/"
ID_BASE = BASE + "id/"
GRAPH_BASE = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
METADATA_GRAPH = GRAPH_BASE + "metadata"
TRANSLATIONS_GRAPH = GRAPH_BASE + "translations"
LINKS_GRAPH = GRAPH_BASE + "links"
# on an external engine: the RDF merge of the named graphs (the endpoint's default graph), and what was published
PUBLISHED_DEFAULT_GRAPH = GRAPH_BASE + "default"
PUBLICATION_GRAPH = GRAPH_BASE + "publication"
# seconds between a publish's mark on the publication record and its switch: readers trust answers for this long
# after a read that found the record settled (loader/publish.py, endpoint/engines.py)
SWITCH_NOTICE = 4.0
DATASET_IRI = ID_BASE + "dataset/tehkg"
SHAPES_IRI = BASE + "shapes"  # the shipped SHACL shapes, as one document
QUALITY_REPORT_IRI = BASE + "quality"  # the latest validation report of the served data

TEH = "https://w3id.org/tehkg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
DQV = "http://www.w3.org/ns/dqv#"
TIME = "http://www.w3.org/2006/time#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"

READ_ONLY = "this endpoint is read-only: SPARQL Update and Graph Store writes are refused"
