"""The measure page: number, title and text first, then who pilots, partners and implements it, what the CNCDH
and the Collectif said of it, what follows it up, the legal texts it cites, each statement with its source."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages.common import (
    Named,
    Source,
    cited_texts,
    crumbs,
    in_lang,
    legal_texts,
    named,
    number,
    sources,
    values_of,
)
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import BASE, CV, DCTERMS, OA, SKOS, TEH

ROLES = ("pilot", "partner", "implementer")  # the last segment of a role concept's IRI, in the order shown
LINKS = (TEH + "followsUp", TEH + "takesUp", TEH + "draftOf")


@dataclass(frozen=True)
class Said:
    """A recommendation, finding or proposal about the measure: its anchor on the page, text and sources."""

    anchor: str
    text: str
    sources: list[Source]


@dataclass(frozen=True)
class Assessment:
    """The CNCDH's assessment: the status it gives (and as printed), the State actions, the analysis, sources."""

    status: Named | None
    status_text: str
    state: str
    comment: str
    sources: list[Source]


@dataclass(frozen=True)
class Measure:
    trail: list[Named]
    notation: str
    title: str
    text: str
    text_lang: str
    roles: list[tuple[str, list[Named]]]  # (one of ROLES, organisations by name)
    sources: list[Source]
    assessments: list[Assessment]
    recommendations: list[Said]
    findings: list[Said]
    proposals: list[Said]
    links: list[tuple[str, Named]]  # (followsUp-out, takesUp-in…, the other node)
    legal: list[Named]


async def gather(reader: Reader, iri: str) -> Measure:
    """Everything the head of a measure's page shows (the generic property table follows it)."""
    values = await values_of(reader, iri)
    roles = await reader.rows(f"""SELECT ?role ?who {{ <{iri}> <{CV}hasParticipation> ?x .
        ?x <{CV}role> ?role ; <{CV}hasParticipant> ?who }}""")
    voices = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT ?a ?type ?n ?body ?status
        ?statusText ?state ?comment {{ ?a oa:hasTarget <{iri}> ; a ?type FILTER(STRSTARTS(STR(?type), "{TEH}"))
        OPTIONAL {{ ?a <{SKOS}notation> ?n }} OPTIONAL {{ ?a oa:bodyValue ?body }}
        OPTIONAL {{ ?a teh:status ?status }} OPTIONAL {{ ?a teh:statusText ?statusText }}
        OPTIONAL {{ ?a teh:stateActions ?state }} OPTIONAL {{ ?a <{DCTERMS}description> ?comment }} }}""")
    links = await reader.rows(f"""SELECT ?p ?other ?outgoing {{
        {{ <{iri}> ?p ?other BIND(true AS ?outgoing) }} UNION {{ ?other ?p <{iri}> BIND(false AS ?outgoing) }}
        VALUES ?p {{ {" ".join(f"<{p}>" for p in LINKS)} }} }}""")
    quoted = await sources(reader, {iri} | {r["a"].value for r in voices})
    names = await reader.labels(
        {r[k].value for r in roles for k in ("role", "who")}
        | {r["status"].value for r in voices if "status" in r}
        | {r["other"].value for r in links}
    )
    description = values[DCTERMS + "description"]
    text = in_lang(description, reader.lang) or ""
    by_role: dict[str, list[Named]] = defaultdict(list)
    for r in roles:
        by_role[r["role"].value.rsplit("/", 1)[-1]].append(named(r["who"].value, names))
    kind = {r["a"].value: r["type"].value.rsplit("#", 1)[-1] for r in voices}

    def said(kinds: str) -> list[Said]:
        chosen = sorted((r for r in voices if kind[r["a"].value] == kinds), key=lambda r: number(r.get("n")))
        return [
            Said(
                r["a"].value[len(BASE) :].replace("/", "-"),
                r["body"].value if "body" in r else "",
                quoted.get(r["a"].value, []),
            )
            for r in chosen
        ]

    return Measure(
        trail=await crumbs(reader, iri),
        notation=values[SKOS + "notation"][0].value if values[SKOS + "notation"] else "",
        title=in_lang(values[SKOS + "prefLabel"], reader.lang) or "",
        text=text,
        text_lang=next((v.language for v in description if v.value == text and v.language), reader.lang),
        roles=[(role, sorted(by_role[role], key=lambda o: o.text.lower())) for role in ROLES if by_role.get(role)],
        sources=quoted.get(iri, []),
        assessments=[
            Assessment(
                named(r["status"].value, names) if "status" in r else None,
                r["statusText"].value if "statusText" in r else "",
                r["state"].value if "state" in r else "",
                r["comment"].value if "comment" in r else "",
                quoted.get(r["a"].value, []),
            )
            for r in voices
            if kind[r["a"].value] == "Assessment"
        ],
        recommendations=said("Recommendation"),
        findings=said("Finding"),
        proposals=said("Proposal"),
        links=[
            (
                r["p"].value.rsplit("#", 1)[-1] + ("-out" if r["outgoing"].value == "true" else "-in"),
                named(r["other"].value, names),
            )
            for r in sorted(links, key=lambda r: (r["p"].value, r["other"].value))
        ],
        legal=await legal_texts(reader, await cited_texts(reader, iri)),
    )
