"""Cache validators of documents and dumps: ETag and Last-Modified from the served store version, and
the conditional GET that answers 304 when the client's copy is current (RFC 9110 §13)."""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response

from tehkg.endpoint.context import Context
from tehkg.endpoint.engines.embedded import EmbeddedEngine
from tehkg.loader.store_layout import build_info

_BUILT: dict[str, datetime] = {}


def _built(ctx: Context, version: str) -> datetime | None:
    """When the served store was built (its BUILD.json), read once per version."""
    if version not in _BUILT:
        directory = ctx.engine.directory() if isinstance(ctx.engine, EmbeddedEngine) else None
        if directory is None:
            return None
        _BUILT.clear()
        _BUILT[version] = datetime.fromisoformat(build_info(directory)["built"])
    return _BUILT[version]


def validators(ctx: Context, variant: str) -> dict[str, str]:
    """ETag and Last-Modified of representation ``variant`` of the served store (none for an external engine)."""
    version = ctx.engine.version()
    built = _built(ctx, version) if version else None
    if built is None:
        return {}
    tag = hashlib.sha256(f"{version}\n{variant}".encode()).hexdigest()[:32]
    return {"ETag": f'"{tag}"', "Last-Modified": format_datetime(built.astimezone(UTC), usegmt=True)}


def _since(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def not_modified(request: Request, headers: dict[str, str]) -> Response | None:
    """A 304 carrying ``headers`` when the request's validators match them, else None."""
    if "ETag" not in headers:
        return None
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        match = "*" in tags or headers["ETag"] in tags
    else:
        since = _since(request.headers.get("if-modified-since", ""))
        match = since is not None and since >= parsedate_to_datetime(headers["Last-Modified"])
    return Response(status_code=304, headers=headers) if match else None
