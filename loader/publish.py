"""Publish named graphs to an external engine through the SPARQL 1.1 Graph Store Protocol.

With an update endpoint beside the Graph Store (Virtuoso's ``/sparql-graph-crud-auth`` has ``/sparql-auth``;
any other engine names it with ``TEHKG_TARGET_UPDATE``, and with ``TEHKG_TARGET_QUERY`` its query endpoint when
the update endpoint answers no queries, as Oxigraph's ``/update``) the publish is staged, then switched at once:

1. every graph is PUT under a staging IRI of this version (``…/graph/publication/<version>/<n>``), the RDF
   merge of the named graphs (the set-valued default graph) included, as ``…/graph/default``'s stage;
2. the publication record (``…/graph/publication``) is marked: the served version ``dcterms:isReplacedBy``
   this one; the publish then waits ``vocab.SWITCH_NOTICE`` seconds, so that every ``tehkg serve --backend`` has
   read the mark or is checking its answers;
3. one SPARQL Update request drops the graphs the previous version had and this one has not, MOVEs each
   stage onto its graph and settles the record (this version and its graphs, the mark gone), writing the
   new record before deleting the old one so that no read finds it empty.

The engine runs that request as one transaction (Virtuoso: one statement, rolled back whole on error): a failure
in any step drops the stages and the mark and leaves the previous version answering. Engines may let a concurrent
query see the switch half done (Virtuoso 7.2 does): ``tehkg serve --backend`` sends no query while the record
is marked and asks again any query that overlapped a mark (engines.RemoteEngine), so no answer mixes versions.
Without an update endpoint each graph is PUT in place, one by one.
On Virtuoso, a graph new in this version is made readable by the public (the account of its anonymous ``/sparql``,
which serves tehkg) once the record is marked, where graphs are private by default (deploy/virtuoso/harden.sql):
a graph holds nothing until the switch moves its stage in, and the stages are never readable.
Credentials come from ``TEHKG_TARGET_USER`` and ``TEHKG_TARGET_PASSWORD`` (HTTP digest, as Virtuoso asks)
and appear in no message.
"""

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from tehkg import formats, vocab
from tehkg.loader import statistics
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.loader.store_builder import quality_gate
from tehkg.settings import PublishSettings

# Virtuoso's Graph Store endpoints and the SPARQL endpoint that takes updates with the same credentials
VIRTUOSO_UPDATE = {"/sparql-graph-crud-auth": "/sparql-auth", "/sparql-graph-crud": "/sparql"}
# Virtuoso: let the public read each graph of VALUES it cannot read yet (its graph-level security procedures)
VIRTUOSO_MAKE_PUBLIC = (
    "SELECT (COUNT(?made) AS ?graphs) WHERE {{ VALUES ?graph {{ {graphs} }} "
    "BIND(IF(bif:bit_and(sql:RDF_GRAPH_USER_PERMS_GET(?graph, 'nobody'), 1) = 0, "
    "sql:RDF_GRAPH_USER_PERMS_SET(?graph, 'nobody', 1), 0) AS ?made) }}"
)


class PublishFailed(OSError):
    """The engine refused or could not be reached; the version it served before still answers."""


def publish(
    sources: list[Path],
    target: str,
    validate: bool = True,
    timeout: float | None = None,
    allow_shared_graphs: bool = False,
) -> dict[str, int]:
    """Publish every named graph of ``sources`` (plus statistics) to ``target``; returns triples per graph.

    ``timeout`` bounds each request (``TEHKG_TARGET_TIMEOUT``, default an hour: the switch of a large
    dataset is one long transaction)."""
    settings = PublishSettings.load(target_timeout=timeout)
    quads = parse_all(collect(sources), allow_shared_graphs)
    if validate:
        quality_gate(quads)
    memory = ox.Store()
    memory.extend(quads)
    built = datetime.now(UTC)
    statistics.describe(memory, built.isoformat(timespec="seconds"))
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in memory.quads_for_pattern(None, None, None, None):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs[name].append(quad.triple)
    update = update_endpoint(target, settings)
    with httpx.Client(timeout=settings.target_timeout, auth=credentials(settings)) as client:
        try:
            if update is None:
                return _put_in_place(client, target, graphs)
            query = settings.target_query or update
            return _staged(client, target, update, query, graphs, built.strftime("%Y%m%dT%H%M%S%fZ"))
        except httpx.HTTPError as err:
            raise PublishFailed(f"{type(err).__name__} from the target: {err}") from None


def update_endpoint(target: str, settings: PublishSettings) -> str | None:
    """The SPARQL Update endpoint that goes with the Graph Store ``target``, or None when there is none."""
    if settings.target_update:
        return settings.target_update
    parts = urlsplit(target)
    for store_path, update_path in VIRTUOSO_UPDATE.items():
        if parts.path.endswith(store_path):
            return urlunsplit(parts._replace(path=parts.path[: -len(store_path)] + update_path, query=""))
    return None


def credentials(settings: PublishSettings) -> httpx.DigestAuth | None:
    """Digest credentials from the settings, if any."""
    user = settings.target_user
    return httpx.DigestAuth(user, settings.target_password.get_secret_value()) if user else None


def _put(client: httpx.Client, target: str, graph: str, triples: list[ox.Triple]) -> httpx.Response:
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    params = {"graph": graph} if graph else {"default": ""}
    response = client.put(target, params=params, content=body, headers={"Content-Type": formats.N_TRIPLES})
    _check(response, f"PUT of graph <{graph}>" if graph else "PUT of the default graph")
    return response


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise PublishFailed(f"{what} answered {response.status_code}: {response.text[:500]}")


def _put_in_place(client: httpx.Client, target: str, graphs: dict[str, list[ox.Triple]]) -> dict[str, int]:
    sent = {}
    for graph, triples in sorted(graphs.items()):
        _put(client, target, graph, triples)
        sent[graph] = len(triples)
        print(f"published {graph or 'default graph'}: {len(triples)} triples")
    return sent


def _staged(
    client: httpx.Client, target: str, update: str, query: str, graphs: dict[str, list[ox.Triple]], version: str
) -> dict[str, int]:
    """Stage every graph under this version's IRIs, then switch them in with one update request (``query``: the
    endpoint that reads the publication record)."""
    merge = list(dict.fromkeys(t for triples in graphs.values() for t in triples))
    named = {g: t for g, t in graphs.items() if g}
    named[vocab.PUBLISHED_DEFAULT_GRAPH] = merge
    stages = {graph: f"{vocab.PUBLICATION_GRAPH}/{version}/{i}" for i, graph in enumerate(sorted(named))}
    previous = _published_graphs(client, query)
    record = vocab.PUBLICATION_GRAPH
    mark = f"GRAPH <{record}> {{ <{record}> <{vocab.DCTERMS}isReplacedBy> {ox.Literal(version)} }}"
    try:
        server = ""
        for graph, stage in stages.items():
            server = _put(client, target, stage, named[graph]).headers.get("server", "")
            print(f"staged {graph}: {len(named[graph])} triples")
        _update(client, update, f"INSERT DATA {{ {mark} }}", "marking the publication record")
        if server.startswith("Virtuoso"):
            _make_public(client, update, [record, *stages])
        time.sleep(vocab.SWITCH_NOTICE)
        try:
            _update(client, update, _switch(stages, previous, version), "the switch to the new version")
        except httpx.TimeoutException:
            raise PublishFailed(
                f"the switch to version {version} did not answer in time: the engine may still commit it; "
                f"its publication record (<{vocab.PUBLICATION_GRAPH}>) says which version it serves"
            ) from None
    except (PublishFailed, httpx.HTTPError):
        drops = " ; ".join(
            [f"DELETE DATA {{ {mark} }}"] + [f"DROP SILENT GRAPH <{stage}>" for stage in stages.values()]
        )
        try:
            client.post(update, data={"update": drops})
        except httpx.HTTPError:
            pass  # the engine is gone: its stages are dropped by the next publish's switch
        raise
    print(f"published version {version}: {len(stages) - 1} named graphs and their merge as the default graph")
    return {graph: len(named[graph]) for graph in stages}


def _published_graphs(client: httpx.Client, query_endpoint: str) -> list[str]:
    """The graphs the publication record lists, stages of failed publishes included."""
    query = (
        f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ ?r <{vocab.DCTERMS}hasPart> ?g }} }}"
        f" UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{vocab.PUBLICATION_GRAPH}/')) }} }}"
    )
    response = client.post(query_endpoint, data={"query": query}, headers={"Accept": formats.JSON_RESULTS})
    _check(response, "reading the publication record")
    return [row["g"]["value"] for row in response.json()["results"]["bindings"]]


def _switch(stages: dict[str, str], previous: list[str], version: str) -> str:
    """One update: drop what this version no longer has, move each stage onto its graph, then settle the record:
    this version and its graphs written, the previous ones and the mark deleted."""
    keep = set(stages) | set(stages.values())
    operations = [f"DROP SILENT GRAPH <{g}>" for g in previous if g not in keep]
    operations += [f"MOVE SILENT <{stage}> TO <{graph}>" for graph, stage in stages.items()]
    record, parts = vocab.PUBLICATION_GRAPH, [g for g in sorted(stages) if g != vocab.PUBLISHED_DEFAULT_GRAPH]
    written = f"<{record}> <{vocab.OWL}versionInfo> {ox.Literal(version)}"
    written += "".join(f" ; <{vocab.DCTERMS}hasPart> <{g}>" for g in parts)
    kept = ", ".join([str(ox.Literal(version))] + [f"<{g}>" for g in parts])
    operations += [
        f"INSERT DATA {{ GRAPH <{record}> {{ {written} }} }}",
        f"DELETE {{ GRAPH <{record}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{record}> {{ ?s ?p ?o "
        f"FILTER(?p = <{vocab.DCTERMS}isReplacedBy> || ?o NOT IN ({kept})) }} }}",
    ]
    return " ;\n".join(operations)


def _make_public(client: httpx.Client, update: str, graphs: list[str]) -> None:
    """Let the public read ``graphs`` on Virtuoso: a no-op where it reads every graph already, the grant of a new
    graph where the deployer made graphs private by default (the serving account then reads only what is published)."""
    query = VIRTUOSO_MAKE_PUBLIC.format(graphs=" ".join(str(ox.Literal(g)) for g in graphs))
    _check(client.post(update, data={"query": query}), "making the published graphs readable")


def _update(client: httpx.Client, update: str, request: str, what: str) -> None:
    _check(client.post(update, data={"update": request}), what)
