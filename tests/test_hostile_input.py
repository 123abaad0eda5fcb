"""Hostile input files cannot hurt the gate or the build: graph ownership, link schemes, entity
bombs, oversized files and a full disk."""

import errno
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tehkg import cli
from tehkg.loader import rdf_files, store_builder
from tehkg.loader.rdf_files import RdfInputError, refuse_entity_declarations
from tehkg.loader.store_builder import build
from tehkg.loader.store_layout import current_store
from tests.conftest import FIXTURES, PROJECT_ROOT, skip_where_refused, tehkg_cli

VALID = FIXTURES / "valid"
HOSTILE = FIXTURES / "hostile"
METADATA = "<https://w3id.org/tehkg/graph/metadata>"


def store_dirs(root: Path) -> list[str]:
    """The store directories under ``root`` (built or partial)."""
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.is_symlink())


# ---------------------------------------------------------------- graph ownership (finding 10)


@pytest.mark.parametrize("command", [["validate"], ["build"], ["build", "--no-validate"]])
def test_another_source_may_not_write_the_metadata_graph(command, tmp_path):
    root = tmp_path / "store"
    evil = HOSTILE / "foreign-metadata.trig"
    store = ["--store", str(root)] if command[0] == "build" else []
    result = tehkg_cli(*command, str(VALID), str(evil), *store)
    assert result.returncode == 2, result.stderr
    assert f"error: {evil}: graph {METADATA} is owned by {VALID / 'mini.trig'}" in result.stderr
    assert "Traceback" not in result.stderr
    if command[0] == "build":
        assert store_dirs(root) == []  # nothing built, nothing left behind
    shared = tehkg_cli(*command, str(VALID), str(evil), *store, "--allow-shared-graphs")
    assert shared.returncode == 2 and f"graph {METADATA} is owned by" in shared.stderr  # never shared


def test_the_builder_statistics_of_an_input_are_recomputed_never_trusted(tmp_path):
    """A dump (tehkg export, /releases) carries the builder's statistics: they are dropped and computed again,
    so a forged count never reaches the store."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "mini.trig").write_bytes((VALID / "mini.trig").read_bytes())
    (folder / "stats.trig").write_bytes((HOSTILE / "builder-statistics.trig").read_bytes())
    assert tehkg_cli("validate", str(folder)).returncode == 0
    store = tmp_path / "store"
    assert tehkg_cli("build", str(folder), "--store", str(store), "--no-validate").returncode == 0
    forged = tehkg_cli(
        "query",
        f"ASK {{ GRAPH {METADATA} {{ ?d <http://rdfs.org/ns/void#triples> 999999999 }} }}",
        "--store",
        str(store),
        "--format",
        "json",
    )
    assert forged.returncode == 0 and '"boolean":false' in forged.stdout.replace(" ", "")


def test_a_document_graph_belongs_to_its_first_source(tmp_path):
    evil = HOSTILE / "foreign-document.trig"
    result = tehkg_cli("validate", str(VALID), str(evil))
    assert result.returncode == 2
    owned = f"error: {evil}: graph <https://w3id.org/tehkg/graph/test-plan> is owned by {VALID / 'mini.trig'}"
    assert owned in result.stderr
    assert tehkg_cli("validate", str(VALID), str(evil), "--allow-shared-graphs").returncode == 0
    folder = tmp_path / "data"  # the files of one folder share their graphs
    folder.mkdir()
    for file in (VALID / "mini.trig", evil):
        (folder / file.name).write_bytes(file.read_bytes())
    assert tehkg_cli("validate", str(folder)).returncode == 0


def test_ontology_files_share_the_ontology_graph_wherever_they_sit(tmp_path):
    ontology = PROJECT_ROOT / "ontology"
    files = [str(ontology / "tehkg.ttl"), str(ontology / "concepts.ttl"), str(VALID)]
    result = tehkg_cli("validate", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    trig = tmp_path / "ontology.trig"  # a quad file naming the ontology graph is an input like any other
    trig.write_text("<https://w3id.org/tehkg/graph/ontology> { <https://example.org/a> <https://example.org/b> 1 . }")
    refused = tehkg_cli("validate", *files, str(trig))
    assert refused.returncode == 2
    assert f"{trig}: graph <https://w3id.org/tehkg/graph/ontology> is owned by {files[0]}" in refused.stderr


# ---------------------------------------------------------------- link schemes (finding 9)


def with_links(tmp_path: Path, *iris: str) -> Path:
    """The valid fixture with rdfs:seeAlso links on its ministry."""
    text = (VALID / "mini.trig").read_text()
    anchor = "tehorg:ministere-essai a org:Organization ;"
    assert anchor in text
    links = ", ".join(f"<{iri}>" for iri in iris)
    path = tmp_path / "links.trig"
    path.write_text(text.replace(anchor, f"{anchor} <http://www.w3.org/2000/01/rdf-schema#seeAlso> {links} ;"))
    return path


def test_web_links_conform(tmp_path):
    path = with_links(tmp_path, "https://example.org/a", "HTTP://EXAMPLE.ORG/B", "urn:isbn:9782110000000")
    result = tehkg_cli("validate", str(path))
    assert result.returncode == 0, result.stdout
    assert "IRI schemes" not in result.stdout


@pytest.mark.parametrize("iri", ["javascript:alert(document.cookie)", "data:text/html,x", "file:///etc/passwd"])
def test_other_schemes_are_violations(iri, tmp_path):
    result = tehkg_cli("validate", str(with_links(tmp_path, "https://example.org/a", iri)))
    assert result.returncode == 1, result.stdout
    assert "VIOLATION https://w3id.org/tehkg/id/org/ministere-essai (Ministère de l'essai)" in result.stdout
    assert f"[IRI schemes] value {iri}: {iri} is not an http, https or urn IRI" in result.stdout
    assert "1 violation(s)" in result.stdout


# ---------------------------------------------------------------- entity bombs (finding 11)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY lol "lol">
{levels}
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/bomb"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""


def billion_laughs(path: Path) -> Path:
    levels = "\n".join(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    path.write_text(BILLION_LAUGHS.format(levels=levels))
    return path


@pytest.mark.parametrize("command", ["validate", "build"])
def test_entity_bomb_is_refused_before_parsing(command, tmp_path):
    bomb = billion_laughs(tmp_path / "bomb.rdf")
    assert bomb.stat().st_size < 2048
    store = ["--store", str(tmp_path / "store")] if command == "build" else []
    result = subprocess.run(  # in its own process: a bomb that went off would take the memory of pytest's
        [sys.executable, "-m", "tehkg.cli", command, str(bomb), *store],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr == f"error: {bomb}:3:3: entity declarations are refused\n"


def test_entity_declaration_located_across_scan_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(rdf_files, "SCAN_CHUNK", 5)
    path = tmp_path / "x.rdf"
    path.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE r [\n\n    <!ENTITY a "b">]>\n<r/>\n')
    with pytest.raises(RdfInputError) as caught:
        refuse_entity_declarations(path)
    assert (caught.value.line, caught.value.column) == (4, 5)


def test_rdf_xml_without_entities_still_parses(tmp_path):
    path = tmp_path / "plain.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n  <rdf:Description rdf:about="http://example.org/a">'
        "<ex:p>&lt;!ENTITY is text here</ex:p></rdf:Description>\n</rdf:RDF>\n"
    )
    (file,) = rdf_files.collect([path])
    assert [q.object.value for q in rdf_files.parse_all([file])] == ["<!ENTITY is text here"]


# ---------------------------------------------------------------- input size (finding 12)


def test_input_over_the_size_limit_is_refused(monkeypatch, capsys):
    size = (VALID / "mini.trig").stat().st_size
    monkeypatch.setenv("TEHKG_MAX_INPUT_BYTES", str(size - 1))
    assert cli.main(["validate", str(VALID)]) == cli.EXIT_UNREADABLE
    expected = f"error: {VALID / 'mini.trig'}: {size} bytes is over the input limit of {size - 1} bytes"
    assert capsys.readouterr().err.startswith(expected)


def test_large_input_warns(monkeypatch, capsys):
    monkeypatch.setenv("TEHKG_WARN_INPUT_BYTES", "1000")
    assert cli.main(["validate", str(VALID)]) == cli.EXIT_OK
    assert (
        f"warning: {VALID / 'mini.trig'}: 0 MiB; validating it holds every triple in memory (--no-validate streams it)"
        in capsys.readouterr().err
    )
    monkeypatch.delenv("TEHKG_WARN_INPUT_BYTES")
    assert cli.main(["validate", str(VALID)]) == cli.EXIT_OK
    assert "warning" not in capsys.readouterr().err


# ---------------------------------------------------------------- a full disk (finding 12)


def no_space(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "target, name", [(store_builder.SearchIndex, "write"), (store_builder.os, "symlink"), (Path, "rename")]
)
def test_full_disk_is_exit_3_and_the_previous_store_serves(target, name, tmp_path, monkeypatch, capsys):
    root = tmp_path / "store"
    before = build([VALID], root, log=lambda _: None).directory
    monkeypatch.setattr(target, name, no_space)
    assert cli.main(["build", str(VALID), "--store", str(root)]) == cli.EXIT_ENVIRONMENT
    err = capsys.readouterr().err
    assert "error: No space left on device" in err and "nothing was swapped in" in err and "Traceback" not in err
    monkeypatch.undo()
    assert current_store(root) == before
    assert store_dirs(root) == [before.name]  # the partial directory is gone


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: room for one build of the valid fixture, not two (needs the right to mount)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        skip_where_refused(f"mounting a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True, timeout=30)


def test_a_really_full_disk_is_exit_3(small_disk):
    root = small_disk / "store"
    assert tehkg_cli("build", str(VALID), "--store", str(root)).returncode == 0
    before = current_store(root)
    result = tehkg_cli("build", str(VALID), "--store", str(root))
    assert result.returncode == 3, result.stderr
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
    assert current_store(root) == before and store_dirs(root) == [before.name]
