"""The published quality information (W3C Data on the Web Best Practices 7): the latest validation report of the
served data at a stable IRI, as the SHACL report graph (its page: endpoint/pages/templates/quality.html), and the
shapes it was checked against.

The report is computed at the first request for it, once per store version, in a thread: the served named graphs
(the canonical dump, what the build validated) against the shipped shapes, by the quality gate itself, so its
graph is the one ``tehkg validate --format turtle`` writes for the same data.
"""

import asyncio
import json

import pyoxigraph as ox

from tehkg import formats
from tehkg.endpoint.context import Context
from tehkg.endpoint.documents import dumps
from tehkg.resources import shapes_dir
from tehkg.vocab import DATASET_IRI, DCTERMS, DQV, QUALITY_REPORT_IRI, RDF, SH, SHAPES_IRI


def _validate(nquads: bytes) -> bytes:
    """The quality gate's report of the quads in ``nquads``: its Turtle graph and its findings, as JSON."""
    from tehkg.loader import quality  # pyshacl and rdflib are only needed when validating

    report = quality.validate(list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)), progress=lambda _: None)
    return json.dumps({"turtle": report.turtle(), "summary": report.summary(), **json.loads(report.json())}).encode()


async def latest(ctx: Context) -> dict:
    """The report of the served store: ``turtle`` (the SHACL report graph), ``summary``, ``conforms``,
    ``violations``, ``warnings``, ``triples`` and ``findings`` (severity, focus, path, value, message, shape, label)."""

    async def build() -> bytes:
        return await asyncio.to_thread(_validate, await dumps.dump_bytes(ctx, formats.N_QUADS))

    return json.loads(await dumps.cached(ctx, ("quality-report",), build))


def shapes_turtle() -> bytes:
    """The shipped SHACL shapes as one Turtle document: the shape files one after the other, comments kept."""
    return b"\n".join(path.read_bytes() for path in sorted(shapes_dir().glob("*.ttl")))


def record_triples() -> list[ox.Triple]:
    """What the dataset record says of its quality: it conforms to the shapes (a dct:Standard) and the report
    is its quality metadata (DQV), each at its own IRI."""
    n = ox.NamedNode
    a, ds, shapes, report = n(RDF + "type"), n(DATASET_IRI), n(SHAPES_IRI), n(QUALITY_REPORT_IRI)
    fr, en = "fr", "en"
    return [
        ox.Triple(ds, n(DCTERMS + "conformsTo"), shapes),
        ox.Triple(shapes, a, n(DCTERMS + "Standard")),
        ox.Triple(shapes, n(DCTERMS + "title"), ox.Literal("Formes SHACL de tehkg", language=fr)),
        ox.Triple(shapes, n(DCTERMS + "title"), ox.Literal("tehkg SHACL shapes", language=en)),
        ox.Triple(ds, n(DQV + "hasQualityMetadata"), report),
        ox.Triple(report, a, n(DQV + "QualityMetadata")),
        ox.Triple(report, n(DCTERMS + "title"), ox.Literal("Rapport de validation SHACL de tehkg", language=fr)),
        ox.Triple(report, n(DCTERMS + "title"), ox.Literal("tehkg SHACL validation report", language=en)),
        ox.Triple(report, n(DCTERMS + "conformsTo"), n(SH.removesuffix("#"))),
        ox.Triple(report, n(DCTERMS + "references"), shapes),
    ]
