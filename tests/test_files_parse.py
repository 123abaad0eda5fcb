"""Every shipped RDF file parses with both pyoxigraph and rdflib, to the same set size."""

import pytest
import rdflib

from tehkg.loader.rdf_files import collect, parse
from tehkg.resources import shipped_sources

FILES = collect(shipped_sources())


@pytest.mark.parametrize("file", FILES, ids=[f.path.name for f in FILES])
def test_parses_with_both_parsers(file):
    quads = set(parse(file))  # a triple written twice is one triple
    dataset = rdflib.Dataset()
    dataset.parse(file.path, format="trig" if file.path.suffix == ".trig" else "turtle")
    assert len(quads) == sum(1 for _ in dataset.quads((None, None, None, None)))
