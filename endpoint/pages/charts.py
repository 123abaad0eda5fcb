"""The geometry of the pages' SVG charts (no JavaScript library, no CDN): where each bar, box, dot and line goes,
as numbers and texts. templates/charts.html draws them; the words around them are the templates'."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    """One bar: its label (linked to ``iri`` when it has a page), value, top and length."""

    label: str
    value: int
    iri: str | None
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int


def bar_chart(items: list[tuple[str, int, str | None]]) -> BarChart | None:
    """Horizontal bars, one per (label, value, IRI or None); None when there is nothing to draw."""
    if not items:
        return None
    top = max(value for _, value, _ in items) or 1
    bars = [Bar(label[:48], value, iri, 5 + 22 * i, 260 * value / top) for i, (label, value, iri) in enumerate(items)]
    return BarChart(bars, 22 * len(items) + 10)


def wrap(label: str, width: int) -> list[str]:
    """At most two lines of ``width`` characters, cut at spaces, an ellipsis when cut short."""
    lines, words = [""], label.split()
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


@dataclass(frozen=True)
class Box:
    """A labelled box (its label on one or two lines, each with its vertical shift), linked to ``iri``."""

    iri: str
    label: str
    x: float
    y: float
    lines: list[tuple[str, str]]  # (dy, text)
    current: bool = False  # the page's own node, drawn filled


def _box(iri: str, label: str, x: float, y: float, width: int, current: bool = False) -> Box:
    lines = wrap(label, width)
    shifts = ("0.35em",) if len(lines) == 1 else ("-0.25em", "1.2em")
    return Box(iri, label, x, y, list(zip(shifts, lines, strict=True)), current)


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Hierarchy:
    """An organisation among its parents and units: boxes in layers, a connector from each unit to its parent."""

    boxes: list[Box]
    connectors: list[Line]
    width: float
    height: float
    box_width: int = 200
    box_height: int = 40


def hierarchy(org: str, edges: list[tuple[str, str]], names: dict[str, str]) -> Hierarchy | None:
    """``org`` among its parents (as far up as ``edges`` (child, parent) go) and its units (two levels down);
    None when it has neither."""
    parents: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    for child, parent in edges:
        parents.setdefault(child, set()).add(parent)
        children.setdefault(parent, set()).add(child)
    if org not in parents and org not in children:
        return None
    depth = {org: 0}
    for step, links, limit in ((-1, parents, 10), (1, children, 2)):
        frontier = [org]
        for level in range(1, limit + 1):
            frontier = sorted({n for f in frontier for n in links.get(f, ()) if n not in depth})
            depth.update((node, step * level) for node in frontier)
    drawn = sorted((c, p) for c in depth for p in parents.get(c, ()) if p in depth and depth[c] == depth[p] + 1)
    layers: dict[int, list[str]] = {}
    for node, d in sorted(depth.items(), key=lambda kv: names[kv[0]]):
        layers.setdefault(d, []).append(node)
    box_w, box_h, gap_x, gap_y = 200, 40, 16, 36
    width = max(len(nodes) for nodes in layers.values()) * (box_w + gap_x)
    top = min(layers)
    where: dict[str, tuple[float, float]] = {}
    for d, nodes in layers.items():
        offset = (width - len(nodes) * (box_w + gap_x)) / 2 + gap_x / 2
        for i, node in enumerate(nodes):
            where[node] = (offset + i * (box_w + gap_x), (d - top) * (box_h + gap_y) + 4)
    connectors = [
        Line(where[c][0] + box_w / 2, where[c][1], where[p][0] + box_w / 2, where[p][1] + box_h) for c, p in drawn
    ]
    boxes = [_box(node, names[node], x, y, 34, node == org) for node, (x, y) in where.items()]
    return Hierarchy(boxes, connectors, width, (max(layers) - top + 1) * (box_h + gap_y), box_w, box_h)


@dataclass(frozen=True)
class Membership:
    """One attachment: to ``parent``, during ``interval`` (followed by the interval ``next``), which contains
    ``date``."""

    iri: str
    parent: str
    label: str
    interval: str = ""
    next: str = ""
    date: str = ""


@dataclass(frozen=True)
class AttachmentRow:
    """The attachments one document states, in their order: boxes, dates under them, arrows between them."""

    heading: str
    y: int
    boxes: list[Box]
    dates: list[tuple[float, str]]  # (x of the box's middle, date)
    arrows: list[float]  # x where an arrow starts, to the next box
    box_width: int = 190
    box_height: int = 44
    gap: int = 34


@dataclass
class Attachments:
    rows: list[AttachmentRow] = field(default_factory=list)
    width: int = 0
    height: int = 0


def attachments(found: list[Membership], by_doc: dict[str, set[str]], documents: dict[str, str]) -> Attachments | None:
    """One row per document (``by_doc``: the attachments it states; the one stating most first; ``documents``:
    its title): a box per parent in the order of the intervals (``next`` draws an arrow: one attachment followed
    the other), the date an interval contains under its box."""
    if not found:
        return None
    by_iri = {m.iri: m for m in found}
    interval_of = {m.interval: m.iri for m in found if m.interval}
    successor = {m.iri: interval_of[m.next] for m in found if m.next in interval_of}
    position: dict[str, int] = {}
    for start in set(successor) - set(successor.values()):
        step = 0
        node: str | None = start
        while node is not None and node not in position:
            position[node], step, node = step, step + 1, successor.get(node)
    out = Attachments()
    box_w, box_h, gap, row_h = 190, 44, 34, 96
    for y_index, doc in enumerate(sorted(by_doc, key=lambda d: -len(by_doc[d]))):
        # the order of the intervals; a dated attachment outside any sequence first, undated ones last
        members = sorted(
            by_doc[doc],
            key=lambda m: (position.get(m, -1 if by_iri[m].date else 99), by_iri[m].date, by_iri[m].label),
        )
        y = 22 + y_index * row_h
        row = AttachmentRow(documents.get(doc, doc), y, [], [], [], box_w, box_h, gap)
        for i, m in enumerate(members):
            x = i * (box_w + gap)
            row.boxes.append(_box(by_iri[m].parent, by_iri[m].label, x, y, 32))
            if by_iri[m].date:
                row.dates.append((x + box_w / 2, by_iri[m].date))
            if i + 1 < len(members) and successor.get(m) == members[i + 1]:
                row.arrows.append(x + box_w)
        out.rows.append(row)
        out.width = max(out.width, len(members) * (box_w + gap))
    out.height = 22 + len(by_doc) * row_h
    return out


STATUS_COLOURS = {"implemented": "#2e7d32", "partially-implemented": "#e0a100", "not-implemented": "#c0392b"}
UNRATED_COLOUR = "#9aa3ad"


def status_colour(status: str) -> str:
    """The colour of a CNCDH implementation status (by the last segment of its IRI)."""
    return STATUS_COLOURS.get(status.rsplit("/", 1)[-1], UNRATED_COLOUR)


@dataclass(frozen=True)
class Dot:
    """A measure on the plans picture: its page, number, title, place and colour."""

    iri: str
    n: str
    title: str
    y: float
    colour: str


@dataclass(frozen=True)
class PlansPicture:
    """Two columns of dots, the 2014-2016 measures left, the 2019-2021 ones right, a line per follow-up."""

    old: list[Dot]
    new: list[Dot]
    lines: list[tuple[float, float]]  # (y on the left, y on the right)
    legend: list[tuple[str, str]]  # (colour, status)
    height: float
    left: int = 170
    right: int = 400


def plans_picture(
    old: list[tuple[str, str, str]],
    new: list[tuple[str, str, str]],
    rated: dict[str, tuple[str, str]],
    later: dict[str, list[str]],
) -> PlansPicture:
    """``old`` and ``new`` measures as (IRI, number, title) in printed order; ``rated``: a measure's (status IRI,
    status label); ``later``: the follow-ups of each old measure. Each column spread over the longest's height."""
    step = 16
    longest = max(len(old), len(new), 2)

    def spread(column: list[tuple[str, str, str]]) -> dict[str, float]:
        gap = step * (longest - 1) / max(len(column) - 1, 1)
        return {m: 14 + i * gap for i, (m, _, _) in enumerate(column)}

    y_old, y_new = spread(old), spread(new)
    lines = [(y_old[m], y_new[n]) for m, _, _ in old for n in later.get(m, []) if n in y_new]
    old_dots = [Dot(m, n, title, y_old[m], status_colour(rated.get(m, ("",))[0])) for m, n, title in old]
    new_dots = [Dot(m, n, title, y_new[m], "#3b6ea5") for m, n, title in new]
    legend = sorted({(status_colour(s), label) for s, label in rated.values()})
    return PlansPicture(old_dots, new_dots, lines, legend, longest * step + 20)


@dataclass(frozen=True)
class Mark:
    """A document on the timeline: its page, title, date, place on the line and height of its label."""

    iri: str
    title: str
    date: str
    x: float
    y: int


@dataclass(frozen=True)
class Timeline:
    ticks: list[tuple[float, int]]  # (x, year)
    marks: list[Mark]
    height: int
    width: int = 640
    x0: int = 20
    span: int = 600


def timeline(documents: list[tuple[str, str, str]]) -> Timeline | None:
    """``documents`` as (IRI, date, title) in date order, on a line of years; None when there is none."""
    if not documents:
        return None
    years = [int(d[:4]) for _, d, _ in documents]
    first, last = min(years), max(years) + 1
    width, x0, span = 640, 20, 600

    def x(value: str) -> float:
        year, month = int(value[:4]), int(value[5:7]) if len(value) >= 7 else 1
        return x0 + span * (year + (month - 1) / 12 - first) / (last - first)

    ticks = [(x(str(y)), y) for y in range(first, last + 1)]
    marks = [Mark(iri, title, d, x(d), 80 + i * 30) for i, (iri, d, title) in enumerate(documents)]
    return Timeline(ticks, marks, 90 + len(documents) * 30, width, x0, span)
