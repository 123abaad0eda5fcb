"""What changed between two releases: canonical N-Quads, their difference as an RDF Patch, and its summary.

Both sides are written as canonical N-Quads (RDFC-1.0 blank node labels, lines in code point order: the bytes
``/releases`` serves); the change is the lines only one side has. Written as an RDF Patch
(the RDF Patch format of Apache Jena: ``H`` headers, then one transaction ``TX`` … ``TC`` of ``D`` and ``A`` rows, each
row a quad as N-Quads writes it), applying it to the old canonical dump gives the new one byte for byte. Blank
nodes are compared by their canonical labels: a blank node whose surroundings change may be relabelled, and then
its statements are removed and added again under the new label.

The summary counts what was added and removed per named graph and which entities (IRI subjects) were added,
removed or changed. ``tehkg build`` writes both beside each release (CHANGES.rdfp, CHANGES.json), from the
release before it; ``tehkg diff OLD NEW`` prints the same summary for any two dumps or stores.
"""

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from tehkg.loader.store_layout import BUILD_INFO, current_store, find_release
from tehkg.vocab import RELEASE_BASE

CHANGES = "CHANGES.json"  # the summary of what changed since the previous release
PATCH = "CHANGES.rdfp"  # the RDF Patch from the previous release to this one
QUAD_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES}


class PatchError(ValueError):
    """A patch that does not apply: a row that is not a quad, a deletion of a missing quad, an addition of a
    present one."""


def canonical_nquads(quads: list[ox.Quad]) -> bytes:
    """``quads`` as canonical N-Quads: RDFC-1.0 blank node labels, lines in code point order."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert data is not None  # without an output, serialize returns the bytes
    return b"".join(sorted(data.splitlines(keepends=True)))


def store_nquads(store_dir: Path) -> bytes:
    """The named graphs of a built store (its default graph is their merge) as canonical N-Quads."""
    store = ox.Store.read_only(str(store_dir))
    try:
        quads = [q for q in store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)]
    finally:
        del store
    return canonical_nquads(quads)


def release_iri(release: str) -> str:
    """The IRI of release ``release`` (it dereferences to its page and description)."""
    return RELEASE_BASE + release


def _subject(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


@dataclass
class Changes:
    """The lines of canonical N-Quads one side has and the other has not, and the subjects of each side."""

    added: list[bytes]
    removed: list[bytes]
    old_subjects: set[bytes] = field(repr=False)
    new_subjects: set[bytes] = field(repr=False)

    def graph_counts(self) -> dict[str, dict[str, int]]:
        """Per named graph, the quads added and removed (graphs that changed only)."""
        added = Counter(_graph_of(line) for line in self.added)
        removed = Counter(_graph_of(line) for line in self.removed)
        return {g: {"added": added[g], "removed": removed[g]} for g in sorted(set(added) | set(removed))}

    def entities(self) -> dict[str, list[str]]:
        """The IRI subjects that appear (added), disappear (removed) or have statements added or removed (changed)."""
        touched = {_subject(line) for line in (*self.added, *self.removed)}
        iris = {s for s in touched if s.startswith(b"<")}
        return {
            "added": sorted(s[1:-1].decode() for s in iris - self.old_subjects),
            "removed": sorted(s[1:-1].decode() for s in iris - self.new_subjects),
            "changed": sorted(s[1:-1].decode() for s in iris & self.old_subjects & self.new_subjects),
        }

    def summary(self, old: str | None, new: str | None) -> dict:
        """What a reader of the change wants to know first, as JSON: counts per graph, entities by fate."""
        return {
            "from": old,
            "to": new,
            "added": len(self.added),
            "removed": len(self.removed),
            "graphs": self.graph_counts(),
            "entities": self.entities(),
        }

    def patch(self, old: str | None, new: str | None) -> bytes:
        """The change as an RDF Patch: headers naming the releases (``id`` the new one, ``prev`` the old one, so
        that consecutive patches chain), one transaction, deletions then additions in code point order."""
        head = b""
        if new is not None:
            head += b"H id <%s> .\n" % release_iri(new).encode()
        if old is not None:
            head += b"H prev <%s> .\n" % release_iri(old).encode()
        rows = [b"D " + line for line in self.removed] + [b"A " + line for line in self.added]
        return head + b"TX .\n" + b"".join(rows) + b"TC .\n"


def _graph_of(line: bytes) -> str:
    quad = next(iter(ox.parse(line, format=ox.RdfFormat.N_QUADS)))
    return "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value


def diff(old: bytes, new: bytes) -> Changes:
    """The change from canonical N-Quads ``old`` to ``new``."""
    old_lines, new_lines = set(old.splitlines(keepends=True)), set(new.splitlines(keepends=True))
    return Changes(
        added=sorted(new_lines - old_lines),
        removed=sorted(old_lines - new_lines),
        old_subjects={_subject(line) for line in old_lines},
        new_subjects={_subject(line) for line in new_lines},
    )


def apply_patch(old: bytes, patch: bytes) -> bytes:
    """Canonical N-Quads ``old`` with RDF Patch ``patch`` applied (its ``A`` and ``D`` rows; headers and
    transaction markers read and skipped), as canonical N-Quads. PatchError when a row does not apply."""
    lines = set(old.splitlines(keepends=True))
    for number, row in enumerate(patch.splitlines(keepends=True), 1):
        code, _, rest = row.partition(b" ")
        if code in (b"H", b"TX", b"TC", b"TA", b"PA", b"PD") or not row.strip() or row.startswith(b"#"):
            continue
        if code not in (b"A", b"D"):
            raise PatchError(f"row {number}: unknown row code {code[:10]!r}")
        try:
            quads = list(ox.parse(rest, format=ox.RdfFormat.N_QUADS))
        except SyntaxError as err:
            raise PatchError(f"row {number}: {err}") from None
        if len(quads) != 1:
            raise PatchError(f"row {number}: one quad per row")
        line = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        assert line is not None  # without an output, serialize returns the bytes
        if code == b"D":
            if line not in lines:
                raise PatchError(f"row {number}: deletes a quad the dataset does not hold")
            lines.remove(line)
        else:
            if line in lines:
                raise PatchError(f"row {number}: adds a quad the dataset already holds")
            lines.add(line)
    return b"".join(sorted(lines))


def read_dataset(source: str, root: Path) -> bytes:
    """Canonical N-Quads of ``source``: a dump or any RDF quad file (``.nq``, ``.trig``, ``.nt``, gzipped or
    not), a built store directory, a store root (its current release), a release id kept under ``root``, or
    ``current``. FileNotFoundError naming what was looked for when it is none of these."""
    path = Path(source)
    if path.is_dir():
        store = path if (path / BUILD_INFO).is_file() else current_store(path)
        if store is None:
            raise FileNotFoundError(f"{source}: neither a built store nor a store root with a current release")
        return store_nquads(store)
    if path.is_file():
        name = path.name.removesuffix(".gz")
        fmt = QUAD_FORMATS.get(Path(name).suffix)
        if fmt is None:
            raise FileNotFoundError(f"{source}: not a dump (.nq, .trig or .nt, gzipped or not)")
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        return canonical_nquads(list(ox.parse(data, format=fmt)))
    if source == "current":
        store = current_store(root)
        if store is None:
            raise FileNotFoundError(f"no current release under {root}")
        return store_nquads(store)
    release = find_release(root, source)
    if release is None:
        raise FileNotFoundError(f"{source}: no such file, store or release (releases are looked up under {root})")
    return store_nquads(release.directory)


def record_changes(previous: Path, new: Path, previous_id: str, new_id: str) -> dict:
    """Write into release directory ``new`` what changed since ``previous`` (CHANGES.json and CHANGES.rdfp);
    returns the summary."""
    changes = diff(store_nquads(previous), store_nquads(new))
    summary = changes.summary(previous_id, new_id)
    (new / PATCH).write_bytes(changes.patch(previous_id, new_id))
    (new / CHANGES).write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return summary


def changes_of(store_dir: Path) -> dict | None:
    """The summary of what release ``store_dir`` changed (None for a first release)."""
    path = store_dir / CHANGES
    return json.loads(path.read_text()) if path.is_file() else None


def render_summary(summary: dict) -> str:
    """The summary as lines for a terminal: totals, then each graph, then entities by fate."""
    lines = [
        f"{summary['from'] or 'OLD'} -> {summary['to'] or 'NEW'}: "
        f"{summary['added']} quads added, {summary['removed']} removed"
    ]
    for graph, counts in summary["graphs"].items():
        lines.append(f"  graph {graph or '(default)'}: +{counts['added']} -{counts['removed']}")
    for fate, iris in summary["entities"].items():
        lines.append(f"  entities {fate}: {len(iris)}")
        lines += [f"    {iri}" for iri in iris[:20]]
        if len(iris) > 20:
            lines.append(f"    … and {len(iris) - 20} more")
    return "\n".join(lines)
