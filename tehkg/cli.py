"""The ``tehkg`` command: build, validate, report, serve, query, export, diff, releases."""

import argparse
import sys
from pathlib import Path

from tehkg import __version__, formats
from tehkg.loader.rdf_files import RdfInputError
from tehkg.resources import default_store_root, ontology_dir, shipped_sources
from tehkg.settings import SettingsError

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE, EXIT_ENVIRONMENT = 0, 1, 2, 3
# 0 conforms / done; 1 violations; 2 unreadable input or missing resource; 3 the environment
# failed (disk full, permission denied, store locked): the input may be fine


SHARED_HELP = "let sources write into a graph another source wrote first (never the metadata graph)"


def _paths(values: list[str]) -> list[Path]:
    return [Path(v) for v in values] or shipped_sources()


def cmd_build(args: argparse.Namespace) -> int:
    from tehkg.loader.store_builder import BuildRejected, build

    sources = _paths(args.sources)
    try:
        if args.target:
            from tehkg.loader.publish import publish

            publish(sources, args.target, validate=not args.no_validate, allow_shared_graphs=args.allow_shared_graphs)
            return EXIT_OK
        result = build(
            sources, Path(args.store), validate=not args.no_validate, allow_shared_graphs=args.allow_shared_graphs
        )
    except BuildRejected as err:
        print(err, file=sys.stderr)
        print("aborted: nothing was published or swapped in", file=sys.stderr)
        return EXIT_INVALID
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
    print(f"timings: {timing}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from tehkg.loader.quality import validate_paths

    paths = [Path(p) for p in args.paths]
    if not paths:
        paths = shipped_sources()
    elif args.with_ontology:
        paths = [ontology_dir(), *paths]
    report = validate_paths(paths, args.allow_shared_graphs)
    rendered = {"text": report.text, "json": report.json, "junit": report.junit, "turtle": report.turtle}[args.format]()
    if args.output:
        Path(args.output).write_text(rendered)
        print(report.summary())
    else:
        print(rendered)
    if not report.conforms or (args.strict and report.count("Warning")):
        return EXIT_INVALID
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from tehkg.loader.coverage import coverage, render_text

    table = coverage(_paths(args.paths))
    if args.format == "json":
        import json

        print(json.dumps(table, indent=1, ensure_ascii=False))
    else:
        print(render_text(table))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from tehkg.endpoint.server import run

    return run(args)


def cmd_query(args: argparse.Namespace) -> int:
    """Answer a query as the endpoint does (``engines.answer_once``); a query refused, failed or past its
    deadline exits 2 (as a syntax error always did) with the reason on stderr."""
    from tehkg.endpoint.engines.embedded import answer_once
    from tehkg.endpoint.engines.workers import QueryTimeout
    from tehkg.endpoint.errors import ProtocolError
    from tehkg.settings import Settings

    text = Path(args.query[1:]).read_text() if args.query.startswith("@") else args.query
    settings = Settings.load(store=args.store, timeout=args.timeout, workers=1)
    try:
        answer = answer_once(settings, text, args.format)
    except ProtocolError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return EXIT_UNREADABLE
    except QueryTimeout as err:
        print(f"error: {err} (TEHKG_TIMEOUT, or --timeout)", file=sys.stderr)
        return EXIT_UNREADABLE
    if answer.status != 200:
        print(f"error: {answer.error}", file=sys.stderr)
        return EXIT_UNREADABLE
    sys.stdout.buffer.write(answer.body)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from tehkg.loader.local_query import export

    export(Path(args.store), Path(args.output) if args.output else None, args.format, args.graph)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed from OLD to NEW (dumps, stores or release ids): the summary printed, the RDF Patch written."""
    import json

    from tehkg.loader import releases

    root = Path(args.store)
    old, new = releases.read_dataset(args.old, root), releases.read_dataset(args.new, root)
    changes = releases.diff(old, new)
    summary = changes.summary(args.old, args.new)
    rendered = json.dumps(summary, indent=1, ensure_ascii=False) if args.format == "json" else None
    print(rendered or releases.render_summary(summary))
    if args.patch:
        Path(args.patch).write_bytes(changes.patch(None, None))
        print(f"patch written to {args.patch}", file=sys.stderr)
    return EXIT_OK


def cmd_releases(args: argparse.Namespace) -> int:
    """List the releases kept under the store root, or prune all but the newest ``--keep``."""
    from tehkg.loader.store_builder import prune
    from tehkg.loader.store_layout import current_store, releases
    from tehkg.settings import Settings

    root = Path(args.store)
    if args.action == "prune":
        keep = Settings.load(store=root).keep_releases if args.keep is None else args.keep
        if keep < 1:
            print("error: --keep must be at least 1 (the served release is never removed)", file=sys.stderr)
            return EXIT_UNREADABLE
        removed = prune(root, keep, log=lambda line: print(line, file=sys.stderr))
        print(f"{len(removed)} release(s) removed, {len(releases(root))} kept")
        return EXIT_OK
    current = current_store(root)
    for release in releases(root):
        mark = " (served)" if release.directory == current else ""
        print(f"{release.id}\t{release.built}\t{release.directory.name}{mark}")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    p = argparse.ArgumentParser(prog="tehkg", description=__doc__)
    p.add_argument("--version", action="version", version=f"tehkg {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    store = str(default_store_root())

    b = sub.add_parser("build", help="validate and build a store, swapped in atomically")
    b.add_argument("sources", nargs="*", help="RDF files or folders (default: the shipped data)")
    b.add_argument("--store", default=store, help=f"store root directory (default {store})")
    b.add_argument("--no-validate", action="store_true", help="skip the quality gate")
    b.add_argument("--target", help="publish every named graph to this Graph Store Protocol URL")
    b.add_argument("--allow-shared-graphs", action="store_true", help=SHARED_HELP)
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="check RDF files against the SHACL shapes")
    v.add_argument("paths", nargs="*", help="files or folders (default: the shipped data)")
    v.add_argument("--with-ontology", action="store_true", help="add the shipped ontology")
    v.add_argument("--strict", action="store_true", help="fail on warnings too")
    v.add_argument("--format", choices=["text", "json", "junit", "turtle"], default="text")
    v.add_argument("--output", "-o", help="write the report to this file")
    v.add_argument("--allow-shared-graphs", action="store_true", help=SHARED_HELP)
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("report", help="completeness table per class")
    r.add_argument("paths", nargs="*", help="files or folders (default: the shipped data)")
    r.add_argument("--format", choices=["text", "json"], default="text")
    r.set_defaults(func=cmd_report)

    s = sub.add_parser("serve", help="serve the SPARQL endpoint and pages")
    s.add_argument("--store", help=f"a built store root (default: {store}, built if needed)")
    s.add_argument("--backend", help="serve on top of this external SPARQL 1.1 query endpoint")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--workers", type=int, default=None, help="query worker processes")
    s.add_argument("--timeout", type=float, default=None, help="query time limit in seconds")
    s.set_defaults(func=cmd_serve)

    q = sub.add_parser("query", help="run a SPARQL query on a built store")
    q.add_argument("query", help="query text, or @file.rq")
    q.add_argument("--store", default=store)
    q.add_argument("--format", default="csv", help="json, xml, csv, tsv, or an RDF format")
    q.add_argument("--timeout", type=float, default=None, help="query time limit in seconds (TEHKG_TIMEOUT, 30)")
    q.set_defaults(func=cmd_query)

    e = sub.add_parser("export", help="dump a built store (N-Quads, TriG, …)")
    e.add_argument("--store", default=store)
    e.add_argument("--format", default="nq", choices=[f.extension for f in formats.GRAPH_FORMATS])
    e.add_argument("--graph", help="only this named graph")
    e.add_argument("--output", "-o", help="file (default: standard output)")
    e.set_defaults(func=cmd_export)

    d = sub.add_parser("diff", help="what changed between two dumps, stores or releases; writes the RDF Patch")
    d.add_argument("old", help="a dump (.nq, .trig, .nt, gzipped or not), a store directory, a release id or 'current'")
    d.add_argument("new", help="the same kinds as OLD")
    d.add_argument("--store", default=store, help="the store root release ids are looked up in")
    d.add_argument("--patch", help="write the RDF Patch from OLD to NEW to this file")
    d.add_argument("--format", choices=["text", "json"], default="text")
    d.set_defaults(func=cmd_diff)

    rel = sub.add_parser("releases", help="list the kept releases, or remove the oldest (prune)")
    rel.add_argument("action", choices=["list", "prune"], nargs="?", default="list")
    rel.add_argument("--store", default=store)
    rel.add_argument("--keep", type=int, default=None, help="releases to keep (TEHKG_KEEP_RELEASES, 5)")
    rel.set_defaults(func=cmd_releases)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tehkg`` console script."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (RdfInputError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as err:
        print(f"error: {err.strerror or err} ({err.filename or 'no file'}); nothing was swapped in", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except SettingsError as err:  # a malformed TEHKG_* variable or flag: input to fix, like a broken file
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
