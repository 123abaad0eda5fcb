"""Search hits as the site shows them: each with its label in the page's language and the matched text cut at word
boundaries around the match; only what has a page to open."""

from tehkg.endpoint.context import local_path
from tehkg.endpoint.pages.links import linkable
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.text import clip, snippet
from tehkg.loader.search_index import Hit, query_words


async def hits(reader: Reader, q: str, found: list[Hit]) -> list[dict]:
    """The hits as /search answers them (JSON, and the search page): iri, path, label, text, score."""
    words = query_words(q)
    names = await reader.labels({h.iri for h in found})
    return [
        {
            "iri": h.iri,
            "path": local_path(h.iri),
            "label": clip(names.get(h.iri, h.text), 120),
            "text": snippet(h.text, words, 160),
            "score": h.score,
        }
        for h in found
        if linkable(h.iri)  # a hit is a link to follow: other schemes have no page to open
    ]
