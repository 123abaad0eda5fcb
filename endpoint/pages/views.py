"""The entry points the routes call, one per page: gather what the page shows (queries → plain data), then render
its template in the request's language."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tehkg.endpoint.context import Rows
from tehkg.endpoint.pages import compare, entity, guide, landing, ontology, search
from tehkg.endpoint.pages.common import Named
from tehkg.endpoint.pages.editor import EDITOR_PREFIXES, INITIAL_QUERY, declared_prefixes
from tehkg.endpoint.pages.i18n import lang_of
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.render import TEMPLATES, render
from tehkg.endpoint.pages.terms import short
from tehkg.loader.search_index import Hit
from tehkg.vocab import RELEASE_BASE, SHAPES_IRI


def _reader(request: Request, rows: Rows) -> Reader:
    return Reader(rows, lang_of(request))


async def landing_page(request: Request, rows: Rows, citation: Mapping[str, Any] | None = None) -> HTMLResponse:
    """The front page: what the dataset is, counts, entry points, example questions, access, licence, and how to
    cite the served release (``citation``: its schema.org JSON-LD, BibTeX, CSL-JSON and fields; None: no box)."""
    counts = await landing.counts(_reader(request, rows))
    themes = await landing.example_themes(rows, lang_of(request))
    endpoint = str(request.url_for("sparql"))
    return render(request, "landing.html", counts=counts, themes=themes, endpoint=endpoint, citation=citation)


def releases_page(request: Request, kept: Sequence[object], headers: Mapping[str, str]) -> HTMLResponse:
    """The kept releases, newest first: each with its date, what changed, dumps, patch and SPARQL endpoint."""
    return render(request, "releases.html", headers=headers, releases=kept, release_base=RELEASE_BASE)


def releases_feed(request: Request, kept: Sequence[object], feed_url: str) -> str:
    """The Atom feed (RFC 4287) of the kept releases, newest first, each summarised in the request's language;
    ``feed_url`` is the feed's own address, the site's the other links start from."""
    template = TEMPLATES[lang_of(request)].env.get_template("releases_feed.html")
    site = feed_url.removesuffix("/releases.atom")
    return template.render(releases=kept, feed_url=feed_url, site=site, release_base=RELEASE_BASE)


async def guide_page(request: Request, rows: Rows) -> HTMLResponse:
    """The guide: ten questions of the examples graph, each explained and opening in the query editor."""
    return render(request, "guide.html", steps=await guide.gather(rows, lang_of(request)))


async def entity_page(
    request: Request,
    iri: str,
    found: list[dict],
    incoming: list[dict],
    rows: Rows,
    headers: Mapping[str, str],
    changes: Sequence[object] = (),
) -> HTMLResponse:
    """Everything said about ``iri`` (``found``: ?p ?o ?g; ``incoming``: ?s ?p ?g), under the head and sections of
    its class; ``changes``: what each kept release changed about it, newest first (« modifié dans la version … »)."""
    reader = _reader(request, rows)
    kind, page = await entity.gather(reader, iri, found, incoming)
    lead = await kind.gather(reader, iri)
    return render(request, kind.template, headers=headers, page=page, lead=lead, changes=changes)


def not_found(request: Request, iri: str) -> HTMLResponse:
    """The 404 page, in the request's language inside the site's frame."""
    return render(request, "not_found.html", status_code=404, iri=iri)


async def ontology_page(request: Request, rows: Rows) -> HTMLResponse:
    """Documentation of every class, property and concept scheme of the ontology graph."""
    return render(request, "ontology.html", sections=await ontology.gather(_reader(request, rows)))


async def compare_page(request: Request, rows: Rows) -> HTMLResponse:
    """The two plans compared: 2014-2016 measures, their CNCDH status and their 2019-2021 follow-ups; a timeline of
    the source documents."""
    return render(request, "compare.html", page=await compare.gather(_reader(request, rows)))


async def search_hits(request: Request, rows: Rows, q: str, found: list[Hit]) -> list[dict]:
    """The index's hits for ``q`` as /search answers them (iri, path, label, text, score), in the request's
    language."""
    return await search.hits(_reader(request, rows), q, found)


def search_page(request: Request, q: str, hits: list[dict], headers: Mapping[str, str]) -> HTMLResponse:
    """Search results as a page."""
    return render(request, "search.html", headers=headers, q=q, hits=hits)


def query_editor(request: Request, headers: Mapping[str, str]) -> HTMLResponse:
    """The query editor: prefixes declared once (added to a query that uses them), examples by theme titled by
    their question, results, downloads, share links."""
    groups = landing.example_groups()
    return render(
        request,
        "editor.html",
        headers=headers,
        example_groups=groups,
        example_bodies=[example.body for group in groups for _, example in group.examples],
        initial=request.query_params.get("query") or INITIAL_QUERY,
        declared=declared_prefixes(),
        prefixes=EDITOR_PREFIXES,
    )


def quality_page(request: Request, report: dict, headers: Mapping[str, str]) -> HTMLResponse:
    """The latest validation report as a page: verdict, counts and every finding, violations first."""
    findings = [
        {**f, "focus": Named(f["focus"], f["label"] or f["focus"]), "path": short(f["path"] or "")}
        for f in sorted(report["findings"], key=lambda f: (f["severity"] != "Violation", f["focus"], f["shape"]))
    ]
    return render(
        request,
        "quality.html",
        headers=headers,
        report=report,
        findings=findings,
        shapes=SHAPES_IRI,
    )
