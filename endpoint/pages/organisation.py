"""The organisation page: the measures it pilots, partners or implements, by plan and role, in plan order; the
organisation among its parents and units; its attachments over time as each document states them."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages import charts
from tehkg.endpoint.pages.common import Named
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import CV, DCTERMS, OA, ORG, SKOS, TEH, TIME

ROLES = ("pilot", "partner", "implementer")  # the last segment of a role concept's IRI, in the order shown


@dataclass(frozen=True)
class Carried:
    """A measure the organisation carries: its page, number and title."""

    iri: str
    n: str
    name: str


@dataclass(frozen=True)
class PlanRoles:
    plan: Named
    roles: list[tuple[str, list[Carried]]]  # (one of ROLES, measures in plan order)


@dataclass(frozen=True)
class Organisation:
    roles: list[PlanRoles]
    hierarchy: charts.Hierarchy | None
    attachments: charts.Attachments | None


async def gather(reader: Reader, iri: str) -> Organisation:
    """What the organisation page adds to the generic one."""
    return Organisation(await roles(reader, iri), await hierarchy(reader, iri), await attachments(reader, iri))


async def roles(reader: Reader, org: str) -> list[PlanRoles]:
    """Per plan, per role, the measures (number and title) the organisation carries."""
    lang = reader.lang
    found = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX skos: <{SKOS}>
        SELECT ?m ?role ?plan ?planLabel ?n ?title {{ ?m <{CV}hasParticipation> ?x ; teh:inPlan ?plan ;
          skos:notation ?n . ?x <{CV}hasParticipant> <{org}> ; <{CV}role> ?role .
          OPTIONAL {{ ?m skos:prefLabel ?t1 FILTER(lang(?t1) = "{lang}") }}
          OPTIONAL {{ ?m skos:prefLabel ?t2 FILTER(lang(?t2) = "fr") }} BIND(COALESCE(?t1, ?t2, "") AS ?title)
          OPTIONAL {{ ?plan skos:prefLabel ?p1 FILTER(lang(?p1) = "{lang}") }}
          OPTIONAL {{ ?plan skos:prefLabel ?p2 FILTER(lang(?p2) = "fr") }}
          BIND(COALESCE(?p1, ?p2, STR(?plan)) AS ?planLabel) }}""")
    grouped: dict[tuple[str, str], dict[str, set[tuple[int, str, str, str]]]] = defaultdict(lambda: defaultdict(set))
    for r in found:
        n = r["n"].value
        grouped[(r["plan"].value, r["planLabel"].value)][r["role"].value.rsplit("/", 1)[-1]].add(
            (int(n) if n.isdigit() else 10**6, r["m"].value, n, r["title"].value)
        )
    return [
        PlanRoles(
            Named(plan, title),
            [
                (role, [Carried(m, n, t) for _, m, n, t in sorted(grouped[(plan, title)][role])])
                for role in ROLES
                if grouped[(plan, title)].get(role)
            ],
        )
        for plan, title in sorted(grouped)
    ]


async def hierarchy(reader: Reader, org: str) -> charts.Hierarchy | None:
    """The organisation among its parents (as far up as the sources go) and its units (two levels down)."""
    found = await reader.rows(f"""PREFIX org: <{ORG}> PREFIX skos: <{SKOS}>
        SELECT DISTINCT ?child ?parent ?cl ?pl {{ ?child org:subOrganizationOf ?parent .
        OPTIONAL {{ ?child skos:prefLabel ?cl FILTER(lang(?cl) = "{reader.lang}") }}
        OPTIONAL {{ ?parent skos:prefLabel ?pl FILTER(lang(?pl) = "{reader.lang}") }} }}""")
    names: dict[str, str] = {}
    for r in found:
        for node, label in (("child", "cl"), ("parent", "pl")):
            names.setdefault(r[node].value, r[label].value if label in r else r[node].value.rsplit("/", 1)[-1])
    return charts.hierarchy(org, [(r["child"].value, r["parent"].value) for r in found], names)


async def attachments(reader: Reader, org: str) -> charts.Attachments | None:
    """The organisation's attachments over time (org:Membership with an org:memberDuring interval), per document
    that states them."""
    lang = reader.lang
    found = await reader.rows(f"""PREFIX org: <{ORG}> PREFIX time: <{TIME}> PREFIX teh: <{TEH}>
        PREFIX oa: <{OA}> PREFIX skos: <{SKOS}>
        SELECT ?m ?parent ?label ?interval ?next ?date ?doc ?docLabel {{
          ?m a org:Membership ; org:member <{org}> ; org:organization ?parent ; teh:passage/oa:hasSource ?doc .
          FILTER EXISTS {{ ?m org:role ?role FILTER(STRENDS(STR(?role), "/attachment")) }}
          OPTIONAL {{ ?parent skos:prefLabel ?l1 FILTER(lang(?l1) = "{lang}") }}
          OPTIONAL {{ ?parent skos:prefLabel ?l2 FILTER(lang(?l2) = "fr") }} BIND(COALESCE(?l1, ?l2) AS ?label)
          OPTIONAL {{ ?doc <{DCTERMS}title> ?d1 FILTER(lang(?d1) = "{lang}") }}
          OPTIONAL {{ ?doc <{DCTERMS}title> ?d2 FILTER(lang(?d2) = "fr") }}
          BIND(COALESCE(?d1, ?d2) AS ?docLabel)
          OPTIONAL {{ ?m org:memberDuring ?interval
            OPTIONAL {{ ?interval time:intervalMeets ?next }}
            OPTIONAL {{ ?interval time:inside/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?date }} }} }}""")
    fields: dict[str, dict[str, str]] = defaultdict(dict)
    by_doc: dict[str, set[str]] = defaultdict(set)
    documents: dict[str, str] = {}
    for r in found:
        m = r["m"].value
        fields[m] |= {k: r[k].value for k in ("parent", "interval", "next", "date") if k in r}
        fields[m].setdefault("label", r["label"].value if "label" in r else r["parent"].value.rsplit("/", 1)[-1])
        by_doc[r["doc"].value].add(m)
        documents.setdefault(r["doc"].value, r["docLabel"].value if "docLabel" in r else r["doc"].value)
    memberships = [charts.Membership(m, **f) for m, f in fields.items()]
    return charts.attachments(memberships, by_doc, documents)
