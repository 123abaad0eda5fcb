"""Publish named graphs to an external engine through the SPARQL 1.1 Graph Store Protocol.

With an update endpoint beside the Graph Store (Virtuoso's ``/sparql-graph-crud-auth`` has ``/sparql-auth``;
any other engine names it with ``TEHKG_TARGET_UPDATE``, and with ``TEHKG_TARGET_QUERY`` its query endpoint when
the update endpoint answers no queries, as Oxigraph's ``/update``) the publish streams the sources to the engine
and switches versions at once, its memory independent of the data's size:

1. the quads are parsed as a stream and POSTed as N-Triples in requests of at most ``CHUNK_TRIPLES`` triples,
   ``BUFFERED_TRIPLES`` at most held (past that, the lines of graphs that fill no request yet are set aside in a
   temporary file and sent graph by graph once every quad is read), each graph to where it is loaded: a graph the
   served version has to a stage of this version (``…/graph/publication/<version>/<n>``); a graph new in this
   version to its own IRI, which no reader asks (readers send the published graphs only, and refuse the others)
   and which the record lists as pending first (up to ``GRAPHS_AT_ONCE`` graphs by one request), so that a failed
   publish's leftovers go with the next switch. Every triple goes to the RDF merge of the graphs too (the
   set-valued default graph, which queries name ``…/graph/default``; the engine keeps one copy of a triple), which
   each version loads in a graph of its own (``…/graph/publication/<version>/default``, named by the record once
   switched, so that no switch copies it), set aside as it comes and sent last, in requests of its own (Virtuoso
   takes a graph's requests faster while its store is smaller: at 10M quads, the publish took 334 s instead of 714).
   Triples with a blank node are held back and sent with one request per graph at the end, so that each blank node
   stays one node (a request's labels are its own), and the engine copies them into the merge;
2. the statistics are computed by the engine and added to the metadata graph and the merge;
3. for each graph the served version has, the engine computes what this version adds and removes (two more
   stages); stages are written row by row on Virtuoso (``sql:log-enable 3``: no transaction, so no size limit),
   where no reader asks;
4. the publication record (``…/graph/publication``) is marked: the served version ``dcterms:isReplacedBy``
   this one; the publish then waits ``vocab.SWITCH_NOTICE`` seconds, so that every ``tehkg serve --backend`` has
   read the mark or is checking its answers;
5. one SPARQL Update request applies those differences to the served graphs and settles the record (this version,
   its graphs and its merge's graph, the mark and the pending entries gone), writing the new record before deleting
   the old one so that no read finds it empty: its size is that of the change of the named graphs between the
   versions, not of the data;
6. the stages, the previous merge and the graphs this version no longer has are dropped (outside any transaction:
   no reader asks them).

The engine runs the switch as one transaction (Virtuoso: one statement, rolled back whole on error): a failure
in any step before it drops the stages, the new graphs and the mark and leaves the previous version answering.
Engines may let a concurrent query see the switch half done (Virtuoso 7.2 does): ``tehkg serve --backend`` sends
no query while the record is marked and asks again any query that overlapped a mark (engines.RemoteEngine), so
no answer mixes versions. Validation (the quality gate) needs every quad in memory: ``--no-validate`` streams.
Without an update endpoint each graph is PUT in place, one by one, from the data held in memory.
On Virtuoso, the graphs of a version are made readable by the public (the account of its anonymous ``/sparql``,
which serves tehkg) once the record is marked, where graphs are private by default (deploy/virtuoso/harden.sql):
a new graph is not read before the switch lists it, and the stages are never readable.
Credentials come from ``TEHKG_TARGET_USER`` and ``TEHKG_TARGET_PASSWORD`` (HTTP digest, as Virtuoso asks)
and appear in no message.
"""

import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from tehkg import __version__, formats, vocab
from tehkg.loader import statistics
from tehkg.loader.rdf_files import collect, guarded, parse_all
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
# Virtuoso: an update on graphs no reader asks, committed row by row (no transaction, so no size limit), then, in the
# same request, the default mode set back: the mode stays with the server thread that ran the request, and a load
# that thread serves later, committed row by row too, takes five to nine times as long (a CLEAR would not do: Virtuoso
# skips it, DEFINE included, when the graph is absent)
VIRTUOSO_ROW_BY_ROW = "DEFINE sql:log-enable 3 "
VIRTUOSO_TRANSACTIONAL = " ;\nDEFINE sql:log-enable 1 DROP SILENT GRAPH <urn:tehkg:none>"
CHUNK_TRIPLES = 50_000  # triples per request at most
BUFFERED_TRIPLES = 1_000_000  # triples held at most (about 150 MB), before every graph's are sent
# a request the engine failed is sent again: Virtuoso 7.2 may fail one of two requests that both bring a new
# language tag ("Non unique primary key on DB.DBA.RDF_LANGUAGE")
SEND_ATTEMPTS = 3
REQUESTS_IN_FLIGHT = 2  # requests sent at once: the engine parses one while the publisher reads the next
# graphs named by one request (or one operation) at most: Virtuoso refuses a VALUES or an IN of some thousands
GRAPHS_AT_ONCE = 500
HAS_PART = f"<{vocab.PUBLISHED_PART_PROPERTY}>"


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

    ``timeout`` bounds each request (``TEHKG_TARGET_TIMEOUT``, default an hour)."""
    settings = PublishSettings.load(target_timeout=timeout)
    files = collect(sources)
    quads: Iterable[ox.Quad]
    if validate:
        quads = parse_all(files, allow_shared_graphs)
        quality_gate(quads)
    else:
        quads = guarded(files, allow_shared_graphs)
    built = datetime.now(UTC)
    update = update_endpoint(target, settings)
    with httpx.Client(timeout=settings.target_timeout, auth=credentials(settings)) as client:
        try:
            if update is None:
                return _put_in_place(client, target, quads, built)
            query = settings.target_query or update
            return Publication(client, target, update, query, built).publish(quads)
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


def _send(client: httpx.Client, target: str, graph: str, lines: list[str], replace: bool = False) -> None:
    """POST N-Triples ``lines`` into ``graph`` (PUT: in place of its content)."""
    body = "".join(lines).encode()
    params = {"graph": graph} if graph else {"default": ""}
    send = client.put if replace else client.post
    for _ in range(SEND_ATTEMPTS):
        response = send(target, params=params, content=body, headers={"Content-Type": formats.N_TRIPLES})
        if response.status_code < 500:
            break  # sending the same triples again is harmless: a graph holds each once
    _check(response, f"{'PUT' if replace else 'POST'} of graph <{graph}>" if graph else "PUT of the default graph")


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise PublishFailed(f"{what} answered {response.status_code}: {response.text[:500]}")


def _put_in_place(client: httpx.Client, target: str, quads: Iterable[ox.Quad], built: datetime) -> dict[str, int]:
    memory = ox.Store()
    memory.extend(quads)
    statistics.describe(memory, built.isoformat(timespec="seconds"))
    graphs: dict[str, list[str]] = defaultdict(list)
    for quad in memory.quads_for_pattern(None, None, None, None):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs[name].append(_line(quad.triple))
    sent = {}
    for graph, triples in sorted(graphs.items()):
        _send(client, target, graph, triples, replace=True)
        sent[graph] = len(triples)
        print(f"published {graph or 'default graph'}: {len(triples)} triples")
    return sent


def _whole(response: httpx.Response, rows: int, what: str) -> None:
    """PublishFailed when the engine cut an answer that must be whole."""
    cap = vocab.engine_cut_at(response.headers.get(vocab.ENGINE_CUT_HEADER), rows)
    if cap is not None:
        raise PublishFailed(
            f"{what}: the engine cut its answer at {cap} rows (Virtuoso's ResultSetMaxRows, in the [SPARQL] section "
            "of virtuoso.ini): raise it above the number of graphs"
        )


def _line(triple: ox.Triple) -> str:
    """``triple`` as a line of N-Triples."""
    return f"{triple} .\n"


def _has_blank_node(triple: ox.Triple) -> bool:
    return any(
        isinstance(term, ox.BlankNode) or (isinstance(term, ox.Triple) and _has_blank_node(term))
        for term in (triple.subject, triple.object)
    )


def _batches(graphs: list[str]) -> list[list[str]]:
    """``graphs`` in lists of ``GRAPHS_AT_ONCE`` at most."""
    return [graphs[start : start + GRAPHS_AT_ONCE] for start in range(0, len(graphs), GRAPHS_AT_ONCE)]


class SetAside:
    """Lines of N-Triples set aside graph by graph in a temporary file (deleted when closed), read back graph by
    graph: the publisher's memory stays bounded whatever the data's size; the file grows up to twice the data as
    N-Triples (the graphs' lines and the merge's; in the temporary directory, ``TMPDIR``)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="tehkg-publish-")
        self.parts: dict[str, list[tuple[int, int]]] = defaultdict(list)  # each graph's (offset, size) in the file

    def put(self, graph: str, lines: list[str]) -> None:
        data = "".join(lines).encode()
        self.parts[graph].append((self.file.tell(), len(data)))
        self.file.write(data)

    def graphs(self) -> list[str]:
        return list(self.parts)

    def lines(self, graph: str) -> Iterator[list[str]]:
        """The lines set aside for ``graph``, one part at a time."""
        self.file.flush()
        for offset, size in self.parts.pop(graph, []):
            text = os.pread(self.file.fileno(), size, offset).decode()
            yield [line + "\n" for line in text.split("\n")[:-1]]  # not splitlines: a literal may hold U+2028

    def close(self) -> None:
        self.file.close()


class Publication:
    """One staged publish of a version to an engine with an update endpoint (the module's steps 1 to 6)."""

    def __init__(self, client: httpx.Client, target: str, update: str, query: str, built: datetime) -> None:
        self.client, self.target, self.update_url, self.query_url = client, target, update, query
        self.built = built
        self.version = built.strftime("%Y%m%dT%H%M%S%fZ")
        self.stage_base = f"{vocab.PUBLICATION_GRAPH}/{self.version}"
        self.virtuoso = False
        self.served: set[str] = set()  # the named graphs the record lists
        self.served_merge: str | None = None  # where the served version's merge is (None: no version is served)
        self.leftovers: list[str] = []  # stages and pending graphs of failed publishes
        self.places: dict[str, str] = {}  # each graph of this version: where it is loaded (a stage or itself)
        self.new: list[str] = []  # graphs loaded in place
        self.pool = ThreadPoolExecutor(REQUESTS_IN_FLIGHT)
        self.in_flight: list[Future] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.held: list[str] = []  # graphs with triples that have a blank node
        self.set_aside = SetAside()
        self.started = time.monotonic()
        self.mark = (
            f"GRAPH <{vocab.PUBLICATION_GRAPH}> {{ <{vocab.PUBLICATION_GRAPH}> <{vocab.DCTERMS}isReplacedBy> "
            f"{ox.Literal(self.version)} }}"
        )

    def publish(self, quads: Iterable[ox.Quad]) -> dict[str, int]:
        self._read_record()
        switching = False  # once the switch is sent, the engine may commit it whatever this process hears
        try:
            self._stream(quads)
            self._merge()
            self._statistics()
            differences = [g for g in self.places if g in self.served]
            for graph in differences:
                self._differences(graph)
            self._update(f"INSERT DATA {{ {self.mark} }}", "marking the publication record")
            if self.virtuoso:
                self._make_public([vocab.PUBLICATION_GRAPH, *self._named(), self.places[vocab.PUBLISHED_DEFAULT_GRAPH]])
            time.sleep(vocab.SWITCH_NOTICE)
            switching = True
            switch = self.client.post(self.update_url, data={"update": self._switch(differences)})
        except httpx.TimeoutException:
            if switching:
                raise PublishFailed(
                    f"the switch to version {self.version} did not answer in time: the engine may still commit it; "
                    f"its publication record (<{vocab.PUBLICATION_GRAPH}>) says which version it serves"
                ) from None
            self._abandon()
            raise
        except (PublishFailed, httpx.HTTPError):
            self._abandon()
            raise
        finally:
            self.pool.shutdown(cancel_futures=True)
            self.set_aside.close()
        if switch.status_code >= 300:
            self._abandon()
            _check(switch, "the switch to the new version")
        gone = [g for g in [*self.leftovers, *self.served] if g not in self.places and g not in self.new]
        gone += [self.served_merge] if self.served_merge else []  # this version's merge is elsewhere
        stages = [f"{self.places[g]}/{kind}" for g in differences for kind in ("add", "delete")]
        for graph in [*gone, *(self.places[g] for g in differences), *stages]:
            self._drop(graph)  # a failure here leaves a private leftover the next switch drops: the version is in
        print(f"published version {self.version}: {len(self.places) - 1} named graphs and their merge{self._since()}")
        return {graph: self.counts[graph] for graph in sorted(self.places)}

    def _read_record(self) -> None:
        """The served graphs and merge, and what goes once this version is in: the leftovers of failed publishes
        (their stages, and the graphs they listed as pending: ``dcterms:hasPart`` of another subject than the
        record)."""
        record = f"<{vocab.PUBLICATION_GRAPH}>"
        query = (
            f"SELECT DISTINCT ?g ?served ?version ?merge WHERE {{ {{ GRAPH {record} {{ ?r {HAS_PART} ?g }} "
            f"BIND(?r = {record} AS ?served) }}"
            f" UNION {{ GRAPH {record} {{ {record} <{vocab.OWL}versionInfo> ?version }} }}"
            f" UNION {{ GRAPH {record} {{ {record} <{vocab.PUBLISHED_MERGE_PROPERTY}> ?merge }} }}"
            f" UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{vocab.PUBLICATION_GRAPH}/')) }} }}"
        )
        response = self.client.post(self.query_url, data={"query": query}, headers={"Accept": formats.JSON_RESULTS})
        _check(response, "reading the publication record")
        self.virtuoso = response.headers.get("server", "").startswith("Virtuoso")
        bindings = response.json()["results"]["bindings"]
        _whole(response, len(bindings), "reading the publication record")
        for row in bindings:
            if "merge" in row:
                self.served_merge = row["merge"]["value"]
            elif "version" in row:  # a version is served, and with it a merge (where a record without one says)
                self.served_merge = self.served_merge or vocab.PUBLISHED_DEFAULT_GRAPH
            elif row.get("served", {}).get("value") in ("true", "1"):
                self.served.add(row["g"]["value"])
            else:
                self.leftovers.append(row["g"]["value"])
        self.leftovers = [g for g in dict.fromkeys(self.leftovers) if g not in self.served and g != self.served_merge]

    def _place(self, graphs: Iterable[str]) -> None:
        """Where each of ``graphs`` not placed yet is loaded: the merge in this version's own graph, which the record
        will name (never copied: a switch rewrites the record); a stage when the served version has the graph, else
        the graph itself, listed as pending first, then emptied of what a failed publish left (one request each for
        up to ``GRAPHS_AT_ONCE`` graphs)."""
        unplaced = [graph for graph in dict.fromkeys(graphs) if graph not in self.places]
        for graph in unplaced:
            if graph == vocab.PUBLISHED_DEFAULT_GRAPH:
                self.places[graph] = f"{self.stage_base}/default"
            elif graph in self.served:
                self.places[graph] = f"{self.stage_base}/{len(self.places)}"
        fresh = [graph for graph in unplaced if graph not in self.places]
        for batch in _batches(fresh):
            pending = " ".join(f"<{self.stage_base}> {HAS_PART} <{graph}> ." for graph in batch)
            named = f"<{batch[0]}>" if len(batch) == 1 else f"{len(batch)} graphs"
            self._update(
                f"INSERT DATA {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ {pending} }} }}", f"listing {named} as pending"
            )
            drops = " ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in batch)
            self._update(self._row_by_row(drops), f"emptying {named}")
            self.new += batch
            self.places.update({graph: graph for graph in batch})

    def _named(self) -> list[str]:
        """This version's named graphs (every graph placed but the merge)."""
        return [graph for graph in self.places if graph != vocab.PUBLISHED_DEFAULT_GRAPH]

    def _since(self) -> str:
        return f" ({time.monotonic() - self.started:.1f} s)"

    def _row_by_row(self, update: str) -> str:
        """``update`` committed row by row on Virtuoso, its server thread then set back to transactions."""
        return f"{VIRTUOSO_ROW_BY_ROW}{update}{VIRTUOSO_TRANSACTIONAL}" if self.virtuoso else update

    def _post(self, graph: str, lines: list[str], whole: bool = False) -> None:
        """Send the N-Triples ``lines`` of ``graph`` to its place, at most ``REQUESTS_IN_FLIGHT`` requests at once, in
        requests of ``CHUNK_TRIPLES`` at most unless blank nodes tie them to one request (``whole``)."""
        for start in range(0, len(lines), len(lines) if whole else CHUNK_TRIPLES):
            while len(self.in_flight) >= REQUESTS_IN_FLIGHT:
                self.in_flight.pop(0).result()
            chunk = lines if whole else lines[start : start + CHUNK_TRIPLES]
            self.counts[graph] += len(chunk)
            self._place([graph])
            self.in_flight.append(self.pool.submit(_send, self.client, self.target, self.places[graph], chunk))

    def _stream(self, quads: Iterable[ox.Quad]) -> None:
        """Step 1: every quad sent to its graph's place and, unless it has a blank node, to the merge, at most
        ``BUFFERED_TRIPLES`` held (as N-Triples lines): a graph's are sent once they fill a request, the merge's
        set aside on disk (:class:`SetAside`); once the buffer is full, the graphs' lines are set aside too, and all
        are sent graph by graph in full requests once every quad is read, the merge last. (A dump may interleave
        its graphs: sent as the buffer filled, 10M quads in 4 279 graphs made 43 000 requests of 230 triples, each
        costing the engine about as much as a full one.)"""
        merge = vocab.PUBLISHED_DEFAULT_GRAPH
        self._place([merge])
        buffers: dict[str, list[str]] = defaultdict(list)
        held: dict[str, list[str]] = defaultdict(list)
        merged: list[str] = []
        buffered = 0
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise PublishFailed("a quad of the default graph: every quad must name its graph")
            graph = quad.graph_name.value
            triple = quad.triple
            line = _line(triple)
            if _has_blank_node(triple):
                held[graph].append(line)
                continue
            buffer = buffers[graph]
            buffer.append(line)
            merged.append(line)
            buffered += 1
            if len(buffer) == CHUNK_TRIPLES:
                buffered -= len(buffer)
                self._post(graph, buffers.pop(graph))
            if len(merged) == CHUNK_TRIPLES:
                self.set_aside.put(merge, merged)
                merged = []
            if buffered >= BUFFERED_TRIPLES:
                for graph, lines in buffers.items():
                    self.set_aside.put(graph, lines)
                buffers, buffered = defaultdict(list), 0
        buffers[merge] = merged
        self._post_graph_by_graph(buffers)
        self._place(held)
        for graph, lines in held.items():
            self._post(graph, lines, whole=True)
        self.held = list(held)
        for sent in self.in_flight:
            sent.result()
        self.in_flight = []
        for graph in held:  # the engine may have kept only one copy of a triple sent twice
            self.counts[graph] = self._count(self.places[graph])
        print(f"sent {sum(self.counts.values())} triples in {len(self.counts)} graphs{self._since()}", flush=True)

    def _post_graph_by_graph(self, buffers: dict[str, list[str]]) -> None:
        """Each graph's lines set aside and still buffered, in full requests but the last (places made first), the
        merge's last."""
        merge = vocab.PUBLISHED_DEFAULT_GRAPH
        graphs = [g for g in dict.fromkeys([*self.set_aside.graphs(), *buffers]) if g != merge] + [merge]
        self._place(graphs)
        for graph in graphs:
            unsent: list[str] = []
            for part in chain(self.set_aside.lines(graph), [buffers.pop(graph, [])]):
                unsent += part
                while len(unsent) >= CHUNK_TRIPLES:
                    self._post(graph, unsent[:CHUNK_TRIPLES])
                    unsent = unsent[CHUNK_TRIPLES:]
            self._post(graph, unsent)

    def _merge(self) -> None:
        """Step 2: the triples with a blank node copied into the merge by the engine, so that each blank node stays
        one node there too (the ground triples went to the merge as they were streamed)."""
        merge = self.places[vocab.PUBLISHED_DEFAULT_GRAPH]
        for graph in self.held:
            place = self.places[graph]
            self._update(
                f"INSERT {{ GRAPH <{merge}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{place}> {{ ?s ?p ?o "
                "FILTER(isBlank(?s) || isBlank(?o)) } }",
                "building the merge",
            )
        print(f"merge built{self._since()}", flush=True)

    def _select(self, query: str) -> list[list[str]]:
        """The rows of ``query`` (each variable bound), whole."""
        rows, response = self._rows(query)
        _whole(response, len(rows), "computing the statistics")
        return rows

    def _select_all(self, query: str, order: str) -> list[list[str]]:
        """Every row of ``query``, in pages ordered by ``order`` when the engine cut its answer at its cap."""
        rows, response = self._rows(query)
        cap = vocab.engine_cut_at(response.headers.get(vocab.ENGINE_CUT_HEADER), len(rows))
        if cap is None:
            return rows
        every: list[list[str]] = []
        seen: set[tuple[str, ...]] = set()
        while True:  # a page of ``cap`` rows is whole, whatever the engine says of it
            page, _ = self._rows(f"{query} ORDER BY {order} LIMIT {cap} OFFSET {len(every)}")
            if page and tuple(page[0]) in seen:  # the rows are distinct: an engine ignoring OFFSET would page forever
                raise PublishFailed(
                    f"computing the statistics: the engine answered a page past {len(every)} rows with a row it gave "
                    "before (it does not honour OFFSET); raise its cap of rows above the statistics' rows"
                )
            seen.update(tuple(row) for row in page)
            every += page
            if len(page) < cap:
                return every

    def _rows(self, query: str) -> tuple[list[list[str]], httpx.Response]:
        response = self.client.post(self.query_url, data={"query": query}, headers={"Accept": formats.JSON_RESULTS})
        _check(response, "computing the statistics")
        results = response.json()
        names = results["head"]["vars"]
        return [[row[n]["value"] for n in names] for row in results["results"]["bindings"]], response

    def _count(self, place: str) -> int:
        return int(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{place}> {{ ?s ?p ?o }} }}")[0][0])

    def _statistics(self) -> None:
        """Step 2: statistics.compute's figures, computed by the engine, added to the metadata graph and the merge."""
        merge = self.places[vocab.PUBLISHED_DEFAULT_GRAPH]
        named = {place: graph for graph, place in self.places.items() if graph != vocab.PUBLISHED_DEFAULT_GRAPH}
        per_graph: dict[str, int] = defaultdict(int)
        per_property: dict[str, int] = defaultdict(int)
        # every graph of the engine counted in one pass, ours kept: naming them (VALUES, IN) made Virtuoso read its
        # whole store once per batch of graphs (at 10M quads, 46 s for each 500 graphs; at 1M, 3.0 s for its 433 graphs
        # named, 0.2 s for every graph counted)
        counted = self._select_all(
            "SELECT ?g ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ?p", "?g ?p"
        )
        for place, predicate, n in counted:
            if place in named:
                per_graph[named[place]] += int(n)
                per_property[predicate] += int(n)
        classes = self._select_all(
            f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{merge}> {{ ?s a ?c }} }} GROUP BY ?c", "?c"
        )
        entities = self._select(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{merge}> {{ ?s ?p ?o FILTER(isIRI(?s)) }} }}"
        )
        stats = {
            "triples": sum(per_graph.values()),
            "entities": int(entities[0][0]),
            "graphs": dict(per_graph),
            "classes": {c: int(n) for c, n in classes},
            "properties": dict(per_property),
        }
        described = [
            q.triple for q in statistics.as_quads(stats, self.built.isoformat(timespec="seconds"), __version__)
        ]
        lines, whole = [_line(t) for t in described], any(_has_blank_node(t) for t in described)
        self._post(vocab.METADATA_GRAPH, lines, whole)
        self._post(vocab.PUBLISHED_DEFAULT_GRAPH, lines, whole)
        for sent in self.in_flight:
            sent.result()
        self.in_flight = []
        for graph in (vocab.METADATA_GRAPH, vocab.PUBLISHED_DEFAULT_GRAPH):
            self.counts[graph] = self._count(self.places[graph])
        print(f"statistics: {stats['triples']} triples, {stats['entities']} entities{self._since()}", flush=True)

    def _differences(self, graph: str) -> None:
        """Step 3: what this version adds to a served graph and removes from it, as two stages."""
        stage = self.places[graph]
        for kind, source, other in (("add", stage, graph), ("delete", graph, stage)):
            self._update(
                self._row_by_row(
                    f"INSERT {{ GRAPH <{stage}/{kind}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{source}> "
                    f"{{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH <{other}> {{ ?s ?p ?o }} }} }}"
                ),
                f"comparing <{graph}> with the served version",
            )

    def _switch(self, differences: list[str]) -> str:
        """Step 5, one update: each served graph changed by its differences, then the record settled (this version
        and its graphs written, the graphs it no longer has deleted, then the previous version, the mark and the
        pending entries)."""
        operations = []
        # many graphs per operation: one operation each makes more SQL than Virtuoso takes in a request; the stage's
        # IRI computed (bound by VALUES, Virtuoso compiles one branch per row: past its code size at 500 rows)
        for batch in _batches(differences):
            stages = " ".join(f"(<{graph}> <{self.places[graph]}>)" for graph in batch)
            for change, kind in (("DELETE", "delete"), ("INSERT", "add")):
                operations.append(
                    f"{change} {{ GRAPH ?graph {{ ?s ?p ?o }} }} WHERE {{ VALUES (?graph ?stage) {{ {stages} }} "
                    f"BIND(IRI(CONCAT(STR(?stage), '/{kind}')) AS ?changes) GRAPH ?changes {{ ?s ?p ?o }} }}"
                )
        record, version = vocab.PUBLICATION_GRAPH, ox.Literal(self.version)
        parts = sorted(self._named())
        gone = sorted(self.served - set(parts))
        merge, merged_in = vocab.PUBLISHED_MERGE_PROPERTY, self.places[vocab.PUBLISHED_DEFAULT_GRAPH]
        operations.append(
            f"INSERT DATA {{ GRAPH <{record}> {{ <{record}> <{vocab.OWL}versionInfo> {version} ; "
            f"<{merge}> <{merged_in}> }} }}"
        )
        operations += [
            f"INSERT DATA {{ GRAPH <{record}> {{ <{record}> {HAS_PART} {', '.join(f'<{g}>' for g in batch)} }} }}"
            for batch in _batches(parts)
        ]
        operations += [
            f"DELETE DATA {{ GRAPH <{record}> {{ <{record}> {HAS_PART} {', '.join(f'<{g}>' for g in batch)} }} }}"
            for batch in _batches(gone)
        ]
        # the mark and the previous version go last: a reader that sees them gone sees the record settled, and
        # Virtuoso 7.2 shows a concurrent read the operations of a transaction as they are applied
        operations.append(
            f"DELETE {{ GRAPH <{record}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{record}> {{ ?s ?p ?o "
            f"FILTER(?s != <{record}> || ?p = <{vocab.DCTERMS}isReplacedBy> "
            f"|| (?p = <{vocab.OWL}versionInfo> && ?o != {version}) || (?p = <{merge}> && ?o != <{merged_in}>)) }} }}"
        )
        return " ;\n".join(operations)

    def _abandon(self) -> None:
        """After a failure before the switch: the mark, the pending entries, the stages and the new graphs go."""
        for sent in self.in_flight:
            sent.cancel()
        wait(self.in_flight)  # a request under way ends before what it writes to is dropped
        stages = [p for g, p in self.places.items() if p != g]
        drops = [f"DELETE DATA {{ {self.mark} }}"]
        drops += [f"DELETE WHERE {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ <{self.stage_base}> {HAS_PART} ?g }} }}"]
        drops += [f"DROP SILENT GRAPH <{g}>" for g in [*self.new, *stages]]
        drops += [f"DROP SILENT GRAPH <{s}/{kind}>" for s in stages for kind in ("add", "delete")]
        try:
            self.client.post(self.update_url, data={"update": " ;\n".join(drops)})
        except httpx.HTTPError:
            pass  # the engine is gone: what this publish left is dropped by the next publish's switch

    def _drop(self, graph: str) -> None:
        try:
            self._update(self._row_by_row(f"DROP SILENT GRAPH <{graph}>"), f"dropping <{graph}>")
        except (PublishFailed, httpx.HTTPError) as err:
            print(f"left for the next publish to drop: <{graph}> ({err})")

    def _make_public(self, graphs: list[str]) -> None:
        """Let the public read ``graphs`` on Virtuoso: a no-op where it reads every graph already, the grant of a new
        graph where the deployer made graphs private by default (the serving account then reads only what is
        published)."""
        for batch in _batches(graphs):
            query = VIRTUOSO_MAKE_PUBLIC.format(graphs=" ".join(str(ox.Literal(g)) for g in batch))
            _check(self.client.post(self.update_url, data={"query": query}), "making the published graphs readable")

    def _update(self, request: str, what: str) -> None:
        _check(self.client.post(self.update_url, data={"update": request}), what)
