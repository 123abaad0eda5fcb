"""ASGI entry point configured from the environment: ``uvicorn tehkg.endpoint.asgi:app``."""

from tehkg.endpoint.app import create_app

app = create_app()
