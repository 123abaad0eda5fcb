"""A bounded LRU cache of responses, valid for one store version, bounded in entries and in bytes."""

import asyncio
import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from tehkg.endpoint.engines.execution import QueryAnswer

ENTRY_OVERHEAD = 512  # bytes counted per entry beside its body: key, headers, bookkeeping


def answer_bytes(answer: QueryAnswer) -> int:
    """What an answer costs the cache: its body and error text plus a fixed overhead."""
    return len(answer.body) + len(answer.error or "") + ENTRY_OVERHEAD


class ResponseCache:
    """Answers keyed by the ETag of (store version, request key); a new store version empties it.

    At most ``entries`` answers and ``max_bytes`` bytes are kept (least recently used go first);
    an answer above ``max_entry_bytes`` is never cached. A version of None (an external engine)
    caches nothing.
    """

    def __init__(self, entries: int, max_bytes: int = 64 << 20, max_entry_bytes: int = 1 << 20) -> None:
        self.entries, self.max_bytes, self.max_entry_bytes = entries, max_bytes, max_entry_bytes
        self.version: str | None = None
        self.items: OrderedDict[str, QueryAnswer] = OrderedDict()
        self.size = 0  # bytes held, as answer_bytes counts them
        self.hits = self.misses = 0
        self.documents = DocumentCache(max_bytes)
        self.secret = os.urandom(32)

    def etag(self, version: str | None, key: tuple) -> str:
        """The answer's tag, keyed by a secret of this process: no one can compute the tag of a query they
        did not run, so ``If-None-Match`` cannot tell whether someone else ran it (and a 304 only ever
        confirms an answer its asker already holds)."""
        digest = hashlib.blake2b(repr((version, key)).encode(), key=self.secret, digest_size=16).hexdigest()
        return f'"{digest}"'

    def get(self, version: str | None, etag: str) -> QueryAnswer | None:
        if version != self.version:
            self.items.clear()
            self.size = 0
            self.version = version
        if version is None:
            return None
        answer = self.items.get(etag)
        if answer is None:
            self.misses += 1
            return None
        self.hits += 1
        self.items.move_to_end(etag)
        return answer

    def put(self, version: str | None, etag: str, answer: QueryAnswer) -> None:
        cost = answer_bytes(answer)
        if (
            self.entries <= 0
            or version is None
            or answer.status != 200
            or version != self.version
            or cost > min(self.max_entry_bytes, self.max_bytes)
        ):
            return
        previous = self.items.pop(etag, None)
        if previous is not None:
            self.size -= answer_bytes(previous)
        self.items[etag] = answer
        self.size += cost
        while len(self.items) > self.entries or self.size > self.max_bytes:
            _, evicted = self.items.popitem(last=False)
            self.size -= answer_bytes(evicted)


class DocumentCache:
    """Whole-store documents (dumps, descriptions) for one store version, at most ``max_bytes``.

    Each is built once per version however many requests ask for it meanwhile; a document larger
    than ``max_bytes`` is built for every request. A version of None caches nothing.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: str | None = None
        self.items: dict[tuple, bytes] = {}
        self.building: dict[tuple, asyncio.Task[bytes]] = {}

    async def get(self, version: str | None, key: tuple, build: Callable[[], Awaitable[bytes]]) -> bytes:
        if version != self.version:
            self.items, self.building, self.version = {}, {}, version
        if version is None:
            return await build()
        if key in self.items:
            return self.items[key]
        task = self.building.get(key)
        if task is None:
            task = self.building[key] = asyncio.ensure_future(build())
            task.add_done_callback(lambda done: self._store(version, key, done))
        return await asyncio.shield(task)

    def _store(self, version: str, key: tuple, done: asyncio.Task[bytes]) -> None:
        if version != self.version:
            return
        self.building.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return
        body = done.result()
        if sum(map(len, self.items.values())) + len(body) <= self.max_bytes:
            self.items[key] = body
