"""The dataset as a whole: its VoID/DCAT description, the dump, and the kept releases (their list, Atom feed,
dumps, change files and SPARQL endpoints; the queries themselves are answered by the query layer)."""

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from tehkg import formats
from tehkg.endpoint import pages
from tehkg.endpoint.context import Context, get_context, graph_response, local_path, wants_html
from tehkg.endpoint.documents import changes, citation, description, dumps, freshness
from tehkg.endpoint.documents import quality as quality_report
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.engines.releases import release_engine
from tehkg.endpoint.errors import error_response, not_acceptable
from tehkg.endpoint.http.protocol import SparqlRequest
from tehkg.endpoint.query import conneg, serializers
from tehkg.vocab import DATASET_IRI

router = APIRouter()
CHANGE_FILES = {formats.RDF_PATCH: "changes.rdfp", formats.JSON: "changes.json"}  # a release's change files


@router.get("/.well-known/void")
@router.get("/dataset")
async def dataset(
    request: Request,
    ctx: Annotated[Context, Depends(get_context)],
    format: str | None = None,  # noqa: A002
) -> Response:
    """VoID and DCAT description of the dataset (HTML for browsers); built once per store version
    and media type, off the event loop."""
    if wants_html(request, format):
        return RedirectResponse(local_path(DATASET_IRI), status_code=303)
    media = conneg.choose(request.headers.get("accept"), formats.GRAPH_FORMATS, format)
    if media is None:
        return not_acceptable(formats.GRAPH_FORMATS)
    name = dumps.release_name(ctx)
    endpoint_url = str(request.url_for("sparql"))
    files = {ext: str(request.url_for("release", file=f"{name}.{ext}")) for ext in dumps.RELEASE_EXTENSIONS}

    async def triples() -> list[ox.Triple]:
        task = QueryTask(query=description.DATASET_QUERY, format="nt", max_rows=1_000_000)
        answer = await ctx.engine.run(task, ctx.settings.timeout)
        found = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        issued = dumps.release_day(ctx)
        served = [
            description.Dump(
                url,
                dumps.RELEASE_FORMATS[ext.removesuffix(".gz")],
                await dumps.release_bytes(ctx, ext),
                compressed=ext.endswith(".gz"),
                issued=issued,
            )
            for ext, url in files.items()
        ]

        found += description.dataset_extras(endpoint_url, served) + quality_report.record_triples()
        creators = (await citation.served_citation(ctx)).creators
        return found + description.release_triples(release_entries(request, ctx), creators)

    kept = tuple((r.id, r.on_disk) for r in changes.listed(ctx))  # a prune changes the record, not the version
    body = await dumps.triples_bytes(ctx, ("dataset", endpoint_url, *files.values(), *kept), triples, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def release_entries(request: Request, ctx: Context) -> list[description.ReleaseEntry]:
    """The kept releases as the record lists them, with the URLs of their endpoints and dumps."""
    return [
        description.ReleaseEntry(
            id=kept.id,
            day=kept.day,
            previous=kept.previous,
            summary=kept.summary,
            endpoint_url=str(request.url_for("release_sparql", release=kept.id)) if kept.on_disk else None,
            files={
                ext: str(request.url_for("release_file", release=kept.id, file=f"tehkg-{kept.id}.{ext}"))
                for ext in dumps.RELEASE_EXTENSIONS
            },
            current=kept.served,
        )
        for kept in changes.listed(ctx)
    ]


@router.api_route("/dump.nq", methods=["GET"], name="dump")  # HEAD: endpoint/http_methods.py
async def dump(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> Response:
    """The whole dataset as N-Quads (built once per store version, off the event loop): the same bytes on every
    download of a version, with its ETag and Last-Modified, and 304 when the client's copy is current."""
    headers = freshness.validators(ctx, "dump.nq")
    if (current := freshness.not_modified(request, headers)) is not None:
        return current
    body = await dumps.dump_bytes(ctx, formats.N_QUADS)
    return Response(body, media_type=formats.N_QUADS, headers=headers)


@router.api_route("/releases/{file}", methods=["GET"], name="release")
async def release(request: Request, ctx: Annotated[Context, Depends(get_context)], file: str) -> Response:
    """A file of the served release, ``tehkg-VERSION-DATE`` + ``.nq``, ``.trig``, ``.nq.gz`` or ``.trig.gz``: the
    canonical dump (the same bytes on every download), with ETag, Last-Modified and 304 as for ``/dump.nq``. A kept
    release's id is its IRI (``/releases/ID``): its entry of the releases page for people, the record for machines."""
    if file in {r.id for r in changes.listed(ctx)}:
        if wants_html(request, None):
            return RedirectResponse(f"{request.url_for('releases')}#{file}", status_code=303)
        return RedirectResponse(str(request.url_for("dataset")), status_code=303)
    name = dumps.release_name(ctx)
    ext = file.removeprefix(name + ".") if file.startswith(name + ".") else None
    if ext not in dumps.RELEASE_EXTENSIONS:
        served = ", ".join(f"{name}.{ext}" for ext in dumps.RELEASE_EXTENSIONS)
        return error_response(404, "not-found", f"no release file {file!r}; the served release: {served}")
    headers = freshness.validators(ctx, f"releases/{file}")
    if (current := freshness.not_modified(request, headers)) is not None:
        return current
    body = await dumps.release_bytes(ctx, ext)
    return Response(body, media_type=dumps.release_media(ext), headers=headers)


@router.get("/releases", name="releases")
async def releases_list(
    request: Request,
    ctx: Annotated[Context, Depends(get_context)],
    format: str | None = None,  # noqa: A002
) -> Response:
    """The kept releases, newest first: date, what changed, dumps, patch and SPARQL endpoint of each (a page; in RDF
    they are the record's ``dcat:hasVersion``, where machines are sent)."""
    if not wants_html(request, format):
        return RedirectResponse(str(request.url_for("dataset")), status_code=303)
    return pages.releases_page(request, changes.listed(ctx), headers={"Vary": "Accept"})


@router.get("/releases.atom", name="releases_feed")
async def releases_feed(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> Response:
    """The Atom feed of releases (RFC 4287): one entry per kept release, with what changed in words."""
    feed = pages.releases_feed(request, changes.listed(ctx), str(request.url_for("releases_feed")))
    return Response(feed, media_type=formats.ATOM)


@router.get("/releases/{release}/sparql", name="release_sparql")
async def release_sparql(request: Request, ctx: Annotated[Context, Depends(get_context)], release: str) -> Response:
    """A kept release's endpoint without a query (the query layer answers queries): the query editor for people,
    pinned to this release, or the release's service description."""
    engine = release_engine(ctx.engine, release)
    parsed: SparqlRequest | None = request.scope.get("tehkg.sparql")
    fmt = parsed.format if parsed is not None else None
    if (parsed is not None and parsed.query is not None) or wants_html(request, fmt):
        return pages.query_editor(request, headers={"Vary": "Accept", "Tehkg-Release": release})
    task = QueryTask(query="SELECT DISTINCT ?g { GRAPH ?g { } }", rows_only=True, max_rows=100_000)
    answer = await engine.run(task, ctx.settings.timeout)
    if answer.status != 200:
        return error_response(answer.status, "backend", answer.error or "")
    graphs = [row[0].value for row in answer.rows if isinstance(row[0], ox.NamedNode)]
    url = str(request.url_for("release_sparql", release=release))
    triples = description.service_description(
        url, graphs, federated=bool(ctx.settings.service_allow), max_rows=ctx.settings.max_rows
    )
    response = graph_response(request, triples, fmt)
    response.headers["Tehkg-Release"] = release
    return response


@router.get("/releases/{release}/{file}", name="release_file")
async def release_file(
    request: Request, ctx: Annotated[Context, Depends(get_context)], release: str, file: str
) -> Response:
    """A file of kept release ``release``: its canonical dumps (``tehkg-ID.nq``, ``.trig``, ``.nq.gz``,
    ``.trig.gz``, the same bytes the release served), the RDF Patch from the release before it (``changes.rdfp``)
    and its summary (``changes.json``)."""
    kept = {r.id for r in changes.listed(ctx)}
    if release not in kept:
        return error_response(404, "not-found", f"no release {release!r}; kept releases: {', '.join(kept) or 'none'}")
    headers = {"Tehkg-Release": release, **freshness.validators(ctx, f"releases/{release}/{file}")}
    if file == CHANGE_FILES[formats.RDF_PATCH]:
        path = changes.patch_path(ctx, release)
        if path is None:
            return error_response(404, "not-found", f"release {release} is the first kept: no patch before it")
        return Response(path.read_bytes(), media_type=formats.RDF_PATCH, headers=headers)
    if file == CHANGE_FILES[formats.JSON]:
        summary = changes.summary_json(ctx, release)
        if summary is None:
            return error_response(404, "not-found", f"release {release} is the first kept: no change before it")
        return Response(summary, media_type=formats.JSON, headers=headers)
    name = f"tehkg-{release}"
    ext = file.removeprefix(name + ".") if file.startswith(name + ".") else None
    if ext not in dumps.RELEASE_EXTENSIONS:
        offered = ", ".join([*(f"{name}.{e}" for e in dumps.RELEASE_EXTENSIONS), *CHANGE_FILES.values()])
        return error_response(404, "not-found", f"no file {file!r} in release {release}: {offered}")
    if (current := freshness.not_modified(request, headers)) is not None:
        return current
    body = await dumps.release_bytes(ctx, ext, release)
    return Response(body, media_type=dumps.release_media(ext), headers=headers)


@router.get("/quality", name="quality_report")
async def quality(
    request: Request,
    ctx: Annotated[Context, Depends(get_context)],
    format: str | None = None,  # noqa: A002
) -> Response:
    """The latest validation report of the served data (its IRI is the dataset record's dqv:hasQualityMetadata):
    an HTML page, or the SHACL report graph (Turtle as ``tehkg validate --format turtle`` writes it, or any RDF
    format); computed once per store version, off the event loop."""
    html = wants_html(request, format)
    accept = request.headers.get("accept")
    media = formats.HTML.media_type if html else conneg.choose(accept, formats.GRAPH_FORMATS, format)
    if media is None:
        return not_acceptable((formats.HTML, *formats.GRAPH_FORMATS))
    headers = {"Vary": "Accept", **freshness.validators(ctx, f"quality {media} {request.url}")}
    if (current := freshness.not_modified(request, headers)) is not None:
        return current
    report = await quality_report.latest(ctx)
    if html:
        return pages.quality_page(request, report, headers)
    turtle = report["turtle"].encode()
    if media != formats.TURTLE:
        turtle = serializers.graph(media, list(ox.parse(turtle, format=ox.RdfFormat.TURTLE)))
    return Response(turtle, media_type=media, headers=headers)


@router.get("/shapes", name="shapes")
async def shapes() -> Response:
    """The SHACL shapes the data is validated against (the record's dct:conformsTo), as Turtle."""
    return Response(quality_report.shapes_turtle(), media_type=formats.TURTLE)
