"""The rules that keep one home per rule, read from the code itself: downward imports without cycles, namespace
IRIs only in tehkg/vocab.py, media types only in tehkg/formats.py, every setting in the README, each package of
the endpoint saying what lives there."""

import ast
import re
from pathlib import Path

import pytest

from tehkg.settings import GateSettings, PublishSettings, Settings

ROOT = Path(__file__).resolve().parent.parent
PARTS = {"tehkg": "tehkg", "loader": "tehkg.loader", "endpoint": "tehkg.endpoint"}  # folder: import name
DOMAIN_IRI = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[\w.-]+\.[a-z]{2,}(?::\d+)?/", re.IGNORECASE)
MEDIA_TYPE = re.compile(r"^(?:application|text|image|audio|video|multipart)/[\w.+*-]+")


def modules() -> dict[str, Path]:
    """Every module of the package by its import name (the folders are mapped as the wheel maps them)."""
    found = {}
    for folder, package in PARTS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if path.resolve() != path.absolute():
                continue  # read through the links tehkg/loader and tehkg/endpoint: each file once, from its folder
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


MODULES = modules()


def imports(path: Path, top_level: bool) -> set[str]:
    """The tehkg modules ``path`` imports at its top level (``top_level``) or inside functions."""
    tree = ast.parse(path.read_text())
    nodes = (
        tree.body if top_level else [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    )
    names = set()
    for statement in nodes:
        inner = [statement] if top_level else list(ast.walk(statement))
        for node in inner:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tehkg"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    names.add(full if full in MODULES else node.module)
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names if a.name.startswith("tehkg")}
    return names & MODULES.keys()


def test_the_module_graph_has_no_cycle():
    """Imports inside functions count too: a lazy import that dodges a cycle is a cycle (the command line's lazy
    imports, which spare each subcommand the start-up of the others, form none)."""
    graph = {
        name: (imports(path, top_level=True) | imports(path, top_level=False)) - {name}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path[path.index(target) :], target]))
            if target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_lower_layers_never_import_upper_ones():
    for name, path in MODULES.items():
        found = imports(path, top_level=True) | imports(path, top_level=False)
        if name.startswith("tehkg.loader"):
            assert not {m for m in found if m.startswith(("tehkg.endpoint", "tehkg.cli"))}, name
        if name in ("tehkg.vocab", "tehkg.formats", "tehkg.resources"):
            assert not {m for m in found if m.startswith(("tehkg.loader", "tehkg.endpoint", "tehkg.cli"))}, name


def strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_namespace_iris_are_written_in_vocab_only():
    spelled = [
        f"{path.relative_to(ROOT)}:{line}: {match.group()}"
        for name, path in MODULES.items()
        if name != "tehkg.vocab"
        for line, text in strings(path)
        for match in DOMAIN_IRI.finditer(text)
    ]
    assert spelled == []


def test_media_types_are_written_in_formats_only():
    spelled = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for name, path in MODULES.items()
        if name != "tehkg.formats"
        for line, text in strings(path)
        if MEDIA_TYPE.match(text)
    ]
    assert spelled == []


def test_every_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = {name for cls in (GateSettings, PublishSettings, Settings) for name in cls.model_fields}
    assert sorted(f"TEHKG_{n.upper()}" for n in names if f"`TEHKG_{n.upper()}`" not in readme) == []


def test_every_package_of_the_endpoint_says_what_lives_there_and_what_it_may_import():
    for init in (ROOT / "endpoint").rglob("__init__.py"):
        if init.parent.name in ("static", "templates", "LC_MESSAGES", "locale", "fr", "en"):
            continue
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "lives here" in doc and "may import" in doc, init
