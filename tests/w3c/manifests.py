"""The official W3C SPARQL 1.1 test manifests (Protocol, Graph Store Protocol, Service Description),
read with rdflib into HTTP conversations a test replays against the endpoint.

The manifests are the published ones, pinned in ``tests/reference/w3c-sparql11/`` (see its README). Requests and
expectations use the W3C ``ht:`` (HTTP in RDF), ``cnt:`` and ``mf:`` vocabularies.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from rdflib import RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "w3c-sparql11"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

NAMED_STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
UPDATE_MEDIA = "application/sparql-update"


@dataclass(frozen=True)
class Expected:
    """What the manifest says a response must be."""

    statuses: tuple[str, ...]  # "200", "2xx", …
    boolean: bool | None = None
    result_format: str | None = None  # "boolean", "tabular" or "RDF"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def accepts(self, status: int) -> bool:
        return any(s == str(status) or (s.endswith("xx") and s[0] == str(status)[0]) for s in self.statuses)


@dataclass(frozen=True)
class HttpRequest:
    """One ``ht:Request`` of a conversation."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected: Expected

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_update(self) -> bool:
        """A SPARQL Update operation: a direct update body, or an ``update`` parameter in the URL or form."""
        if self.media_type == UPDATE_MEDIA:
            return True
        form = (
            self.body.decode("utf-8", "replace") if self.body and self.media_type != "application/sparql-query" else ""
        )
        return any(key == "update" for key, _ in parse_qsl(urlsplit(self.path).query) + parse_qsl(form))

    @property
    def is_write(self) -> bool:
        """A Graph Store request that changes a graph."""
        return self.method in ("PUT", "POST", "DELETE", "PATCH")


@dataclass(frozen=True)
class Case:
    """One test of a manifest: its requests in order, and the graphs it expects the store to hold."""

    name: str
    title: str
    requests: tuple[HttpRequest, ...]
    requires: tuple[str, ...]
    graph_data: dict[str, Path]  # graph IRI -> N-Triples file


def load(*parts: str) -> list["Case"]:
    """The cases of a manifest of the reference suites."""
    return cases(REFERENCE.joinpath(*parts))


def _list(graph: Graph, node: Node | None) -> list[Node]:
    return list(Collection(graph, node)) if node is not None else []


def _status(node: Node) -> str:
    local = str(node).removeprefix(str(HTS))
    if local.startswith("StatusCode") and local.endswith("xx"):
        return local.removeprefix("StatusCode")
    if local not in NAMED_STATUS:
        raise ValueError(f"status {node} has no known code")
    return str(NAMED_STATUS[local])


def _headers(graph: Graph, node: Node) -> dict[str, str]:
    return {
        str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
        for h in _list(graph, graph.value(node, HT.headers))
    }


def _text(graph: Graph, node: Node) -> tuple[str, str] | None:
    body = graph.value(node, HT.body)
    if body is None:
        return None
    return str(graph.value(body, CNT.chars)), str(graph.value(body, CNT.characterEncoding) or "UTF-8")


def _expected(graph: Graph, response: Node) -> Expected:
    boolean = graph.value(response, MF.expectedBoolean)
    result_format = graph.value(response, MF.expectedFormat)
    text = _text(graph, response)
    return Expected(
        statuses=tuple(sorted(_status(s) for s in graph.objects(response, MF.expectedStatus))),
        boolean=boolean.toPython() if isinstance(boolean, Literal) else None,
        result_format=str(result_format) if result_format is not None else None,
        headers=_headers(graph, response),
        body=text[0] if text else None,
    )


def _request(graph: Graph, node: Node) -> HttpRequest:
    text = _text(graph, node)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=_headers(graph, node),
        body=text[0].encode(text[1]) if text else None,
        expected=_expected(graph, graph.value(node, HT.resp)),
    )


def _graph_data(graph: Graph, test: Node) -> dict[str, Path]:
    return {
        str(graph.value(data, RDFS.label)): Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
        for data in graph.objects(test, UT.graphData)
    }


def cases(manifest: Path) -> list[Case]:
    """The entries of ``manifest`` and of the manifests it includes, in order."""
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    root = URIRef(manifest.as_uri())
    found = [c for included in _list(graph, graph.value(root, MF.include)) for c in cases(Path(str(included)[7:]))]
    for test in _list(graph, graph.value(root, MF.entries)):
        action = graph.value(test, MF.action)
        requests = _list(graph, graph.value(action, HT.requests)) if action is not None else []
        found.append(
            Case(
                name=str(test).rsplit("#", 1)[-1],
                title=str(graph.value(test, MF.name)),
                requests=tuple(_request(graph, r) for r in requests),
                requires=tuple(str(r).removeprefix(str(MF)) for r in graph.objects(test, MF.requires)),
                graph_data=_graph_data(graph, test),
            )
        )
    return found
