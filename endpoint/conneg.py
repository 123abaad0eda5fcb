"""Content negotiation with q-values, and the ``format=`` override (browsers, SPARQLWrapper).

``format=`` is read for the query's form: SPARQLWrapper sends ``format=xml`` or ``json`` for every
form, meaning RDF/XML or JSON-LD for a graph; a value that names no format of this form leaves the
choice to the Accept header.
"""

RESULTS = {  # SELECT / ASK
    "application/sparql-results+json": ("json", "json"),
    "application/sparql-results+xml": ("xml", "srx"),
    "text/csv": ("csv", "csv"),
    "text/tab-separated-values": ("tsv", "tsv"),
}
GRAPHS = {  # CONSTRUCT / DESCRIBE, and RDF documents
    "text/turtle": ("turtle", "ttl"),
    "application/n-triples": ("ntriples", "nt"),
    "application/ld+json": ("jsonld", "jsonld"),
    "application/rdf+xml": ("rdfxml", "rdf"),
    "application/trig": ("trig", "trig"),
    "application/n-quads": ("nquads", "nq"),
}
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
    "application/json-ld": "application/ld+json",
    "srj": "application/sparql-results+json",
    "srx": "application/sparql-results+xml",
}
GRAPH_ALIASES = {
    "application/json": "application/ld+json",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
    "application/json-ld": "application/ld+json",
    "json": "application/ld+json",
    "json-ld": "application/ld+json",
    "xml": "application/rdf+xml",
    "application/xml": "application/rdf+xml",
    "n3": "text/turtle",  # Turtle is N3's RDF subset
    "text/n3": "text/turtle",
}


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


def choose(
    accept: str | None,
    offers: dict[str, tuple[str, str]],
    fmt: str | None = None,
    aliases: dict[str, str] | None = None,
    default: str | None = None,
) -> str | None:
    """The offered media type that best matches, or None (→ 406).

    ``fmt`` (a media type, a short name or a file extension) overrides the Accept header; when it
    names none of ``offers`` (``format=turtle`` for a SELECT), the Accept header decides.
    """
    aliases = ALIASES if aliases is None else aliases
    ranges = parse_accept(accept)
    if fmt:
        fmt = fmt.lower()
        fmt = aliases.get(fmt, fmt)
        for media, (name, ext) in offers.items():
            if fmt in (media, name, ext):
                return media

    refused = {aliases.get(m, m) for m, q in ranges if q <= 0}  # q=0 means "not this one"
    order = [m for m in offers if m not in refused]
    if default in order:
        order.remove(default)
        order.insert(0, default)
    for media_range, q in ranges:
        if q <= 0:
            continue
        media_range = aliases.get(media_range, media_range)
        if media_range in order:
            return media_range
        if media_range == "*/*":
            return order[0]
        if media_range.endswith("/*"):
            prefix = media_range[:-1]
            for media in order:
                if media.startswith(prefix):
                    return media
    return None
