"""The two plans side by side: which 2014-2016 measures the 2019-2021 plan follows up (teh:followsUp) and how the
CNCDH rated them, as a table and a picture; and a timeline of the source documents."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages import charts
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import DCTERMS, ID_BASE, OA, SKOS, TEH

OLD, NEW = ID_BASE + "plan/2014-2016", ID_BASE + "plan/2019-2021"


@dataclass(frozen=True)
class Measure:
    iri: str
    n: str
    title: str


@dataclass(frozen=True)
class Row:
    """A 2014-2016 measure, the status the CNCDH gives it (IRI and name; none when unrated), its follow-ups."""

    measure: Measure
    status: str
    status_name: str
    followed_by: list[Measure]


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]
    followed: int  # how many 2014-2016 measures have a follow-up
    picture: charts.PlansPicture
    timeline: charts.Timeline | None


def _n(value: str) -> int:
    return int(value) if value.isdigit() else 10**6


async def gather(reader: Reader) -> Comparison:
    lang = reader.lang
    measures = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX skos: <{SKOS}>
        SELECT ?m ?plan ?n ?title {{ VALUES ?plan {{ <{OLD}> <{NEW}> }} ?m a teh:Measure ; teh:inPlan ?plan ;
          skos:notation ?n OPTIONAL {{ ?m skos:prefLabel ?t1 FILTER(lang(?t1) = "{lang}") }}
          OPTIONAL {{ ?m skos:prefLabel ?t2 FILTER(lang(?t2) = "fr") }} BIND(COALESCE(?t1, ?t2, "") AS ?title) }}""")
    status = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> PREFIX skos: <{SKOS}>
        SELECT ?m ?status ?label {{ ?a a teh:Assessment ; oa:hasTarget ?m ; teh:status ?status .
          ?m teh:inPlan <{OLD}> OPTIONAL {{ ?status skos:prefLabel ?label FILTER(lang(?label) = "{lang}") }} }}""")
    follows = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT ?old ?new {{ ?new teh:followsUp ?old .
        ?old teh:inPlan <{OLD}> . ?new teh:inPlan <{NEW}> }}""")
    documents = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX dcterms: <{DCTERMS}>
        SELECT ?doc ?date ?title {{ ?doc a teh:SourceDocument ; dcterms:issued ?date
          OPTIONAL {{ ?doc dcterms:title ?t1 FILTER(lang(?t1) = "{lang}") }}
          OPTIONAL {{ ?doc dcterms:title ?t2 FILTER(lang(?t2) = "fr") }} BIND(COALESCE(?t1, ?t2) AS ?title) }}
        ORDER BY ?date""")
    info = {r["m"].value: (r["plan"].value, Measure(r["m"].value, r["n"].value, r["title"].value)) for r in measures}
    rated = {r["m"].value: (r["status"].value, r["label"].value if "label" in r else "") for r in status}
    later: dict[str, list[str]] = defaultdict(list)
    for r in follows:
        later[r["old"].value].append(r["new"].value)

    def plan(iri: str) -> list[Measure]:
        return sorted((m for p, m in info.values() if p == iri), key=lambda m: _n(m.n))

    old, new = plan(OLD), plan(NEW)
    rows = [
        Row(
            m,
            *rated.get(m.iri, ("", "")),
            sorted((info[n][1] for n in later.get(m.iri, []) if n in info), key=lambda n: _n(n.n)),
        )
        for m in old
    ]
    return Comparison(
        rows,
        sum(1 for m in old if later.get(m.iri)),
        charts.plans_picture([(m.iri, m.n, m.title) for m in old], [(m.iri, m.n, m.title) for m in new], rated, later),
        charts.timeline(
            [(r["doc"].value, r["date"].value, r["title"].value if "title" in r else r["doc"].value) for r in documents]
        ),
    )
