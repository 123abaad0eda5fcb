"""The entry points the routes call, one per page: gather what the page shows (queries → plain data), then render
its template in the request's language."""

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from tehkg.endpoint.context import Rows
from tehkg.endpoint.pages import compare, entity, landing, ontology, search
from tehkg.endpoint.pages.common import Named
from tehkg.endpoint.pages.editor import EDITOR_PREFIXES, INITIAL_QUERY, declared_prefixes
from tehkg.endpoint.pages.i18n import lang_of
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.render import render
from tehkg.endpoint.pages.terms import short
from tehkg.loader.search_index import Hit
from tehkg.vocab import SHAPES_IRI


def _reader(request: Request, rows: Rows) -> Reader:
    return Reader(rows, lang_of(request))


async def landing_page(request: Request, rows: Rows) -> HTMLResponse:
    """The front page: what the dataset is, counts, entry points, example questions, access, licence."""
    counts = await landing.counts(_reader(request, rows))
    examples = landing.example_queries()[:12]
    return render(request, "landing.html", counts=counts, examples=examples, endpoint=str(request.url_for("sparql")))


async def entity_page(
    request: Request, iri: str, found: list[dict], incoming: list[dict], rows: Rows, headers: Mapping[str, str]
) -> HTMLResponse:
    """Everything said about ``iri`` (``found``: ?p ?o ?g; ``incoming``: ?s ?p ?g), under the head and sections of
    its class."""
    reader = _reader(request, rows)
    kind, page = await entity.gather(reader, iri, found, incoming)
    return render(request, kind.template, headers=headers, page=page, lead=await kind.gather(reader, iri))


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
    """The query editor: prefixes declared once (added to a query that uses them), examples titled by their
    question, results table, downloads, share links."""
    return render(
        request,
        "editor.html",
        headers=headers,
        examples=landing.example_queries(),
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
