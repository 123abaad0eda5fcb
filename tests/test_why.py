"""« Why this row? » (``GET /sparql/why``): the documents and passages stating the triples a row rests on.

The expected sources below were read by hand in data/ttl/ (which file, which graph block, which ``teh:passage``),
not computed by the endpoint: a triple, written with the prefixes of ``short``, maps to the graphs that state it,
each with the document it is derived from (None for the registries, editorial links and metadata) and the
passages its subject cites there.
"""

import json

import pyoxigraph as ox
import pytest

from tehkg.loader.store_layout import current_store
from tehkg.vocab import GRAPH_BASE, ID_BASE, TEH
from tests.competency import all_questions
from tests.conftest import in_process, ready

QUESTIONS = {q.name: q for q in all_questions()}
PREFIXES = {
    "id:": ID_BASE,
    "teh:": TEH,
    "rdf:": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos:": "http://www.w3.org/2004/02/skos/core#",
    "dcterms:": "http://purl.org/dc/terms/",
    "oa:": "http://www.w3.org/ns/oa#",
    "org:": "http://www.w3.org/ns/org#",
    "foaf:": "http://xmlns.com/foaf/0.1/",
    "prov:": "http://www.w3.org/ns/prov#",
    "time:": "http://www.w3.org/2006/time#",
    "graph:": GRAPH_BASE,
}
PILOT_LINE = "Pilote : secrétariat d'État en charge de l'Égalité entre les femmes et les hommes (Miprof)"
PLAN_2019 = ("id:doc/plan-2019-2021",)
CNCDH = ("id:doc/cncdh-2017",)
COALITION = ("id:doc/coalition-2017",)
MEETING = ("id:doc/meeting-2014",)
NO_DOCUMENT = (None,)


def short(term: dict) -> str:
    if term["type"] == "bnode":
        return "_:"
    value = term["value"]
    if term["type"] == "uri":
        for prefix, namespace in PREFIXES.items():
            if value.startswith(namespace):
                return prefix + value[len(namespace) :]
    return value


def uri(path: str) -> dict:
    return {"type": "uri", "value": ID_BASE + path}


def fr(text: str) -> dict:
    return {"type": "literal", "value": text, "xml:lang": "fr"}


def plain(text: str) -> dict:
    return {"type": "literal", "value": text}


def why(client, name: str, row: dict, lang: str = "en") -> dict:
    response = client.get("/sparql/why", params={"query": QUESTIONS[name].query, "row": json.dumps(row), "lang": lang})
    assert response.status_code == 200, response.text
    return response.json()


def sources(answer: dict) -> dict:
    """The answer as {triple: {graph: (document, passages)}}, written short."""
    assert answer["supported"] is True, answer
    return {
        (short(t["s"]), short(t["p"]), short(t["o"])): {
            short({"type": "uri", "value": s["graph"]}): (
                s["document"] and short({"type": "uri", "value": s["document"]}),
                sorted({short({"type": "uri", "value": p["iri"]}) for p in s["passages"]}),
            )
            for s in t["sources"]
        }
        for t in answer["triples"]
    }


def stated(graph: str, document: tuple, *passages: str) -> dict:
    return {graph: (document[0], sorted(passages))}


M16 = "id:plan/2019-2021/measure/16"
M16_PASSAGE = "id:doc/plan-2019-2021/passage/measure-16"
HAND_CHECKED = {
    # plan-2019-2021.trig, measure 16's block: inPlan and pilot, its one passage (the partner and pilot lines)
    "05-miprof-pilots": (
        {"m": uri("plan/2019-2021/measure/16")},
        {
            (M16, "teh:inPlan", "id:plan/2019-2021"): stated("graph:plan-2019-2021", PLAN_2019, M16_PASSAGE),
            (M16, "teh:pilot", "id:org/miprof"): stated("graph:plan-2019-2021", PLAN_2019, M16_PASSAGE),
        },
    ),
    # measure 6 of 2014-2016 is typed in both the CNCDH's graph (no passage there) and the Collectif's, which
    # alone prints its « Responsable » line
    "27-responsable-2014": (
        {
            "m": uri("plan/2014-2016/measure/6"),
            "line": fr(
                "ministère de l'Intérieur, ministère des Droits des femmes, de la Ville, de la Jeunesse et des Sports"
            ),
        },
        {
            ("id:plan/2014-2016/measure/6", "teh:inPlan", "id:plan/2014-2016"): {
                **stated("graph:cncdh-2017", CNCDH),
                **stated("graph:coalition-2017", COALITION, "id:doc/coalition-2017/passage/measure-6"),
            },
            (
                "id:plan/2014-2016/measure/6",
                "teh:pilotText",
                "ministère de l'Intérieur, ministère des Droits des femmes, de la Ville, de la Jeunesse et des Sports",
            ): stated("graph:coalition-2017", COALITION, "id:doc/coalition-2017/passage/measure-6"),
        },
    ),
    # legal.trig: the instrument in the registry of legal texts, its status in the CNCDH's and the Collectif's blocks
    "20-not-ratified": (
        {"i": uri("legal/int/ilo-c189")},
        {
            ("id:legal/int/ilo-c189", "rdf:type", "teh:InternationalInstrument"): stated("graph:legal", NO_DOCUMENT),
            ("id:legal/int/ilo-c189", "teh:ratificationStatus", "id:concept/ratification-status/not-ratified"): {
                **stated("graph:cncdh-2017", CNCDH, "id:doc/cncdh-2017/passage/measure-16-ratification-conventions"),
                **stated("graph:coalition-2017", COALITION, "id:doc/coalition-2017/passage/measure-16-finding-1"),
            },
        },
    ),
    # editorial.trig: the link between the plans is the editors'; the status is the CNCDH's
    "16-continuity-not-implemented": (
        {"new": uri("plan/2019-2021/measure/25"), "old": uri("plan/2014-2016/measure/10")},
        {
            ("id:plan/2019-2021/measure/25", "teh:followsUp", "id:plan/2014-2016/measure/10"): stated(
                "graph:editorial", NO_DOCUMENT
            ),
            ("id:assessment/cncdh-2017/measure/10", "oa:hasTarget", "id:plan/2014-2016/measure/10"): stated(
                "graph:cncdh-2017",
                CNCDH,
                "id:doc/cncdh-2017/passage/measure-10",
                "id:doc/cncdh-2017/passage/measure-10-ase",
            ),
            (
                "id:assessment/cncdh-2017/measure/10",
                "teh:status",
                "id:concept/implementation-status/not-implemented",
            ): stated(
                "graph:cncdh-2017",
                CNCDH,
                "id:doc/cncdh-2017/passage/measure-10",
                "id:doc/cncdh-2017/passage/measure-10-ase",
            ),
        },
    ),
    # the explicit GRAPH ?g of the query names the plan's graph; the metadata graph says what it is derived from
    "09-provenance-pilot": (
        {"doc": uri("doc/plan-2019-2021")},
        {
            (M16, "teh:pilot", "id:org/miprof"): stated("graph:plan-2019-2021", PLAN_2019, M16_PASSAGE),
            ("graph:plan-2019-2021", "prov:wasDerivedFrom", "id:doc/plan-2019-2021"): stated(
                "graph:metadata", NO_DOCUMENT
            ),
        },
    ),
    # organisations.trig: the hierarchy is the registry's
    "29-interior-services": (
        {"o": uri("org/dgef")},
        {
            ("id:org/dgef", "org:subOrganizationOf", "id:org/ministere-interieur"): stated(
                "graph:organisations", NO_DOCUMENT
            )
        },
    ),
    # the path oa:hasSelector/oa:exact of the query: a blank selector, in the plan's graph
    "39-passage-quote": (
        {"quote": fr(PILOT_LINE)},
        {
            (M16, "teh:passage", M16_PASSAGE): stated("graph:plan-2019-2021", PLAN_2019, M16_PASSAGE),
            (M16_PASSAGE, "oa:hasSelector", "_:"): stated("graph:plan-2019-2021", PLAN_2019),
            ("_:", "oa:exact", PILOT_LINE): stated("graph:plan-2019-2021", PLAN_2019),
        },
    ),
    # meeting-2014.trig: the meeting (its four passages) and its participant (the participants' note)
    "33-meeting-miprof": (
        {"name": plain("Eric Panloup")},
        {
            ("id:meeting/2014-01-27", key, value): stated(
                "graph:meeting-2014",
                MEETING,
                *(f"id:doc/meeting-2014/passage/{p}" for p in ("calendar", "heading", "participants", "synthese")),
            )
            for key, value in (
                ("rdf:type", "teh:Meeting"),
                ("dcterms:date", "2014-01-27"),
                ("teh:participant", "id:person/eric-panloup"),
            )
        }
        | {
            ("id:person/eric-panloup", key, value): stated(
                "graph:meeting-2014", MEETING, "id:doc/meeting-2014/passage/participants"
            )
            for key, value in (("org:memberOf", "id:org/miprof"), ("foaf:name", "Eric Panloup"))
        },
    ),
    # the draft's number in the minutes, the measure's in both reports of 2017, the link the editors'
    "48-draft-renumbered": (
        {"draftNumber": plain("8"), "measureNumber": plain("9")},
        {
            ("id:plan/2014-2016/draft/8", "teh:draftOf", "id:plan/2014-2016/measure/9"): stated(
                "graph:editorial", NO_DOCUMENT
            ),
            ("id:plan/2014-2016/draft/8", "skos:notation", "8"): stated(
                "graph:meeting-2014", MEETING, "id:doc/meeting-2014/passage/draft-8"
            ),
            ("id:plan/2014-2016/measure/9", "skos:notation", "9"): {
                **stated("graph:cncdh-2017", CNCDH),
                **stated(  # coalition-2017.trig: its « Responsable » line, and the sentence naming the CDPD
                    "graph:coalition-2017",
                    COALITION,
                    "id:doc/coalition-2017/passage/measure-9",
                    "id:doc/coalition-2017/passage/measure-9-cdpd",
                ),
            },
        },
    ),
    # cncdh-2017.trig, the adoption: time:hasTime/time:inXSDDate is read as its two triples
    "86-cncdh-evaluation-adoption": (
        {
            "body": uri("org/cncdh"),
            "date": {"type": "literal", "value": "2017-07-06", "datatype": "http://www.w3.org/2001/XMLSchema#date"},
            "unanimous": {"type": "literal", "value": "true", "datatype": "http://www.w3.org/2001/XMLSchema#boolean"},
        },
        {
            ("id:event/cncdh-2017-adoption", key, value): stated(
                "graph:cncdh-2017", CNCDH, "id:doc/cncdh-2017/passage/adoption"
            )
            for key, value in (
                ("rdf:type", "teh:Adoption"),
                ("teh:adoptedText", "id:doc/cncdh-2017"),
                ("prov:wasAssociatedWith", "id:org/cncdh"),
                ("time:hasTime", "id:instant/2017-07-06"),
                ("teh:unanimous", "true"),
            )
        }
        | {("id:instant/2017-07-06", "time:inXSDDate", "2017-07-06"): stated("graph:cncdh-2017", CNCDH)},
    ),
    # question-24191.trig and the registry: the deputy, his group (its kind and label are the registry's)
    "31-question-author": (
        {
            "name": plain("Patrice Anato"),
            "constituency": fr("Seine-Saint-Denis (3e circonscription)"),
            "group": fr("La République en Marche"),
        },
        None,  # checked below: the graphs only (the question cites thirteen quotes)
    ),
}


@pytest.mark.parametrize("name", [n for n, (_, expected) in HAND_CHECKED.items() if expected is not None])
def test_hand_checked_rows_name_the_documents_and_passages_that_state_them(shipped_client, name):
    row, expected = HAND_CHECKED[name]
    assert sources(why(shipped_client, name, row)) == expected


def test_the_question_authors_row_rests_on_the_question_and_the_registry(shipped_client):
    row, _ = HAND_CHECKED["31-question-author"]
    found = {
        triple: sorted(graphs) for triple, graphs in sources(why(shipped_client, "31-question-author", row)).items()
    }
    question, deputy, group = "id:question/an-15/24191", "id:person/patrice-anato", "id:org/la-republique-en-marche"
    assert found == {
        (question, "skos:notation", "24191"): ["graph:question-24191"],
        (question, "dcterms:creator", deputy): ["graph:question-24191"],
        (deputy, "foaf:name", "Patrice Anato"): ["graph:question-24191"],
        (deputy, "teh:constituency", "Seine-Saint-Denis (3e circonscription)"): ["graph:question-24191"],
        (deputy, "org:memberOf", group): ["graph:question-24191"],
        (group, "skos:prefLabel", "La République en Marche"): ["graph:organisations"],
        (group, "org:classification", "id:concept/org-kind/political-group"): ["graph:organisations"],
    }


def test_the_pilot_row_of_measure_16_names_the_2019_2021_plan_and_quotes_its_pilot_line(shipped_client):
    answer = why(shipped_client, "05-miprof-pilots", {"m": uri("plan/2019-2021/measure/16")}, lang="fr")
    pilot = next(t for t in answer["triples"] if t["p"]["value"] == TEH + "pilot")
    [source] = pilot["sources"]
    assert source["document"] == ID_BASE + "doc/plan-2019-2021"
    assert source["title"] == "2nd plan d'action national contre la traite des êtres humains 2019-2021"
    assert {"iri": ID_BASE + "doc/plan-2019-2021/passage/measure-16", "text": PILOT_LINE} in source["passages"]
    english = why(shipped_client, "05-miprof-pilots", {"m": uri("plan/2019-2021/measure/16")}, lang="en")
    titles = {s["title"] for t in english["triples"] for s in t["sources"]}
    assert titles == {"2nd national action plan against trafficking in human beings 2019-2021"}


def test_an_explanation_is_charged_to_its_client_as_a_query_is(shipped_store):
    """The rewritten query runs on the engine: it takes one of the client's slots and spends its time budget, so
    « why » requests cannot bypass the fairness of /sparql."""
    row = json.dumps({"m": uri("plan/2019-2021/measure/16")})
    params = {"query": QUESTIONS["05-miprof-pilots"].query, "row": row}
    with in_process(shipped_store, TEHKG_CLIENT_BUDGET="0.000001") as client:
        assert ready(client).get("/sparql/why", params=params).status_code == 200
        refused = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/json"})
        again = client.get("/sparql/why", params=params)
    assert refused.status_code == 429 and "TEHKG_CLIENT_BUDGET" in refused.json()["message"]
    assert again.status_code == 429 and "TEHKG_CLIENT_BUDGET" in again.json()["message"]


def test_a_graph_of_no_single_document_is_titled_by_its_own_title(shipped_client):
    answer = why(shipped_client, "29-interior-services", {"o": uri("org/dgef")})
    [source] = answer["triples"][0]["sources"]
    assert source == {
        "document": None,
        "title": "Registry of the organisations named in the five documents",
        "graph": GRAPH_BASE + "organisations",
        "passages": [],
    }


REFUSALS = {  # question or query → the reason, in English and in French
    "01-measures-per-plan": ("GROUP BY, COUNT or another aggregate", "agrégat"),
    "07-interior-rollup": ("property path of any length", "chemin de propriétés"),
    "ASK { ?s ?p ?o }": ("Only the rows of a SELECT answer", "SELECT"),
    "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 } }": ("subquery", "sous-requête"),
    "SELECT ?s FROM <https://w3id.org/tehkg/graph/legal> WHERE { ?s ?p ?o }": ("FROM or FROM NAMED", "FROM"),
    "SELECT ?s WHERE { ?s ?p ?o FILTER EXISTS { ?s a ?c } }": ("FILTER EXISTS", "FILTER EXISTS"),
}


@pytest.mark.parametrize("query", REFUSALS)
def test_shapes_that_do_not_allow_it_are_refused_in_words(shipped_client, query):
    text = QUESTIONS[query].query if query in QUESTIONS else query
    english, french = REFUSALS[query]
    for lang, words in (("en", english), ("fr", french)):
        response = shipped_client.get("/sparql/why", params={"query": text, "row": "{}", "lang": lang})
        assert response.status_code == 200
        answer = response.json()
        assert answer["supported"] is False and words in answer["reason"], answer


def test_a_row_that_is_not_an_answer_gets_no_source(shipped_client):
    """Measure 15 has no pilot: no triple may be credited to any document for a row that is not an answer; nor for
    a row whose literal differs from the answer's in its language tag alone."""
    fake = why(shipped_client, "05-miprof-pilots", {"m": uri("plan/2019-2021/measure/15")})
    assert fake == {
        "supported": False,
        "reason": "This row is not an answer of the query over the data served now (it may have changed since).",
    }
    row, _ = HAND_CHECKED["27-responsable-2014"]
    untagged = {**row, "line": plain(row["line"]["value"])}
    assert why(shipped_client, "27-responsable-2014", untagged)["supported"] is False


def test_an_unbound_variable_of_the_row_must_be_unbound_in_the_derivation(shipped_client):
    query = (
        f"PREFIX teh: <{TEH}> SELECT ?m ?pilot WHERE {{ ?m teh:inPlan <{ID_BASE}plan/2019-2021> "
        "OPTIONAL { ?m teh:pilot ?pilot } }"
    )
    params = {"query": query, "lang": "en"}
    without = shipped_client.get(
        "/sparql/why", params={**params, "row": json.dumps({"m": uri("plan/2019-2021/measure/15")})}
    )
    assert sources(without.json()) == {
        ("id:plan/2019-2021/measure/15", "teh:inPlan", "id:plan/2019-2021"): stated(
            "graph:plan-2019-2021",
            PLAN_2019,
            "id:doc/plan-2019-2021/passage/measure-15",
            "id:doc/plan-2019-2021/passage/measure-15-gendarmerie-nationale",  # the sentence naming the gendarmerie
        )
    }
    pilotless = shipped_client.get(
        "/sparql/why", params={**params, "row": json.dumps({"m": uri("plan/2019-2021/measure/16")})}
    )
    assert pilotless.json()["supported"] is False  # measure 16 has a pilot: its rows all bind ?pilot


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("not json", "the row is not JSON"),
        ("[1]", "the row must be a JSON object"),
        ('{"m": "x"}', "a binding is an object"),
        ('{"m": {"type": "uri", "value": "not an iri"}}', "?m"),
        ('{"x": {"type": "uri", "value": "https://w3id.org/tehkg/id/org/miprof"}}', "does not select: x"),
        ("{" + '"m": {"type": "literal", "value": "' + "x" * 20_000 + '"}}', "longer than"),
    ],
)
def test_bad_rows_are_400_with_the_reason(shipped_client, row, message):
    response = shipped_client.get("/sparql/why", params={"query": QUESTIONS["05-miprof-pilots"].query, "row": row})
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_a_bad_query_is_400_with_the_parsers_message_and_an_update_is_refused(shipped_client):
    bad = shipped_client.get("/sparql/why", params={"query": "SELECT ?s WHERE { ?s ?p }", "row": "{}"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad-query"
    assert "could not be read as SPARQL 1.1" in bad.json()["message"]
    update = shipped_client.get("/sparql/why", params={"query": "DELETE WHERE { ?s ?p ?o }", "row": "{}"})
    assert update.status_code == 403 and update.json()["error"] == "read-only"
    blank = shipped_client.get(
        "/sparql/why",
        params={
            "query": "SELECT ?s WHERE { ?s ?p ?o }",
            "row": '{"s": {"type": "bnode", "value": "b0"}}',
            "lang": "en",
        },
    )
    assert blank.json() == {
        "supported": False,
        "reason": "The row holds a blank node, which no other query can name: it cannot be traced.",
    }


def test_every_row_of_every_question_it_reads_is_explained_by_triples_in_the_graphs_it_names(
    shipped_client, shipped_store
):
    """The first rows of each competency question the explanation reads rest on at least one triple, and each
    triple is in every graph named as its source (asked of the store directly)."""
    store = ox.Store.read_only(str(current_store(shipped_store)))
    explained = 0
    for question in QUESTIONS.values():
        result = store.query(question.query)
        if not isinstance(result, ox.QuerySolutions):
            continue
        names = [v.value for v in result.variables]
        for solution in list(result)[:3]:
            if any(isinstance(solution[n], ox.BlankNode) for n in names):
                continue  # refused: test_a_bad_query_is_400_with_the_parsers_message_and_an_update_is_refused
            row = {n: _json(solution[n]) for n in names if solution[n] is not None}
            answer = why(shipped_client, question.name, row)
            if not answer["supported"]:
                assert "aggregate" in answer["reason"] or "property path" in answer["reason"], (question.name, answer)
                break
            explained += 1
            assert answer["triples"], question.name
            for triple in answer["triples"]:
                terms = [_term(triple[k]) for k in ("s", "p", "o")]
                assert triple["sources"], (question.name, triple)
                for source in triple["sources"]:
                    if isinstance(terms[0], ox.BlankNode) or isinstance(terms[2], ox.BlankNode):
                        continue  # a blank node of one answer is not a name another query can use
                    assert ox.Quad(*terms, ox.NamedNode(source["graph"])) in store, (question.name, triple)
    assert explained >= 150


def _json(term: ox.NamedNode | ox.Literal) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if term.language:
        return (
            fr(term.value)
            if term.language == "fr"
            else {"type": "literal", "value": term.value, "xml:lang": term.language}
        )
    if term.datatype.value.endswith("#string"):
        return plain(term.value)
    return {"type": "literal", "value": term.value, "datatype": term.datatype.value}


def _term(term: dict) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if term["type"] == "uri":
        return ox.NamedNode(term["value"])
    if term["type"] == "bnode":
        return ox.BlankNode(term["value"])
    if "xml:lang" in term:
        return ox.Literal(term["value"], language=term["xml:lang"])
    if "datatype" in term:
        return ox.Literal(term["value"], datatype=ox.NamedNode(term["datatype"]))
    return ox.Literal(term["value"])


def test_a_row_mixing_the_values_of_two_answers_is_not_an_answer(shipped_client, shipped_store):
    """Each value of the first row replaced by another row's value for that variable: where that makes a row the
    question does not answer, the explanation finds no derivation either (the query's filters, joins and
    optional parts are kept as written)."""
    store = ox.Store.read_only(str(current_store(shipped_store)))
    mixed = 0
    for question in QUESTIONS.values():
        result = store.query(question.query)
        if not isinstance(result, ox.QuerySolutions):
            continue
        names = [v.value for v in result.variables]
        rows = [
            {n: _json(s[n]) for n in names if s[n] is not None}
            for s in result
            if not any(isinstance(s[n], ox.BlankNode) for n in names)
        ]
        if len(rows) < 2:
            continue
        for name in names:
            other = next((r[name] for r in rows[1:] if name in r and r[name] != rows[0].get(name)), None)
            row = {**rows[0], name: other} if other else None
            if row is None or row in rows:
                continue
            answer = why(shipped_client, question.name, row)
            if answer["supported"] or "not an answer" in answer["reason"]:
                assert answer == {
                    "supported": False,
                    "reason": "This row is not an answer of the query over the data served now (it may have "
                    "changed since).",
                }, (question.name, row)
                mixed += 1
    assert mixed >= 50


def test_alternative_and_inverse_paths_are_read_as_the_triples_they_went_through(shipped_client):
    """coalition-2017.trig: measure 8 of 2014-2016, « Mise en œuvre » the ministry of the Interior (implementer,
    not pilot), the measure citing three passages in that graph; editorial.trig: measure 22 of 2019-2021 follows it
    up."""
    query = (
        f"PREFIX teh: <{TEH}> SELECT ?m ?n WHERE {{ ?m teh:pilot|teh:implementer <{ID_BASE}org/ministere-interieur> ;"
        " ^teh:followsUp ?n }"
    )
    row = {"m": uri("plan/2014-2016/measure/8"), "n": uri("plan/2019-2021/measure/22")}
    answer = shipped_client.get("/sparql/why", params={"query": query, "row": json.dumps(row), "lang": "en"})
    assert sources(answer.json()) == {
        ("id:plan/2014-2016/measure/8", "teh:implementer", "id:org/ministere-interieur"): stated(
            "graph:coalition-2017",
            COALITION,
            "id:doc/coalition-2017/passage/measure-8",
            "id:doc/coalition-2017/passage/measure-8-gendarmerie-nationale",  # the sentences naming them
            "id:doc/coalition-2017/passage/measure-8-siao",
        ),
        ("id:plan/2019-2021/measure/22", "teh:followsUp", "id:plan/2014-2016/measure/8"): stated(
            "graph:editorial", NO_DOCUMENT
        ),
    }


def test_a_row_derived_in_more_ways_than_are_read_is_refused_in_words(shipped_client):
    query = "SELECT ?p WHERE { ?a ?p ?b . ?c ?p ?d }"
    row = {"p": {"type": "uri", "value": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}}
    answer = shipped_client.get("/sparql/why", params={"query": query, "row": json.dumps(row), "lang": "en"})
    assert answer.json() == {
        "supported": False,
        "reason": "This row can be derived in too many ways to list them all; narrow the query to explain it.",
    }


def test_the_querys_filters_are_kept_as_written(shipped_client, shipped_store):
    """Functions, operators and their precedence survive the rewriting: every row of the answer is explained, and
    the row a filter removes (measure 13, by the negation) is not an answer."""
    query = (
        f"PREFIX teh: <{TEH}> PREFIX skos: <{PREFIXES['skos:']}> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
        "SELECT ?m ?n WHERE { ?m a teh:Measure ; teh:inPlan ?plan ; skos:notation ?n "
        'FILTER(REGEX(?n, "^1", "i") && IF(BOUND(?n), xsd:integer(?n) * 2 - -1 > 21, false) '
        '&& COALESCE(?unbound, "a") NOT IN ("b", "c") && SUBSTR(STR(?plan), 1, 5) = "https" '
        '&& !(?n = "13") && STRENDS(STR(?plan), "2019-2021")) }'
    )
    store = ox.Store.read_only(str(current_store(shipped_store)))
    rows = [{"m": _json(s["m"]), "n": _json(s["n"])} for s in store.query(query)]
    assert sorted(int(r["n"]["value"]) for r in rows) == [11, 12, 14, 15, 16, 17, 18, 19]
    for row in rows:
        answer = shipped_client.get("/sparql/why", params={"query": query, "row": json.dumps(row), "lang": "en"})
        assert answer.json()["supported"] is True, row
    removed = {"m": uri("plan/2019-2021/measure/13"), "n": plain("13")}
    answer = shipped_client.get("/sparql/why", params={"query": query, "row": json.dumps(removed), "lang": "en"})
    assert answer.json()["supported"] is False
