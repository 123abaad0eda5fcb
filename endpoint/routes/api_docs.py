"""API documentation that works offline and under ``script-src 'self'``: Swagger UI at /docs and ReDoc at /redoc,
their assets served from the installed ``fastapi-offline`` package, no CDN and no inline script."""

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from tehkg import formats
from tehkg.endpoint.errors import error_response

router = APIRouter(include_in_schema=False)
ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSET_TYPES = {
    "swagger-ui-bundle.js": formats.JAVASCRIPT,
    "swagger-ui.css": formats.CSS,
    "redoc.standalone.js": formats.JAVASCRIPT,
    "favicon.png": formats.PNG,
}
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"  # the one remote file ReDoc asks for (its footer)


@cache
def redoc_script() -> bytes:
    """ReDoc as the package ships it, but for its footer logo, taken from this server instead of a CDN."""
    return (ASSETS / "redoc.standalone.js").read_bytes().replace(REDOC_LOGO, b"docs/assets/favicon.png")


# Swagger UI's start, a static script: it reads the OpenAPI document's URL from the page
SWAGGER_INIT = """window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
"""
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{root}/docs/assets/favicon.png">{head}</head>
<body>{body}</body></html>
"""


def _root(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over the OpenAPI document: every operation, tried from the page."""
    root = _root(request)
    head = f'\n<link rel="stylesheet" href="{root}/docs/assets/swagger-ui.css">'
    body = (
        f'<div id="swagger-ui" data-openapi="{root}{request.app.openapi_url}"></div>\n'
        f'<script src="{root}/docs/assets/swagger-ui-bundle.js"></script>\n'
        f'<script src="{root}/docs/swagger-init.js"></script>'
    )
    return HTMLResponse(PAGE.format(title="tehkg API — Swagger UI", root=root, head=head, body=body))


@router.get("/docs/swagger-init.js")
async def swagger_init() -> Response:
    """The script that starts Swagger UI (a file, as ``script-src 'self'`` refuses inline scripts)."""
    return Response(SWAGGER_INIT, media_type=formats.JAVASCRIPT, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc over the OpenAPI document (it starts itself from the ``<redoc spec-url>`` element)."""
    root = _root(request)
    body = (
        f'<redoc spec-url="{root}{request.app.openapi_url}"></redoc>\n'
        f'<script src="{root}/docs/assets/redoc.standalone.js"></script>'
    )
    return HTMLResponse(PAGE.format(title="tehkg API — ReDoc", root=root, head="", body=body))


@router.get("/docs/assets/{name}")
async def asset(name: str) -> Response:
    """A Swagger UI or ReDoc file as the installed package ships it."""
    if name not in ASSET_TYPES:
        return error_response(404, "not-found", f"no documentation asset {name!r}")
    if name == "redoc.standalone.js":
        return Response(
            redoc_script(), media_type=ASSET_TYPES[name], headers={"Cache-Control": "public, max-age=86400"}
        )
    return FileResponse(ASSETS / name, media_type=ASSET_TYPES[name], headers={"Cache-Control": "public, max-age=86400"})
