"""A bounded LRU cache of responses, valid for one store version."""

import hashlib
from collections import OrderedDict

from tehkg.endpoint.execution import QueryAnswer


class ResponseCache:
    """Answers keyed by the ETag of (store version, request key); a new store version empties it.

    A version of None (an external engine) caches nothing.
    """

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self.version: str | None = None
        self.items: OrderedDict[str, QueryAnswer] = OrderedDict()
        self.hits = self.misses = 0

    @staticmethod
    def etag(version: str | None, key: tuple) -> str:
        digest = hashlib.sha256(repr((version, key)).encode()).hexdigest()[:32]
        return f'"{digest}"'

    def get(self, version: str | None, etag: str) -> QueryAnswer | None:
        if version != self.version:
            self.items.clear()
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
        if self.entries <= 0 or version is None or answer.status != 200 or version != self.version:
            return
        self.items[etag] = answer
        while len(self.items) > self.entries:
            self.items.popitem(last=False)
