"""``tehkg report``: how complete the graph is, class by class."""

from pathlib import Path

import pyoxigraph as ox

from tehkg.loader.rdf_files import collect, parse_all
from tehkg.loader.select import select
from tehkg.vocab import sparql_prefixes

PREFIXES = sparql_prefixes("teh", "skos", "dcterms", "org", "eli", "oa", "qb", "plan")
# (row label, class pattern binding ?x, {column: condition on ?x})
ROWS: list[tuple[str, str, dict[str, str]]] = [
    ("measures 2014-2016", "?x a teh:Measure ; teh:inPlan plan:2014-2016", {}),
    ("measures 2019-2021", "?x a teh:Measure ; teh:inPlan plan:2019-2021", {}),
    (
        "organisations",
        "?x a org:Organization",
        {
            "kind": "?x org:classification ?v",
            "parent": "?x org:subOrganizationOf ?v",
            "English name": '?x skos:prefLabel ?v FILTER(lang(?v) = "en")',
            "acronym": "?x skos:notation ?v",
        },
    ),
    (
        "legal texts and articles",
        "{ ?x a eli:LegalResource } UNION { ?x a eli:LegalResourceSubdivision }",
        {"title": "?x dcterms:title ?v", "date": "?x eli:date_document ?v", "cited": "?v teh:refersTo ?x"},
    ),
    (
        "international instruments",
        "?x a teh:InternationalInstrument",
        {
            "title": "?x dcterms:title ?v",
            "ratification stated": "?x teh:ratificationStatus ?v",
            "cited": "?v teh:refersTo ?x",
        },
    ),
    (
        "assessments",
        "?x a teh:Assessment",
        {
            "status": "?x teh:status ?v",
            "state actions": "?x teh:stateActions ?v",
            "recommendations": "?v dcterms:isPartOf ?x ; a teh:Recommendation",
            "passage": "?x teh:passage ?v",
        },
    ),
    ("recommendations", "?x a teh:Recommendation", {"passage": "?x teh:passage ?v"}),
    ("findings", "?x a teh:Finding", {"passage": "?x teh:passage ?v"}),
    ("proposals", "?x a teh:Proposal", {"passage": "?x teh:passage ?v"}),
    ("observations", "?x a qb:Observation", {"year": "?x teh:refYear ?v"}),
]
MEASURE_COLUMNS = {
    "pilot": "?x teh:pilot ?v",
    "partner": "?x teh:partner ?v",
    "implementer": "?x teh:implementer ?v",
    "English title": '?x skos:prefLabel ?v FILTER(lang(?v) = "en")',
    "description": "?x dcterms:description ?v",
    "passage": "?x teh:passage ?v",
    "CNCDH assessment": "?v a teh:Assessment ; oa:hasTarget ?x",
    "cites law": "?x teh:refersTo ?v",
}


def coverage(paths: list[Path]) -> dict[str, dict[str, int]]:
    """For each row: the total, and how many have each column's property."""
    store = ox.Store()
    store.extend(parse_all(collect(paths)))
    table: dict[str, dict[str, int]] = {}
    for label, pattern, columns in ROWS:
        columns = columns or MEASURE_COLUMNS
        counts = {"total": _count(store, pattern)}
        for name, condition in columns.items():
            counts[name] = _count(store, f"{pattern} FILTER EXISTS {{ {condition} }}")
        table[label] = counts
    return table


def _count(store: ox.Store, pattern: str) -> int:
    query = f"{PREFIXES} SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}"
    return int(next(iter(select(store, query)))[0].value)


def render_text(table: dict[str, dict[str, int]]) -> str:
    """The table as aligned text: ``column n/total (pct)``."""
    lines = []
    for label, counts in table.items():
        total = counts["total"]
        cells = [
            f"{name} {n}/{total} ({100 * n // total if total else 0}%)" for name, n in counts.items() if name != "total"
        ]
        lines.append(f"{label:28} {total:5}  " + " · ".join(cells))
    return "\n".join(lines)
