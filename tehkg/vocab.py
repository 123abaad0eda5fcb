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
# after a read that found the record settled (loader/publish.py, endpoint/engines/remote.py)
SWITCH_NOTICE = 4.0
# the header by which Virtuoso says it cut an answer at its cap of rows (ResultSetMaxRows), whose value it gives
# (read by engine_cut_at for loader/publish.py and endpoint/engines/remote.py)
ENGINE_CUT_HEADER = "x-sparql-maxrows"
DATASET_IRI = ID_BASE + "dataset/tehkg"
SHAPES_IRI = BASE + "shapes"  # the shipped SHACL shapes, as one document
QUALITY_REPORT_IRI = BASE + "quality"  # the latest validation report of the served data
# the SPARQL examples (the competency questions) as a graph, served where its IRI points
SPARQL_EXAMPLES_GRAPH = BASE + ".well-known/sparql-examples"
SPARQL_EXAMPLES = SPARQL_EXAMPLES_GRAPH + "#"  # the examples, their themes and the guide
RELEASE_BASE = BASE + "releases/"  # each release of the dataset: RELEASE_BASE + its id (0.1.0-2026-12-07)

TEH = "https://w3id.org/tehkg/ontology#"
TEHSH = BASE + "shapes#"
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
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
ELI = "http://data.europa.eu/eli/ontology#"
CV = "http://data.europa.eu/m8g/"
QB = "http://purl.org/linked-data/cube#"
BIBO = "http://purl.org/ontology/bibo/"
VANN = "http://purl.org/vocab/vann/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
TEST_MANIFEST = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"  # mf:result, an expected answer
ADMS = "http://www.w3.org/ns/adms#"
SCHEMA = "https://schema.org/"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
SDMX_CONCEPT = "http://purl.org/linked-data/sdmx/2009/concept#"
QUDT_UNIT = "http://qudt.org/vocab/unit/"
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"
FORMATS = "http://www.w3.org/ns/formats/"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
OPENLINK_SCHEMAS = "http://www.openlinksw.com/schemas/"  # Virtuoso's own functions and pragmas (bif:, sql: too)
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"  # the data's licence

# the publication record's words: its graphs (``<PUBLICATION_GRAPH> dcterms:hasPart <graph>``), and where the engine
# holds the published merge: each version loads its own (``<PUBLICATION_GRAPH> sd:defaultGraph <place>``), so a
# switch never copies it; a record without it: the merge is PUBLISHED_DEFAULT_GRAPH itself
PUBLISHED_PART_PROPERTY = DCTERMS + "hasPart"
PUBLISHED_MERGE_PROPERTY = SD + "defaultGraph"

# the prefixes RDF documents and dumps are written with (and the JSON-LD context compacts with)
PREFIXES = {
    "teh": TEH,
    "tehg": GRAPH_BASE,
    "tehorg": ID_BASE + "org/",
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "foaf": FOAF,
    "oa": OA,
    "eli": ELI,
    "cv": CV,
    "qb": QB,
    "void": VOID,
    "dcat": DCAT,
    "sd": SD,
}
# further prefixes the ontology's pages and the query editor name terms with
EXTRA_PREFIXES = {
    "plan": ID_BASE + "plan/",
    "time": TIME,
    "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "sdmx-concept": SDMX_CONCEPT,
    "bibo": BIBO,
    "vann": VANN,
}


def engine_cut_at(header: str | None, rows: int) -> int | None:
    """The cap of rows an engine cut an answer of ``rows`` rows at, from its ``ENGINE_CUT_HEADER`` value; None when
    it did not cut, or the value is no plain number (at most 18 ASCII digits: ``int`` refuses thousands of digits,
    and reads none of the other characters Python calls digits)."""
    if header is None or not (header.isascii() and header.isdigit() and len(header) <= 18):
        return None
    return int(header) if rows >= int(header) else None


def sparql_prefixes(*names: str) -> str:
    """SPARQL ``PREFIX`` declarations of ``names``, from the tables above."""
    known = PREFIXES | EXTRA_PREFIXES
    return "\n".join(f"PREFIX {name}: <{known[name]}>" for name in names) + "\n"
