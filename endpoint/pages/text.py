"""Cutting text at word boundaries: labels and graph names cut short, search snippets around the match."""

from tehkg.loader.search_index import fold


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.«(") + "…"


def snippet(text: str, words: list[str], limit: int) -> str:
    """At most ``limit`` characters of ``text`` around the first of the folded ``words`` it contains, cut at word
    boundaries (an ellipsis on each cut side)."""
    if len(text) <= limit:
        return text
    folded = "".join(fold(c)[:1] or c for c in text)  # one character per character: positions stay aligned
    found = [i for i in (folded.find(w) for w in words) if i >= 0]
    start = max(0, min(found, default=0) - limit // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + limit // 4 else start
    head = "…" if start else ""
    return head + clip(text[start:], limit - len(head))
