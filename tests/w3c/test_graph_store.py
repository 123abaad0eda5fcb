"""The W3C Graph Store Protocol manifests, read-only: replayed against ``/store`` (the application in process).

Every case starts by writing graphs that its reads then check. A read-only store cannot be written,
so the runner builds a store that already holds what the case's leading writes would have made
(each ``PUT``/``POST`` body in the graph its ``?graph=`` names, once percent-decoded), checks that
each write is refused with 405 Method Not Allowed, and checks every read (``GET``/``HEAD``: status,
Content-Type, the graph itself up to isomorphism) until the next write: what follows depends on a
change a read-only store rightly does not make. Cases whose seeds conflict run on separate stores.

Not replayed as such: direct graph identification (graphs named by the request URL itself: this store's
graphs are named outside its URL space) and graph creation by ``POST`` (a write whose only read
follows a server-assigned ``Location``). These cases are still sent: they must change nothing.
"""

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from tehkg.loader.store_builder import build
from tehkg.vocab import METADATA_GRAPH
from tests.conftest import in_process
from tests.w3c.manifests import Case, HttpRequest, load

CASES = load("graph-store-protocol", "manifest.ttl")
NOT_APPLICABLE = {
    "DirectGraphIdentification": "direct identification: this store's graphs are named outside its URL space",
    "POSTGraphCreation": "graph creation by POST is a write, and its read follows the Location it would assign",
}
DEFAULT = ""  # the key of the default graph among a case's seeds
RDF_SYNTAX = {"text/turtle": "turtle", "application/n-triples": "nt"}


def _graph_key(request: HttpRequest) -> str:
    query = urlsplit(request.path).query
    return DEFAULT if query == "default" else parse_qs(query)["graph"][0]


def _parse(text: str | bytes, media: str = "text/turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format=RDF_SYNTAX[media])


@dataclass
class Plan:
    """What a case needs the store to hold (``seeds``) or not hold (``absent``) and the requests to replay."""

    case: Case
    seeds: dict[str, rdflib.Graph]
    absent: set[str]
    replayed: list[HttpRequest]

    def fits(self, other: "Plan") -> bool:
        """Whether both plans can run on one store."""
        for key, graph in self.seeds.items():
            if key in other.absent or (key in other.seeds and not isomorphic(graph, other.seeds[key])):
                return False
        if DEFAULT in self.seeds or DEFAULT in other.seeds:  # the default graph is the merge of all the others
            return False
        return not (self.absent & other.seeds.keys())


def plan(case: Case) -> Plan:
    seeds: dict[str, rdflib.Graph] = {}
    absent: set[str] = set()
    replayed: list[HttpRequest] = []
    read = False
    for request in case.requests:
        replayed.append(request)
        if request.is_write and read:
            break  # what follows depends on a change the read-only store does not make
        if request.method == "DELETE" and not read:
            seeds.pop(_graph_key(request), None)
        elif request.is_write:
            graph = seeds.setdefault(_graph_key(request), rdflib.Graph())
            if request.method == "PUT":
                graph.remove((None, None, None))
            graph += _parse(request.body or b"", request.media_type)
        else:
            read = True
            if request.expected.accepts(404) and not request.expected.accepts(200):
                absent.add(_graph_key(request))
    return Plan(case, seeds, absent, replayed)


RUNNABLE = [c for c in CASES if not set(c.requires) & NOT_APPLICABLE.keys()]
PLANS = [plan(c) for c in RUNNABLE]


def _groups(plans: list[Plan]) -> list[list[Plan]]:
    groups: list[list[Plan]] = []
    for p in plans:
        group = next((g for g in groups if all(p.fits(q) for q in g)), None)
        if group is None:
            groups.append([p])
        else:
            group.append(p)
    return groups


GROUP_OF = {p.case.name: index for index, group in enumerate(_groups(PLANS)) for p in group}


DEFAULT_SEEDS = "https://w3id.org/tehkg/graph/w3c-default-seeds"


class Stores:
    """One endpoint in process per group of compatible plans, started when a case first needs it."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory, self.clients, self.running = factory, {}, ExitStack()

    def client(self, index: int) -> TestClient:
        if index not in self.clients:
            root = self.factory.mktemp(f"w3c-gsp-{index}")
            seeds: dict[str, rdflib.Graph] = {}  # plans of a group agree on each graph, up to blank node names
            for plan_ in PLANS:
                if GROUP_OF[plan_.case.name] == index:
                    for key, graph in plan_.seeds.items():
                        seeds.setdefault(key, graph)
            # the default graph is the merge of the named graphs: its seeds go to a graph of their own (a quad
            # file's default graph is refused, even unvalidated: its triples would have no owner)
            lines = [
                f"{s.n3()} {p.n3()} {o.n3()} <{DEFAULT_SEEDS if key == DEFAULT else key}> .\n"
                for key, graph in seeds.items()
                for s, p, o in graph
            ]
            (root / "seeds.nq").write_text("".join(lines), encoding="utf-8")
            build([root / "seeds.nq"], root / "store", validate=False, log=lambda _: None)
            self.clients[index] = self.running.enter_context(in_process(root / "store"))
        return self.clients[index]

    def close(self) -> None:
        self.running.close()


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    running = Stores(tmp_path_factory)
    yield running
    running.close()


def _path(request: HttpRequest) -> str:
    return request.path.replace("/gsp", "/store", 1)


def _without_metadata(client: TestClient, graph: rdflib.Graph) -> rdflib.Graph:
    """The default graph without the store's own statistics (the metadata graph, merged into it at build)."""
    metadata = client.get("/store", params={"graph": METADATA_GRAPH}, headers={"accept": "text/turtle"})
    return graph - _parse(metadata.text)


def _check_read(client: TestClient, request: HttpRequest, response: httpx.Response) -> None:
    expected = request.expected
    for name, value in expected.headers.items():
        assert response.headers[name].replace(" ", "").lower() == value.replace(" ", "").lower(), name
    if expected.body is not None:
        media = response.headers["content-type"].split(";")[0]
        served = _parse(response.content, media)
        if _graph_key(request) == DEFAULT:
            served = _without_metadata(client, served)
        assert isomorphic(served, _parse(expected.body)), served.serialize(format="turtle")
    if request.method == "HEAD":
        assert response.content == b""


def _quads(client: TestClient) -> list[tuple[str, ...]]:
    """Every quad the store serves, asked with a query no cache has seen (a cached answer would hide a change)."""
    query = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} # {uuid.uuid4()}"
    response = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return sorted(tuple(row[v]["value"] for v in ("s", "p", "o", "g")) for row in rows)


@pytest.mark.parametrize("case", RUNNABLE, ids=[c.name for c in RUNNABLE])
def test_graph_store_case(stores: Stores, case: Case) -> None:
    case_plan = PLANS[RUNNABLE.index(case)]
    client = stores.client(GROUP_OF[case.name])
    for request in case_plan.replayed:
        response = client.request(
            request.method, _path(request), headers=request.headers, content=request.body, timeout=30
        )
        if request.is_write:
            assert response.status_code == 405, (request.method, response.status_code, response.text)
            assert "GET" in response.headers.get("allow", ""), "a 405 names the methods allowed (RFC 9110)"
        else:
            assert request.expected.accepts(response.status_code), (request.path, response.status_code)
            _check_read(client, request, response)


NOT_REPLAYED = [c for c in CASES if c not in RUNNABLE]


@pytest.mark.parametrize("case", NOT_REPLAYED, ids=[c.name for c in NOT_REPLAYED])
def test_graph_store_case_not_replayed_changes_nothing(stores: Stores, case: Case) -> None:
    """The cases not replayed (see above) are sent as written: a write to a URL of the store's own graph space is
    refused with 405 and assigns no ``Location``, a URL outside it answers 404 to every method (no direct
    identification), and afterwards the store serves exactly the graphs it served before."""
    client = stores.client(0)
    before = _quads(client)
    assert before, "the store holds the seeds of the cases it runs"
    for request in case.requests:
        if "$LOCATION$" in request.path:
            continue  # a read of the graph a creation would have made: none was made, so no Location to read
        response = client.request(
            request.method, _path(request), headers=request.headers, content=request.body, timeout=30
        )
        if urlsplit(request.path).path == "/gsp":
            assert response.status_code == 405, (request.method, request.path, response.status_code)
            assert "location" not in response.headers
        else:
            assert response.status_code == 404, (request.method, request.path, response.status_code)
            if request.method != "HEAD":
                assert response.json()["error"] == "not-found"
    assert _quads(client) == before


def test_read_cases_are_replayed() -> None:
    """Of the 13 official cases, the 8 that identify graphs indirectly (creation by POST aside) run, each reading one;
    the other 5 are the 4 of direct identification and the 1 of creation by POST."""
    assert len(CASES) == 13 and len(RUNNABLE) == 8
    assert all(any(not r.is_write for r in p.replayed) for p in PLANS)
    assert sorted(r for c in NOT_REPLAYED for r in c.requires if r in NOT_APPLICABLE) == [
        *["DirectGraphIdentification"] * 4,
        "POSTGraphCreation",
    ]
