"""An external SPARQL 1.1 engine (Virtuoso, Oxigraph server, Fuseki, GraphDB, QLever) behind ``--backend``."""

import asyncio
import codecs
import functools
import json
import math
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlencode

import aiohttp
import pyoxigraph as ox

from tehkg import formats, vocab
from tehkg.endpoint.engines.execution import QueryAnswer, QueryTask
from tehkg.endpoint.engines.workers import QueryTimeout
from tehkg.endpoint.errors import ProtocolError, not_acceptable_message
from tehkg.endpoint.query import conneg
from tehkg.endpoint.query.graph_patterns import restrict_graphs
from tehkg.endpoint.query.scan import PortableQuery, QueryRejected, QueryScan, portable, scan
from tehkg.loader.search_index import ENTRIES_QUERY, SearchIndex
from tehkg.settings import Settings

PUBLICATION_REFRESH = 1.0  # seconds between reads of the publication record of an external engine
SWITCH_POLL = 0.2  # seconds between reads of the record while a publish switches versions
SWITCH_NOTICE_MARGIN = 1.0  # seconds of SWITCH_NOTICE kept back for the time a read takes to reach the engine
_RECORD = f"<{vocab.PUBLICATION_GRAPH}>"
_STATE = f"{{ {_RECORD} <{vocab.OWL}versionInfo> ?version }} UNION {{ {_RECORD} <{vocab.DCTERMS}isReplacedBy> ?next }}"
# the record's state (its version, the mark of a switch under way), read after every query; its graphs and where
# its merge is too when the version is new
STATE_QUERY = f"SELECT ?version ?next WHERE {{ GRAPH {_RECORD} {{ {_STATE} }} }}"
PUBLICATION_QUERY = (
    f"SELECT ?version ?next ?graph ?merge WHERE {{ GRAPH {_RECORD} {{ {_STATE} "
    f"UNION {{ {_RECORD} <{vocab.PUBLISHED_PART_PROPERTY}> ?graph }} "
    f"UNION {{ {_RECORD} <{vocab.PUBLISHED_MERGE_PROPERTY}> ?merge }} }} }}"
)
JSON_RESULTS = formats.JSON_RESULTS
JSON_ACCEPT = {"Accept": JSON_RESULTS}
XSD_STRING = vocab.XSD + "string"
ANSWER_BYTES = 256 << 20  # the largest answer read from the engine (502 past it)
# bytes of an answer read before its rows are counted: most answers are shorter, and cost no count (the cap still
# applies to them when they are rewritten)
COUNTED_FROM = 1 << 18
# Virtuoso echoes each named-graph-uri as a response header: hundreds of them over a large publication
ENGINE_HEADERS = 100_000
# Virtuoso's timeout is an "anytime" budget it overruns while it winds down: it gets this share of the deadline
VIRTUOSO_TIMEOUT_SHARE = 0.5


class RemoteEngine:
    """An external SPARQL 1.1 query endpoint (Virtuoso, Oxigraph server, Fuseki, GraphDB, QLever).

    On an engine ``tehkg build --target`` published to, the publication record (``…/graph/publication``,
    read at most once a second) gives the version, which keys the cache, and the named graphs: a query
    without a dataset of its own is sent with the published merge (``…/graph/default``) as its default
    graph and those graphs as its named graphs, so the default graph is a set and the engine's other
    graphs stay out; Virtuoso, which takes a dataset of at most about 2 000 named graphs, gets the published graphs
    the query names, or for a ``GRAPH ?var`` the merge alone and the query's GRAPH patterns restricted in its text
    to the graphs the record lists (``graph_patterns``).
    Without a record the engine's default graph must be the union of its named graphs
    (Oxigraph: ``--union-default-graph``; Fuseki: ``tdb:unionDefaultGraph``) and nothing is cached.
    Virtuoso gets the deadline as its ``timeout`` too, so the engine stops the query as well.

    No answer mixes two versions: a publish marks the record (``dcterms:isReplacedBy`` the coming version),
    waits ``vocab.SWITCH_NOTICE`` seconds, switches, then settles the record. A query is sent only while the record
    is settled. Its answer is kept when it came back within the notice of the settled read it was sent on
    (no switch can have begun), or when a read of the record begun after it still shows the version it was
    sent with; otherwise it is asked again once the switch is over, within its deadline.

    The engine's answer is read only up to the row past the cap (``TEHKG_MAX_ROWS``), its rows counted as its bytes
    arrive (:class:`RowReader`), so a long answer costs the rows served, not the rows it has. It is held until the
    version is confirmed and its row count known (the ``Tehkg-Result-Count`` and truncation headers precede the
    body), then rewritten off the event loop into the format asked.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = settings.backend or ""
        self.timeout = settings.timeout
        self._session: aiohttp.ClientSession | None = None
        self._publication: Publication | None = None  # the last settled record
        self._switching = False  # the last record read shows a switch under way
        self._checked = -math.inf  # when the last record read came back
        self._reading: asyncio.Task | None = None
        self._read_started = -math.inf
        self._settled_since = -math.inf  # when the last read that found the record settled began
        self._virtuoso = False
        self._index: tuple[str | None, SearchIndex] | None = None

    def start(self) -> None:
        pass

    async def close(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
        if self._session is not None:
            await self._session.close()

    def _client(self) -> aiohttp.ClientSession:
        """The HTTP client (aiohttp's C parser: a third of httpx's CPU per answer), made in the running loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                max_headers=ENGINE_HEADERS, max_field_size=1 << 16, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return self._session

    async def _post(
        self, body: str | dict, headers: dict[str, str], timeout: float, max_rows: int | None = None
    ) -> "Reply":
        """POST a form to the engine; its status, media type and body (``ANSWER_BYTES`` at most). With ``max_rows``,
        an answer in SPARQL JSON or N-Triples is read only up to the row past the cap (:class:`RowReader`): the rest
        is left unread, its connection closed."""
        async with self._client().post(
            self.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            self._virtuoso = response.headers.get("server", "").startswith("Virtuoso")
            media = response.headers.get("content-type", "").split(";")[0].strip()
            reader = RowReader(media, max_rows) if max_rows is not None and response.status == 200 else None
            chunks, size = [], 0
            async for chunk in response.content.iter_chunked(1 << 16):
                size += len(chunk)
                if size > ANSWER_BYTES:
                    raise AnswerTooLarge(f"the backend's answer exceeds {ANSWER_BYTES >> 20} MiB")
                chunks.append(chunk)
                if reader is not None and size > COUNTED_FROM:
                    # a long answer's rows are counted off the event loop; a short one is read whole, uncounted
                    unread = b"".join(chunks[reader.fed :])
                    reader.fed = len(chunks)
                    if await asyncio.to_thread(reader.feed, unread):
                        response.close()  # past the cap: the rest of the answer is not needed
                        break
            content = reader.content() if reader is not None and reader.complete else b"".join(chunks)
            sql_state, cut_at = response.headers.get("x-sql-state"), response.headers.get(vocab.ENGINE_CUT_HEADER)
            return Reply(response.status, media, content, sql_state, cut_at)

    def directory(self) -> None:
        """No store directory: the data lives in the engine."""
        return None

    def version(self) -> str | None:
        """The published version the engine last said it serves (None without a publication record)."""
        if time.monotonic() - self._checked > PUBLICATION_REFRESH and (self._reading is None or self._reading.done()):
            self._start_read()
        return self._publication.version if self._publication else None

    def _start_read(self) -> asyncio.Task:
        self._read_started = time.monotonic()
        self._reading = asyncio.get_running_loop().create_task(self._read_publication(self._read_started))
        return self._reading

    async def _read_after(self, moment: float) -> bool:
        """Wait for a read of the record begun at ``moment`` or later (one read serves every waiter); whether
        it came back."""
        while True:
            reading, started = self._reading, self._read_started
            if reading is None or reading.done():
                reading, started = self._start_read(), self._read_started
            await asyncio.shield(reading)
            if started >= moment:
                return self._checked >= moment

    async def _read_publication(self, started: float) -> None:
        """Read the record's state (a read begun at ``started``); its graphs too when it settled on a version not
        seen yet."""
        rows = await self._record(STATE_QUERY)
        if rows is None:
            return
        versions = {row["version"]["value"] for row in rows if "version" in row}
        known = self._publication.version if self._publication else None
        if versions and versions != {known} and len(versions) == 1 and not any("next" in row for row in rows):
            rows = await self._record(PUBLICATION_QUERY)  # the version's graphs, read with its state again
            if rows is None:
                return
            versions = {row["version"]["value"] for row in rows if "version" in row}
        self._switching = len(versions) > 1 or any("next" in row for row in rows)
        if not self._switching:
            self._settled_since = started
            if not versions:
                self._publication = None
            elif versions != {known}:
                self._publication = Publication.of(versions.pop(), rows)
        self._checked = time.monotonic()

    async def _record(self, query: str) -> list[dict] | None:
        """The rows of a query on the publication record, None when the engine does not answer it."""
        try:
            reply = await self._post({"query": query}, JSON_ACCEPT, self.timeout)
        except (aiohttp.ClientError, TimeoutError, AnswerTooLarge):
            return None  # the engine is unreachable: queries will say so; the record is read again next time
        if reply.status != 200:
            return None
        rows = json.loads(reply.content)["results"]["bindings"]
        return None if reply.cut(len(rows)) else rows  # a record cut short would drop published graphs

    async def _settled(self, deadline: float) -> "Publication | None":
        """The published version to ask, once no switch is under way (QueryTimeout past ``deadline``)."""
        if time.monotonic() - self._checked > PUBLICATION_REFRESH:
            await self._read_after(time.monotonic())
        while self._switching:
            if time.monotonic() + SWITCH_POLL > deadline:
                raise QueryTimeout("a new version is being published: the query could not run before its deadline")
            await asyncio.sleep(SWITCH_POLL)
            await self._read_after(time.monotonic())
        return self._publication

    async def run(self, task: QueryTask, timeout: float) -> QueryAnswer:
        deadline = time.monotonic() + timeout
        while True:
            publication = await self._settled(deadline)
            # no switch can begin before this: a publish waits vocab.SWITCH_NOTICE after its mark
            unchanged_until = self._settled_since + vocab.SWITCH_NOTICE - SWITCH_NOTICE_MARGIN
            answer = await self._ask(task, publication, timeout, max(0.001, deadline - time.monotonic()))
            if publication is None or answer.status != 200 or time.monotonic() < unchanged_until:
                return answer
            if not await self._read_after(time.monotonic()):
                return QueryAnswer(
                    status=502,
                    error="the backend's publication record could not be read to confirm which version answered",
                )
            if not self._switching and self._publication == publication:
                return answer  # no switch began while the query ran

    async def _ask(
        self, task: QueryTask, publication: "Publication | None", limit: float, remaining: float
    ) -> QueryAnswer:
        """One request to the engine within ``remaining`` seconds of the query's ``limit``, over the published
        dataset unless the query or the request names its own (then only published graphs)."""
        try:
            read = await asyncio.to_thread(portable, task.query)  # the engine gets plain SPARQL 1.1 only
        except QueryRejected as err:
            return QueryAnswer(status=400, error=str(err))
        default_graphs, named_graphs = [*read.default_graphs, *(task.default_graphs or [])], [*read.named_graphs]
        named_graphs += task.named_graphs or []
        unpublished = publication.unpublished(default_graphs, named_graphs) if publication is not None else []
        if unpublished:
            return QueryAnswer(
                status=400,
                error=f"not a published graph: {', '.join(unpublished)}; the published graphs are listed at /dataset",
            )
        found = scan(task.query)
        query = task.query
        if task.default_graphs or task.named_graphs:  # the protocol's dataset, which overrides the query's
            dataset = self._dataset(publication, task.default_graphs or [], task.named_graphs or [])
        elif found.has_from:  # the query's, sent as the protocol's: the merge named where the engine holds it
            dataset = self._dataset(publication, read.default_graphs, read.named_graphs)
        elif publication is not None:
            ask = functools.partial(published_request, task.query, found, read, publication, self._virtuoso)
            try:  # a GRAPH query to Virtuoso is rewritten (a pass over its text): off the event loop
                query, dataset = await asyncio.to_thread(ask) if self._virtuoso and found.has_graph else ask()
            except QueryRejected as err:
                return QueryAnswer(status=400, error=str(err))
        else:
            dataset = ""
        form = [("query", query)]
        if self._virtuoso:
            form.append(("timeout", str(max(1, int(remaining * 1000 * VIRTUOSO_TIMEOUT_SHARE)))))
        # Virtuoso answers a CONSTRUCT in JSON results when they come first in Accept
        graph_form = found.form in ("CONSTRUCT", "DESCRIBE")
        headers = {
            "Accept": formats.N_TRIPLES if graph_form else formats.JSON_RESULTS,
            "Content-Type": formats.FORM,
        }
        body = "&".join(part for part in (urlencode(form), dataset) if part)
        try:
            reply = await self._post(body, headers, remaining, task.max_rows)
        except TimeoutError:
            raise QueryTimeout(f"query exceeded its time limit of {limit:g} s") from None
        except aiohttp.ClientError as err:
            return QueryAnswer(status=502, error=f"the SPARQL backend {self.url} is unreachable: {_why(err)}")
        except AnswerTooLarge as err:
            return QueryAnswer(status=502, error=str(err))
        message = reply.content[:2000].decode(errors="replace") if reply.status >= 400 else ""
        if reply.sql_state == "S1TAT" or message.startswith("Virtuoso S1TAT"):  # its timeout, partial or not
            raise QueryTimeout(f"query exceeded its time limit of {limit:g} s")
        if reply.status >= 400:
            return QueryAnswer(status=_engine_status(reply.status, message), error=f"backend: {_own_words(message)}")
        try:
            return await asyncio.to_thread(_reserialise, task, reply)  # off the event loop: other requests go on
        except (SyntaxError, ValueError) as err:  # an answer that is not what its Content-Type says
            return QueryAnswer(status=502, error=f"backend: its answer could not be read: {err}")

    @staticmethod
    def _dataset(publication: "Publication | None", default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
        """A dataset as form fields: of published graphs when a version is published, else as named."""
        if publication is None:
            return _dataset_form(default_graphs, named_graphs)
        return publication.form(default_graphs, named_graphs)

    async def search_index(self) -> SearchIndex:
        """Indexed from the backend on first use, again for each published version."""
        version = self.version()
        if self._index is None or self._index[0] != version:
            answer = await self.run(QueryTask(query=ENTRIES_QUERY, rows_only=True, max_rows=5_000_000), self.timeout)
            if answer.status != 200:
                raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
            rows = cast("list[list[ox.NamedNode | ox.Literal]]", answer.rows)  # ENTRIES_QUERY: IRIs and literals
            self._index = (version, SearchIndex([(s.value, p.value, t.value) for s, p, t in rows]))
        return self._index[1]


@dataclass(frozen=True)
class Publication:
    """What ``tehkg build --target`` last switched in: its version, named graphs, and the graph the engine holds
    their merge in (vocab.PUBLISHED_DEFAULT_GRAPH, which queries name, stands for it)."""

    version: str
    graphs: tuple[str, ...]
    merge: str = vocab.PUBLISHED_DEFAULT_GRAPH

    @classmethod
    def of(cls, version: str, rows: list[dict]) -> "Publication":
        """The version with its graphs and merge, from the rows of PUBLICATION_QUERY (SPARQL JSON bindings)."""
        graphs = tuple(sorted({row["graph"]["value"] for row in rows if "graph" in row}))
        merge = next((row["merge"]["value"] for row in rows if "merge" in row), vocab.PUBLISHED_DEFAULT_GRAPH)
        return cls(version, graphs, merge)

    def unpublished(self, default_graphs: list[str], named_graphs: list[str]) -> list[str]:
        """Those of the graphs a query names that this publication does not hold (the engine may co-host others, or
        a stage): the merge is the default graph, never a named one."""
        return [g for g in default_graphs if g != vocab.PUBLISHED_DEFAULT_GRAPH and g not in self._graph_set] + [
            g for g in named_graphs if g not in self._graph_set
        ]

    def holds(self, graphs: Sequence[str]) -> bool:
        """Whether every one of ``graphs`` is a published named graph."""
        return set(graphs) <= self._graph_set

    @functools.cached_property
    def _graph_set(self) -> frozenset[str]:
        return frozenset(self.graphs)

    def form(self, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
        """A dataset of published graphs as form fields, the merge where the engine holds it."""
        merged = [self.merge if g == vocab.PUBLISHED_DEFAULT_GRAPH else g for g in default_graphs]
        return _dataset_form(merged, named_graphs)

    @functools.cached_property
    def dataset_form(self) -> str:
        """The published dataset as form fields: the merge as default graph, the graphs as named graphs."""
        return _dataset_form([self.merge], list(self.graphs))

    @functools.cached_property
    def default_form(self) -> str:
        """The published merge as the default graph, without named graphs."""
        return _dataset_form([self.merge], [])


def _dataset_form(default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    return urlencode(
        [("default-graph-uri", g) for g in default_graphs] + [("named-graph-uri", g) for g in named_graphs]
    )


def published_request(
    query: str, found: QueryScan, read: PortableQuery, publication: "Publication", virtuoso: bool
) -> tuple[str, str]:
    """The text and the dataset (as form fields) that a query without a dataset of its own is sent with over a
    publication: the merge as the default graph, the published graphs as named graphs when it reads them.

    Virtuoso compiles a dataset of at most about 2 000 named graphs: it gets the merge and the published graphs the
    query's GRAPH patterns name, or, for a GRAPH ?var or a graph not published, the merge alone and the GRAPH
    patterns restricted to the published graphs in the query's text (``graph_patterns``); a DESCRIBE reads the
    merge, which holds every published triple. ``found`` and ``read`` are the query's scan and parse. Slow for a
    GRAPH query to Virtuoso (its text is rewritten): call that one off the event loop. QueryRejected for a query
    whose rewrite would be too long (``graph_patterns.RESTRICTED_LENGTH``)."""
    if virtuoso and found.has_graph:
        if read.graph_variables or not publication.holds(read.graph_names):
            return restrict_graphs(query, vocab.PUBLICATION_GRAPH), publication.default_form
        return query, publication.form([vocab.PUBLISHED_DEFAULT_GRAPH], read.graph_names)
    named = reads_named_graphs(found) and not virtuoso
    return query, publication.dataset_form if named else publication.default_form


def reads_named_graphs(found: QueryScan) -> bool:
    """Whether a query's answer may depend on the dataset's named graphs: only GRAPH patterns read them (and
    DESCRIBE, which each engine defines). The other queries are sent without them: a list of hundreds costs the
    engine time to read (Virtuoso: 80 ms per query at 1M quads)."""
    return found.has_graph or found.form == "DESCRIBE"


# Virtuoso's SQL states of errors in the query itself (syntax, semantics, data): a 500 that is the client's 400
QUERY_ERROR_STATES = ("Virtuoso 37000", "Virtuoso 42", "Virtuoso 22")


def _engine_status(status: int, message: str) -> int:
    """400 for a query the engine refuses (whatever status it uses to say so), 502 for an engine that fails."""
    return 400 if status < 500 or message.startswith(QUERY_ERROR_STATES) else 502


def _own_words(message: str) -> str:
    """The engine's error without the query text it echoes (Virtuoso appends the text it ran, which holds the
    dataset clauses tehkg added)."""
    return message.split("\n\nSPARQL query:", 1)[0].strip()


def _why(err: aiohttp.ClientError) -> str:
    """What went wrong with the connection, in words: ``connection refused``, ``it closed the connection``…"""
    if isinstance(err, aiohttp.ClientConnectorError) and err.os_error.errno:
        return os.strerror(err.os_error.errno).lower()
    if isinstance(err, aiohttp.ServerDisconnectedError):
        return "it closed the connection"
    return type(err).__name__


@dataclass(frozen=True)
class Reply:
    """An answer of the engine, read whole."""

    status: int
    media_type: str
    content: bytes
    sql_state: str | None = None  # Virtuoso's X-SQL-State
    cut_at: str | None = None  # the engine's vocab.ENGINE_CUT_HEADER: the cap of rows it may have cut the answer at

    def cut(self, rows: int) -> bool:
        """Whether the engine cut the answer of ``rows`` rows at its own cap: the answer is truncated."""
        return vocab.engine_cut_at(self.cut_at, rows) is not None

    def truncation(self, rows: int, max_rows: int) -> tuple[bool, int | None]:
        """Whether an answer of ``rows`` rows (the row past ``max_rows`` counted, when read) is truncated, and the
        cap that cut it when it is the engine's, below ``max_rows`` (else None: ``max_rows`` cut it)."""
        limit = vocab.engine_cut_at(self.cut_at, rows) if rows <= max_rows else None
        return rows > max_rows or limit is not None, limit


class RowReader:
    """Counts the rows of an engine's answer as its bytes arrive, to stop reading one row past the cap.

    SPARQL JSON results: each binding of ``results.bindings`` is read as one JSON value (the answer's ``head`` must
    come first, as Virtuoso, Oxigraph, Fuseki and QLever write it; otherwise the whole answer is read). N-Triples:
    one triple per line. Any other format is read whole. Once past the cap, :meth:`content` is the answer cut
    there: the head and the bindings read, or the lines read."""

    BINDINGS = re.compile(r'"bindings"\s*:\s*\[')
    VARS = re.compile(r'"vars"\s*:\s*(\[[^\]]*\])')

    def __init__(self, media_type: str, max_rows: int) -> None:
        self.wanted = max_rows + 1  # a row past the cap says the answer is cut
        self.json = media_type == JSON_RESULTS
        self.lines = media_type == formats.N_TRIPLES
        self.text = ""  # JSON read so far (from the first binding not yet read, once the head is found)
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.head: str | None = None  # the ``head`` object's variables, as JSON
        self.rows: list[str] = []  # each binding's JSON, or each line of N-Triples
        self.partial = b""  # N-Triples: the line not ended yet
        self.complete = False  # the cap was passed
        self.fed = 0  # chunks of the answer fed so far

    def feed(self, chunk: bytes) -> bool:
        """Read ``chunk``; whether the row past the cap has come (reading may stop)."""
        if self.json:
            self._feed_json(self.decoder.decode(chunk))
        elif self.lines:
            lines = (self.partial + chunk).split(b"\n")
            self.partial = lines.pop()
            self.rows += [line.decode() for line in lines if line.strip() and not line.lstrip().startswith(b"#")]
        self.complete = len(self.rows) >= self.wanted
        return self.complete

    def _feed_json(self, text: str) -> None:
        self.text += text
        if self.head is None:
            start = self.BINDINGS.search(self.text)
            if start is None:
                return
            variables = self.VARS.search(self.text, 0, start.start())
            if variables is None:  # the head comes after the bindings: read whole
                self.json = False
                return
            self.head, self.text = variables.group(1), self.text[start.end() :]
        decoder, position = json.JSONDecoder(), 0
        while len(self.rows) < self.wanted:
            while position < len(self.text) and self.text[position] in " \t\r\n,":
                position += 1
            if position == len(self.text) or self.text[position] == "]":
                break
            try:
                _, end = decoder.raw_decode(self.text, position)
            except ValueError:
                break  # the binding goes on in the next chunk
            self.rows.append(self.text[position:end])
            position = end
        self.text = self.text[position:]

    def content(self) -> bytes:
        """The answer cut past the cap, in its own format."""
        if self.lines:
            return ("\n".join(self.rows[: self.wanted]) + "\n").encode()
        bindings = ",".join(self.rows[: self.wanted])
        return f'{{"head":{{"vars":{self.head}}},"results":{{"bindings":[{bindings}]}}}}'.encode()


class AnswerTooLarge(Exception):
    """The engine's answer is larger than ``ANSWER_BYTES``."""


def _reserialise(task: QueryTask, response: Reply) -> QueryAnswer:
    """Turn the backend's JSON results or N-Triples into the answer the client asked for."""
    from tehkg.endpoint.query import serializers

    if response.media_type == JSON_RESULTS and not task.rows_only:
        if conneg.choose(task.accept, formats.RESULT_FORMATS, task.format) == JSON_RESULTS:
            direct = _json_to_json(response, task.max_rows)
            if direct is not None:
                return direct
    if response.media_type == JSON_RESULTS:
        # Virtuoso names blank nodes "nodeID://b1": not a blank node label; "b1" is
        content = response.content.replace(b'"nodeID://', b'"')
        parsed = ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            chosen = conneg.choose(task.accept, formats.RESULT_FORMATS, task.format)
            if chosen is None:
                return QueryAnswer(status=406, error=not_acceptable_message(formats.RESULT_FORMATS))
            return QueryAnswer(media_type=chosen, body=serializers.ask(chosen, bool(parsed)))
        variables = [v.value for v in parsed.variables]
        rows: list[serializers.Row] = []
        truncated = False
        for solution in parsed:
            if len(rows) == task.max_rows:
                truncated = True  # a solution past the cap, not merely as many as the cap
                break
            rows.append([None if (term := solution[i]) is None else _canonical(term) for i in range(len(variables))])
        truncated, limit = response.truncation(len(rows) + truncated, task.max_rows)
        if task.rows_only:
            return QueryAnswer(variables=variables, rows=rows, count=len(rows), truncated=truncated, row_limit=limit)
        chosen = conneg.choose(task.accept, formats.RESULT_FORMATS, task.format)
        if chosen is None:
            return QueryAnswer(status=406, error=not_acceptable_message(formats.RESULT_FORMATS))
        return QueryAnswer(
            media_type=chosen,
            count=len(rows),
            truncated=truncated,
            row_limit=limit,
            body=serializers.select(chosen, variables, rows, truncated),
        )
    triples = [
        ox.Triple(t.subject, t.predicate, _canonical(t.object))
        for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
    ]
    chosen = conneg.choose(task.accept, formats.GRAPH_FORMATS, task.format)
    if chosen is None:
        return QueryAnswer(status=406, error=not_acceptable_message(formats.GRAPH_FORMATS))
    truncated, limit = response.truncation(len(triples), task.max_rows)
    triples = triples[: task.max_rows]
    body = serializers.graph(chosen, triples)
    return QueryAnswer(media_type=chosen, body=body, count=len(triples), truncated=truncated, row_limit=limit)


def _json_to_json(response: Reply, max_rows: int) -> QueryAnswer | None:
    """SELECT results in JSON, rewritten as the embedded store writes them (Virtuoso's ``typed-literal`` and
    ``nodeID://`` blank nodes normalised, unbound variables left out, the row cap applied) without building terms:
    a quarter of the CPU of parsing and writing them. None for an answer with a term it does not know (an RDF-star
    triple): the general path reads it."""
    from tehkg.endpoint.query import serializers

    parsed = json.loads(response.content)
    if "results" not in parsed:
        return None
    variables = parsed["head"]["vars"]
    bindings = parsed["results"]["bindings"]
    try:
        rows = [{v: _json_term(b[v]) for v in variables if v in b} for b in bindings[:max_rows]]
    except KeyError:
        return None
    truncated, limit = response.truncation(len(bindings), max_rows)
    body = serializers.json_results(variables, rows, truncated)
    return QueryAnswer(media_type=JSON_RESULTS, count=len(rows), truncated=truncated, row_limit=limit, body=body)


# Virtuoso stores a boolean as a number and writes it back as "1"^^xsd:boolean: the canonical form is "true"
XSD_BOOLEAN = vocab.XSD + "boolean"
BOOLEAN_FORMS = {"1": "true", "0": "false"}
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _canonical(term: Term) -> Term:
    """``term`` with a boolean's lexical form made canonical (see BOOLEAN_FORMS)."""
    if isinstance(term, ox.Literal) and term.datatype.value == XSD_BOOLEAN and term.value in BOOLEAN_FORMS:
        return ox.Literal(BOOLEAN_FORMS[term.value], datatype=term.datatype)
    return term


def _json_term(term: dict) -> dict:
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return {"type": "uri", "value": value}
    if kind == "bnode":
        return {"type": "bnode", "value": value.removeprefix("nodeID://")}
    if kind not in ("literal", "typed-literal"):
        raise KeyError(kind)
    if "xml:lang" in term:
        return {"type": "literal", "value": value, "xml:lang": term["xml:lang"].lower()}
    datatype = term.get("datatype")
    if datatype is None or datatype == XSD_STRING:
        return {"type": "literal", "value": value}
    return {
        "type": "literal",
        "value": BOOLEAN_FORMS.get(value, value) if datatype == XSD_BOOLEAN else value,
        "datatype": datatype,
    }
