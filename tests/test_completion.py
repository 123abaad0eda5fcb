"""What the query editor offers as one types (GET /completion) and the names it shows for an answer's IRIs
(POST /labels), on the shipped data: in context (properties in predicate position, classes after ``a``,
organisations after teh:pilot, legal texts after teh:refersTo), in the page's language, bounded."""

import pytest

from tehkg.endpoint.documents import completion
from tehkg.endpoint.documents.completion import MAX_LABEL_IRIS, MAX_TOKEN_CHARS, compact, position
from tehkg.vocab import PREFIXES

TEH = PREFIXES["teh"]
ID = "https://w3id.org/tehkg/id/"
WHERE = "SELECT * WHERE { ?m "


def complete(client, word: str, context: str = "", lang: str = "fr") -> dict:
    response = client.get("/completion", params={"word": word, "context": context, "lang": lang})
    assert response.status_code == 200, response.text
    return response.json()


def applied(answer: dict) -> list[str]:
    return [offer["apply"] for offer in answer["results"]]


@pytest.mark.parametrize(("lang", "label"), [("fr", "pilote"), ("en", "pilot")])
def test_predicate_position_offers_properties_with_their_label(shipped_client, lang, label):
    answer = complete(shipped_client, "teh:pi", WHERE, lang)
    assert answer["position"] == {"place": "predicate", "predicate": None}
    assert applied(answer) == ["teh:pilot", "teh:pilotText"]
    assert answer["results"][0] == {"apply": "teh:pilot", "label": label, "kind": "property", "iri": TEH + "pilot"}


def test_after_pilot_an_acronym_offers_the_organisation(shipped_client):
    answer = complete(shipped_client, "Ofii", WHERE + "teh:pilot ")
    assert answer["position"] == {"place": "object", "predicate": TEH + "pilot"}
    assert answer["results"] == [
        {
            "apply": "tehorg:ofii",
            "label": "Office français de l'immigration et de l'intégration",
            "kind": "entity",
            "matched": "Ofii",
            "iri": ID + "org/ofii",
        }
    ]
    english = complete(shipped_client, "Ofii", WHERE + "teh:pilot ", "en")["results"][0]
    assert english["label"] == "French Office for Immigration and Integration"


def test_after_pilot_only_organisations_are_offered(shipped_client):
    """« Miprof » names an organisation and things about it (its committee is an organisation too, the
    measures it pilots are not): in object position of teh:pilot only organisations come."""
    offered = complete(shipped_client, "miprof", WHERE + "teh:pilot ")["results"]
    assert offered[0]["apply"] == "tehorg:miprof"
    assert all(offer["iri"].startswith(ID + "org/") for offer in offered)
    anywhere = complete(shipped_client, "miprof", "SELECT * WHERE { ")["results"]
    assert any(not offer["iri"].startswith(ID + "org/") for offer in anywhere if offer["kind"] == "entity")


def test_before_a_name_is_typed_the_objects_used_there_are_offered(shipped_client):
    """Asked with nothing typed yet (Ctrl-Space) in object position: what occurs there, most used first."""
    answer = complete(shipped_client, "", WHERE + "teh:inPlan ", "en")
    assert answer["results"] == [
        {
            "apply": "plan:2019-2021",
            "label": "2nd national action plan against trafficking in human beings 2019-2021",
            "kind": "entity",
            "iri": ID + "plan/2019-2021",
        },
        {
            "apply": "plan:2014-2016",
            "label": "National action plan against trafficking in human beings (2014-2016)",
            "kind": "entity",
            "iri": ID + "plan/2014-2016",
        },
    ]
    assert applied(complete(shipped_client, "", WHERE + "teh:pilot "))[0] == "tehorg:miprof"  # pilots the most


def test_after_a_classes_are_offered(shipped_client):
    answer = complete(shipped_client, "Meas", WHERE + "a ", "en")
    assert answer["position"] == {"place": "object", "predicate": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
    assert answer["results"][0] == {"apply": "teh:Measure", "label": "measure", "kind": "class", "iri": TEH + "Measure"}
    assert {offer["kind"] for offer in answer["results"]} == {"class"}


def test_after_refers_to_legal_texts_are_offered(shipped_client):
    offered = complete(shipped_client, "Code pénal", WHERE + "teh:refersTo ")["results"]
    assert offered[0] == {
        "apply": f"<{ID}legal/fr/code-penal>",
        "label": "Code pénal",
        "kind": "entity",
        "matched": "Code pénal",
        "iri": ID + "legal/fr/code-penal",
    }
    assert all(offer["iri"].startswith(ID + "legal/") for offer in offered)


def test_a_name_of_several_words_is_completed_whole_in_object_position(shipped_client):
    """The editor sends the last words typed (up to six); the answer says which of them it completes."""
    answer = complete(shipped_client, "refersTo Code pénal", "SELECT * WHERE { ?m teh:")
    assert answer["word"] == "Code pénal"
    assert answer["results"][0]["iri"] == ID + "legal/fr/code-penal"
    assert complete(shipped_client, "pilot Ofii", "SELECT * WHERE { ?m teh:")["word"] == "Ofii"
    assert complete(shipped_client, "m WHERE", "SELECT ?")["word"] == "WHERE"


def test_after_a_semicolon_properties_again(shipped_client):
    answer = complete(shipped_client, "pil", WHERE + "a teh:Measure ; ", "en")
    assert answer["position"]["place"] == "predicate"
    assert applied(answer) == ["teh:pilot", "teh:pilotText"]


def test_at_the_start_prefixes_come_first(shipped_client):
    answer = complete(shipped_client, "sk", "")
    assert answer["results"][0] == {
        "apply": "skos:",
        "label": "http://www.w3.org/2004/02/skos/core#",
        "kind": "prefix",
        "iri": "http://www.w3.org/2004/02/skos/core#",
    }


def test_the_query_s_own_prefixes_are_used(shipped_client):
    context = f"PREFIX x: <{TEH}>\nSELECT * WHERE {{ ?m "
    assert applied(complete(shipped_client, "x:pi", context)) == ["x:pilot", "x:pilotText"]


def test_strings_and_comments_do_not_move_the_position():
    context = WHERE + 'teh:pilot ?o . # a comment ; with , punctuation\n ?m skos:prefLabel "a . b ; c" ; '
    assert position(context).place == "predicate"
    assert position(WHERE + "teh:pilot ?a , ").predicate == TEH + "pilot"
    assert position(WHERE + "teh:pilot ?a . FILTER(?a = ").place == "subject"  # an expression, no triple


def test_compact_prefers_the_longest_namespace_then_the_first_declared():
    prefixes = position("").prefixes
    assert compact(ID + "org/ofii", prefixes) == "tehorg:ofii"
    assert compact(ID + "plan/2019-2021/measure/16", prefixes) == f"<{ID}plan/2019-2021/measure/16>"
    assert compact(TEH + "pilot", position(f"PREFIX : <{TEH}>").prefixes) == ":pilot"


def test_answers_are_kept_and_bounded(shipped_client, monkeypatch):
    complete(shipped_client, "Ofii", WHERE + "teh:pilot ")
    _, found = completion._VOCABULARIES["current"]
    found.answers.clear()
    monkeypatch.setattr(completion, "ANSWERS_KEPT", 2)
    for word in ("Ofii", "Miprof", "Dgcs"):
        complete(shipped_client, word, WHERE + "teh:pilot ")
    assert [key[0] for key in found.answers] == ["Miprof", "Dgcs"]  # the least recent went first
    found.answers[next(iter(found.answers))] = [{"apply": "kept"}]
    assert applied(complete(shipped_client, "Miprof", WHERE + "teh:pilot ")) == ["kept"]  # read from the cache
    found.answers.clear()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"word": "a" * (MAX_TOKEN_CHARS + 1)}, f"the word to complete may hold at most {MAX_TOKEN_CHARS} characters"),
        ({"word": "a", "context": "x" * 4001}, "the context may hold at most 4000 characters"),
        ({"word": "a", "lang": "de"}, "lang must be one of fr, en"),
    ],
)
def test_bad_input_is_a_clear_400(shipped_client, params, message):
    response = shipped_client.get("/completion", params=params)
    assert response.status_code == 400
    assert response.json()["message"] == message


def test_labels_name_iris_in_the_language_asked(shipped_client):
    iris = [ID + "org/ofii", TEH + "Measure", "https://example.org/unknown"]
    for lang, expected in [
        ("fr", {ID + "org/ofii": "Office français de l'immigration et de l'intégration", TEH + "Measure": "mesure"}),
        ("en", {ID + "org/ofii": "French Office for Immigration and Integration", TEH + "Measure": "measure"}),
    ]:
        response = shipped_client.post("/labels", json={"iris": iris, "lang": lang})
        assert response.status_code == 200
        assert response.json() == {"labels": expected}


def test_labels_are_bounded(shipped_client):
    response = shipped_client.post("/labels", json={"iris": [ID + "x"] * (MAX_LABEL_IRIS + 1), "lang": "fr"})
    assert response.status_code == 400
    assert "at most 500 IRIs" in response.json()["message"]
