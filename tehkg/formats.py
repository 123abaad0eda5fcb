"""Every serialisation tehkg reads or writes, declared once: media type, short name, file extension, W3C
formats IRI and the pyoxigraph format that writes it, with the other names clients send for it.

Content negotiation, the serializers, the service description, the linked-data documents, the dumps and
`tehkg export` all read these tables (always as ``formats.GRAPH_FORMATS``, never a copy), so a format added
here is negotiated, written and described everywhere. Media types are spelled out in this module only.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.vocab import FORMATS


@dataclass(frozen=True)
class Format:
    """One serialisation. ``aliases`` are other media types or names that ask for it (``format=json``,
    ``Accept: application/x-turtle``); an offered media type always wins over an alias."""

    media_type: str
    name: str  # the short name `format=` accepts
    extension: str  # of documents, dumps and `tehkg export -o`
    iri: str  # in the W3C formats namespace (sd:resultFormat)
    rdf: ox.RdfFormat | None = None  # graphs: the pyoxigraph format that writes and reads it
    results: ox.QueryResultsFormat | None = None  # solutions: the pyoxigraph format that reads it
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Everything `format=` may say to ask for it."""
        return (self.media_type, self.name, self.extension, *self.aliases)


def graph_format(rdf: ox.RdfFormat, name: str, *aliases: str, iri: str | None = None) -> Format:
    """An RDF serialisation as pyoxigraph knows it."""
    return Format(rdf.media_type, name, rdf.file_extension, iri or rdf.iri, rdf=rdf, aliases=aliases)


def results_format(results: ox.QueryResultsFormat, name: str, extension: str, *aliases: str) -> Format:
    """A SPARQL results serialisation as pyoxigraph knows it (its media type without parameters)."""
    media = results.media_type.split(";")[0].strip()
    return Format(media, name, extension, results.iri, results=results, aliases=aliases)


JSON_LD_IRI = FORMATS + "JSON-LD"  # pyoxigraph names it …/ns/formats/data/JSON-LD; the W3C's table does not

# SELECT and ASK answers
RESULT_FORMATS: tuple[Format, ...] = (
    results_format(ox.QueryResultsFormat.JSON, "json", "json", "application/json", "srj"),
    results_format(ox.QueryResultsFormat.XML, "xml", "srx", "application/xml"),
    results_format(ox.QueryResultsFormat.CSV, "csv", "csv"),
    results_format(ox.QueryResultsFormat.TSV, "tsv", "tsv"),
)
# CONSTRUCT and DESCRIBE answers, linked-data documents, named graphs, dumps
GRAPH_FORMATS: tuple[Format, ...] = (
    graph_format(ox.RdfFormat.TURTLE, "turtle", "application/x-turtle", "n3", "text/n3"),  # N3's RDF subset
    graph_format(ox.RdfFormat.N_TRIPLES, "ntriples", "text/plain"),
    # SPARQLWrapper asks for a graph in JSON or XML meaning JSON-LD or RDF/XML
    graph_format(
        ox.RdfFormat.JSON_LD, "jsonld", "application/json", "application/json-ld", "json", "json-ld", iri=JSON_LD_IRI
    ),
    graph_format(ox.RdfFormat.RDF_XML, "rdfxml", "application/xml", "xml"),
    graph_format(ox.RdfFormat.TRIG, "trig"),
    graph_format(ox.RdfFormat.N_QUADS, "nquads"),
)
HTML = Format("text/html", "html", "html", "")  # pages for people

# the media types the code names one by one
JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = ox.RdfFormat.TURTLE.media_type
N_TRIPLES = ox.RdfFormat.N_TRIPLES.media_type
N_QUADS = ox.RdfFormat.N_QUADS.media_type
TRIG = ox.RdfFormat.TRIG.media_type
JSON_LD = ox.RdfFormat.JSON_LD.media_type
JSON = "application/json"  # error bodies, search answers, the OpenAPI document
FORM = "application/x-www-form-urlencoded"  # a query (or an update) in a form
SPARQL_QUERY = "application/sparql-query"  # a query as the request body
SPARQL_UPDATE = "application/sparql-update"  # an update as the request body (refused)
GZIP = "application/gzip"
ATOM = "application/atom+xml"  # the feed of releases
RDF_PATCH = "application/rdf-patch"  # what changed between two releases (https://afs.github.io/rdf-patch/)
JAVASCRIPT = "text/javascript"
CSS = "text/css"
PNG = "image/png"
# the answers a browser may show as text rather than download
TEXT_MEDIA = ("text/", XML_RESULTS, ox.RdfFormat.RDF_XML.media_type)


def media_types(offers: Iterable[Format]) -> str:
    """The offered media types as a 406 names them."""
    return ", ".join(f.media_type for f in offers)


def by_media_type(media_type: str) -> Format:
    """The format of an offered media type (KeyError for another)."""
    for offer in (*RESULT_FORMATS, *GRAPH_FORMATS, HTML):
        if offer.media_type == media_type:
            return offer
    raise KeyError(media_type)


def by_extension(extension: str) -> Format | None:
    """The graph format written with ``extension``, or None."""
    return next((f for f in GRAPH_FORMATS if f.extension == extension), None)
