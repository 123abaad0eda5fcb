"""Content negotiation with q-values, and the ``format=`` override (browsers, SPARQLWrapper).

``format=`` is read for the query's form: SPARQLWrapper sends ``format=xml`` or ``json`` for every
form, meaning RDF/XML or JSON-LD for a graph; a value that names no format of this form leaves the
choice to the Accept header. The formats are those of :mod:`tehkg.formats`.
"""

from collections.abc import Sequence

from tehkg.formats import Format


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q, -index))
    ranges.sort(key=lambda r: (r[1], r[2]), reverse=True)
    return [(r[0], r[1]) for r in ranges]


def choose(accept: str | None, offers: Sequence[Format], fmt: str | None = None) -> str | None:
    """The media type of the offer that best matches, or None (→ 406).

    ``fmt`` (a media type, a short name, a file extension or an alias) overrides the Accept header; when it
    names none of ``offers`` (``format=turtle`` for a SELECT), the Accept header decides. In Accept, an
    offered media type is itself; an alias stands for the first offer that has it.
    """
    media = [offer.media_type for offer in offers]
    aliases: dict[str, str] = {}
    for offer in offers:
        for alias in offer.aliases:
            aliases.setdefault(alias, offer.media_type)
    if fmt:
        fmt = fmt.lower()
        for offer in offers:
            if fmt in (offer.media_type, offer.name, offer.extension):
                return offer.media_type
        if fmt in aliases:
            return aliases[fmt]

    def meant(media_range: str) -> str:
        return media_range if media_range in media else aliases.get(media_range, media_range)

    ranges = parse_accept(accept)
    refused = {meant(m) for m, q in ranges if q <= 0}  # q=0 means "not this one"
    order = [m for m in media if m not in refused]
    for media_range, q in ranges:
        if q <= 0:
            continue
        media_range = meant(media_range)
        if media_range in order:
            return media_range
        if media_range == "*/*":
            return order[0] if order else None
        if media_range.endswith("/*"):
            prefix = media_range[:-1]
            for candidate in order:
                if candidate.startswith(prefix):
                    return candidate
    return None
