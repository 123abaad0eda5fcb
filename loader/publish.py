"""Publish named graphs to an external engine through the SPARQL 1.1 Graph Store Protocol."""

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyoxigraph as ox

from tehkg.loader import statistics
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.loader.store_builder import quality_gate


def publish(
    sources: list[Path], target: str, validate: bool = True, timeout: float = 120.0, allow_shared_graphs: bool = False
) -> dict[str, int]:
    """PUT every named graph of ``sources`` (plus statistics) to ``target``; returns triples per graph."""
    quads = parse_all(collect(sources), allow_shared_graphs)
    if validate:
        quality_gate(quads)
    memory = ox.Store()
    memory.extend(quads)
    statistics.describe(memory, datetime.now(UTC).isoformat(timespec="seconds"))
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in memory.quads_for_pattern(None, None, None, None):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs[name].append(quad.triple)
    sent = {}
    with httpx.Client(timeout=timeout) as client:
        for graph, triples in sorted(graphs.items()):
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            params = {"graph": graph} if graph else {"default": ""}
            response = client.put(
                target, params=params, content=body, headers={"Content-Type": "application/n-triples"}
            )
            response.raise_for_status()
            sent[graph] = len(triples)
            print(f"published {graph or 'default graph'}: {len(triples)} triples")
    return sent
