"""``/metrics``: the endpoint's Prometheus metrics (endpoint/metrics.py), routed only when ``TEHKG_METRICS`` is on."""

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tehkg.endpoint.metrics import REGISTRY

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def scrape() -> Response:
    """The metrics of the process that answers, in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
