"""The dataset as a whole: its VoID/DCAT description and the dump."""

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from tehkg import formats
from tehkg.endpoint import pages
from tehkg.endpoint.context import Context, get_context, local_path, wants_html
from tehkg.endpoint.documents import description, dumps, freshness
from tehkg.endpoint.documents import quality as quality_report
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.errors import error_response, not_acceptable
from tehkg.endpoint.query import conneg, serializers
from tehkg.vocab import DATASET_IRI

router = APIRouter()


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
        return found + description.dataset_extras(endpoint_url, served) + quality_report.record_triples()

    body = await dumps.triples_bytes(ctx, ("dataset", endpoint_url, *files.values()), triples, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


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
    canonical dump (the same bytes on every download), with ETag, Last-Modified and 304 as for ``/dump.nq``."""
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
