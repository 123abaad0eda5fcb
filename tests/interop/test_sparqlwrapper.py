"""SPARQLWrapper as its users run it: its defaults, then every return format, for every query form,
by GET and by POST. Each answer is parsed as the client parses it and counted exactly."""

import csv
import io
import json
import xml.dom.minidom

import pyoxigraph as ox
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tehkg.loader.store_layout import current_store

TEH = "https://w3id.org/tehkg/ontology#"
MEASURE = "https://w3id.org/tehkg/id/plan/2019-2021/measure/16"
QUERIES = {
    "SELECT": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m a <{TEH}Measure> }}",
    "ASK": f"ASK {{ <{MEASURE}> a <{TEH}Measure> }}",
    "CONSTRUCT": f"CONSTRUCT {{ ?m a <{TEH}Measure> }} WHERE {{ ?m a <{TEH}Measure> }}",
    "DESCRIBE": f"DESCRIBE <{MEASURE}>",
}
FORMATS = {"JSON": JSON, "XML": XML, "TURTLE": TURTLE, "N3": N3, "RDF": RDF, "RDFXML": RDFXML, "CSV": CSV, "TSV": TSV}
FORMATS["JSONLD"] = JSONLD
RDF_SYNTAX = {TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}


@pytest.fixture(scope="module")
def expected(shipped_store) -> dict[str, object]:
    """The answers of the store itself, without HTTP: what every client must get."""
    store = ox.Store.read_only(str(current_store(shipped_store)))
    return {
        "SELECT": 68,
        "ASK": True,
        "CONSTRUCT": 68,
        "DESCRIBE": len(list(store.query(QUERIES["DESCRIBE"]))),
    }


def wrapper(server: str, form: str, fmt: str | None, method: str | None) -> SPARQLWrapper:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERIES[form])
    if fmt is not None:
        client.setReturnFormat(FORMATS[fmt])
    if method is not None:
        client.setMethod(method)
    return client


def solutions(converted: object) -> object:
    """The count or boolean a SELECT/ASK answer carries, in whatever shape SPARQLWrapper returns it."""
    if isinstance(converted, dict):
        return (
            converted.get("boolean", None)
            if "boolean" in converted
            else int(converted["results"]["bindings"][0]["n"]["value"])
        )
    if isinstance(converted, xml.dom.minidom.Document):
        boolean = converted.getElementsByTagName("boolean")
        if boolean:
            return boolean[0].firstChild.data == "true"
        return int(converted.getElementsByTagName("literal")[0].firstChild.data)
    text = converted.decode() if isinstance(converted, bytes) else converted
    rows = list(csv.reader(io.StringIO(text), delimiter="\t" if "\t" in text else ","))
    value = rows[1][0]
    return value == "true" if value in ("true", "false") else int(value.split("^^")[0].strip('"'))


def triples(converted: object, fmt: str | None) -> int:
    """The triples of a CONSTRUCT/DESCRIBE answer as SPARQLWrapper returns it."""
    if isinstance(converted, rdflib.Graph):
        return len(converted)
    graph = rdflib.Graph()
    if isinstance(converted, dict):  # JSON-LD read as JSON
        graph.parse(data=json.dumps(converted), format="json-ld")
    else:
        graph.parse(data=converted, format=RDF_SYNTAX.get(FORMATS.get(fmt or ""), "turtle"))
    return len(graph)


@pytest.mark.parametrize("method", [None, POST], ids=["GET", "POST"])
@pytest.mark.parametrize("fmt", [None, *FORMATS], ids=lambda f: f or "default")
@pytest.mark.parametrize("form", QUERIES)
def test_every_form_every_return_format(server, expected, form, fmt, method):
    result = wrapper(server, form, fmt, method).query()
    assert result.response.status == 200
    converted = result.convert()
    if form in ("SELECT", "ASK"):
        assert solutions(converted) == expected[form]
    else:
        assert triples(converted, fmt) == expected[form]
