"""ASGI entry point configured from the environment: ``uvicorn endpoint.asgi:app``."""

from endpoint.app import create_app

app = create_app()
