"""The organisation page: everything the sources say it takes part in, across both plans and every document, by
relation (its roles in the plans, then what the prose says it does, then where it is only named), each node with its
source; the organisation among its parents and units; its attachments over time as each document states them."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages import charts, involvement
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import DCTERMS, OA, ORG, SKOS, TEH, TIME


@dataclass(frozen=True)
class Organisation:
    involvement: list[involvement.Relation]
    hierarchy: charts.Hierarchy | None
    attachments: charts.Attachments | None


async def gather(reader: Reader, iri: str) -> Organisation:
    """What the organisation page adds to the generic one."""
    return Organisation(
        await involvement.gather(reader, iri), await hierarchy(reader, iri), await attachments(reader, iri)
    )


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
