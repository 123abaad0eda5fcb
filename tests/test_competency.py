"""The competency questions answer exactly what the sources say."""

import pyoxigraph as ox
import pytest

from tehkg.endpoint.engines.workers import Snapshot, copy_store
from tehkg.loader.store_layout import current_store
from tests.competency import all_questions, answer

QUESTIONS = all_questions()


@pytest.fixture(scope="module", params=["disk", "memory"])
def store(shipped_store, request):
    """The built store as the endpoint's workers read it: on disk, then as their in-memory copy."""
    directory = str(current_store(shipped_store))
    if request.param == "disk":
        return ox.Store.read_only(directory)
    snapshot = copy_store(directory)
    assert isinstance(snapshot, Snapshot) and snapshot.in_memory
    assert len(snapshot.store) == len(ox.Store.read_only(directory))
    return snapshot.store


def test_catalogue_is_large_enough():
    assert len(QUESTIONS) >= 40
    for q in QUESTIONS:
        assert q.fr and q.en and q.expected, q.name


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_question(store, question):
    got = answer(store, question)
    if question.ordered:
        assert got == question.expected
    else:
        assert sorted(got) == sorted(question.expected)
