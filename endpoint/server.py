"""``tehkg serve``: build the embedded store when needed, then run uvicorn."""

import argparse
import logging
import os

import uvicorn

from tehkg.endpoint.http.connections import LimitedHttpProtocol
from tehkg.loader.store_builder import BuildRejected, build, is_up_to_date
from tehkg.loader.store_layout import current_store
from tehkg.resources import shipped_sources
from tehkg.settings import Settings


def ensure_store(settings: Settings, shipped: bool) -> None:
    """Build the shipped data into the store when it is missing or older than the sources."""
    if settings.backend or not shipped:
        if not settings.backend and current_store(settings.store) is None:
            raise SystemExit(f"error: no built store under {settings.store}; run `tehkg build … --store` first")
        return
    if is_up_to_date(shipped_sources(), settings.store):
        print(f"store {current_store(settings.store)} is up to date with the sources")
        return
    reason = "missing" if current_store(settings.store) is None else "older than the sources"
    print(f"store {settings.store} is {reason}: building it")
    try:
        build(shipped_sources(), settings.store)
    except BuildRejected as err:
        if current_store(settings.store) is None:
            raise SystemExit(f"{err}\nerror: the data does not validate and no store exists") from None
        print(f"{err}\nwarning: the data does not validate; serving the previous store")


def run(args: argparse.Namespace) -> int:
    """Serve with the flags of ``tehkg serve`` (each the setting of its name) over the ``TEHKG_*`` environment.

    The application is loaded by uvicorn in each replica, from the environment: every setting, flags
    included, is written back there first."""
    settings = Settings.load(**{name: getattr(args, name, None) for name in Settings.model_fields})
    ensure_store(settings, shipped=args.store is None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings.store = settings.store.resolve()
    os.environ.update(settings.environment())
    uvicorn.run(
        "tehkg.endpoint.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=settings.replicas,
        log_level="info",
        access_log=False,
        # the subclass bounds the bytes of a request head, how long it may take and how many connections one
        # client holds (endpoint/http/connections.py)
        http=LimitedHttpProtocol,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=settings.keep_alive,
    )
    return 0
