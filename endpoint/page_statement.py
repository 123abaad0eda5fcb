"""What an evaluator or an NGO said: a CNCDH assessment or recommendation, a finding or proposal of the Collectif.
Kind, number and author as the heading, what it is about, its text (status and State actions for an assessment),
the recommendations an assessment holds, the measures that take it up, the legal texts it cites, its source."""

import html

import pyoxigraph as ox

from tehkg.endpoint.page_parts import (
    OA,
    Labels,
    Rows,
    documents,
    in_lang,
    legal_section,
    link,
    number,
    numbered,
    paragraphs,
    passages,
    source,
    statement_name,
    upper_first,
    values_of,
)
from tehkg.vocab import DCTERMS, RDF, SKOS, TEH

KINDS = tuple(TEH + k for k in ("Assessment", "Recommendation", "Finding", "Proposal"))
WORDS = {
    "fr": {"colon": " : ", "held": "Recommandations de cette évaluation", "taken": "Reprise par", "text": "Texte"},
    "en": {"colon": ": ", "held": "Recommendations of this assessment", "taken": "Taken up by", "text": "Text"},
}
TARGET, PART_OF, STATUS, STATE, ANALYSIS = (
    OA + "hasTarget",
    DCTERMS + "isPartOf",
    TEH + "status",
    TEH + "stateActions",
    DCTERMS + "description",
)
e = html.escape


async def statement_page(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The head of a statement's page (the generic property table follows it)."""
    w = WORDS[lang]
    values = await values_of(iri, rows)
    kind = next((t.value for t in values[RDF + "type"] if t.value in KINDS), KINDS[0])
    targets = await rows(f"""SELECT ?t ?type ?n {{ <{iri}> <{TARGET}> ?t . ?t a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ ?t <{SKOS}notation> ?n }} }}""")
    held = await rows(f"""SELECT ?r ?n ?body {{ ?r <{PART_OF}> <{iri}> ; <{OA}bodyValue> ?body
        OPTIONAL {{ ?r <{SKOS}notation> ?n }} }}""")
    taken = await rows(f"""SELECT ?m ?type ?n {{ ?m <{TEH}takesUp> <{iri}> ; a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ ?m <{SKOS}notation> ?n }} }}""")
    quoted = await passages(rows, {iri})
    cited = {t.value for t in values[TEH + "refersTo"]}
    refs = {o.value for p in (DCTERMS + "creator", PART_OF, STATUS) for o in values[p]}
    named = {kind, TARGET, PART_OF, STATUS, STATE, ANALYSIS, DCTERMS + "subject"} | refs | cited | documents(quoted)
    named |= {r[k].value for r in targets for k in ("t", "type")} | {r["r"].value for r in held}
    named |= {r[k].value for r in taken for k in ("m", "type")}
    names = await labels(rows, named, lang)
    authors = [await _short_name(rows, a.value, names) for a in values[DCTERMS + "creator"]]
    own = values[SKOS + "notation"][0].value if values[SKOS + "notation"] else ""
    about = next((r for r in targets if "n" in r), None)
    heading = statement_name(
        names.get(kind, ""), own, names.get(about["type"].value, "") if about else "", about["n"].value if about else ""
    )
    by = f" — {e(', '.join(authors))}" if authors else ""
    body = [f'<h1 class="statement-title"><span class="number">{e(heading)}</span>{by}</h1>']

    def line(prop: str, value_html: str) -> str:
        term = e(upper_first(names.get(prop, "")))
        css = prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return f'<p class="{css}"><strong>{term}{w["colon"]}</strong>{value_html}</p>'

    for r in targets:
        text = numbered(names.get(r["type"].value, ""), r["n"].value, names.get(r["t"].value, "")) if "n" in r else None
        body.append(line(TARGET, link(r["t"].value, names, lang, text)))
    for part in values[PART_OF]:
        body.append(line(PART_OF, link(part.value, names, lang)))
    if subject := in_lang([v for v in values[DCTERMS + "subject"] if isinstance(v, ox.Literal)], lang):
        body.append(line(DCTERMS + "subject", e(subject)))
    for status in values[STATUS]:
        printed = in_lang(values[TEH + "statusText"], lang)
        body.append(line(STATUS, link(status.value, names, lang) + (f" (« {e(printed)} »)" if printed else "")))
    if text := in_lang(values[OA + "bodyValue"], lang):
        body.append(f'<h2>{w["text"]}</h2><div class="statement-text">{paragraphs(text)}</div>')
    if state := in_lang(values[STATE], lang):
        body.append(f"<h2>{e(upper_first(names.get(STATE, '')))}</h2>{paragraphs(state)}")
    if analysis := in_lang(values[ANALYSIS], lang):
        body.append(
            f"<details><summary>{e(upper_first(names.get(ANALYSIS, '')))}</summary>{paragraphs(analysis)}</details>"
        )
    body.append(source(quoted.get(iri, []), names, lang))
    if held:
        items = "".join(
            f"<li>{link(r['r'].value, names, lang)}<blockquote>{e(r['body'].value)}</blockquote></li>"
            for r in sorted(held, key=lambda r: number(r.get("n")))
        )
        body.append(f"<h2>{w['held']}</h2><ol class='statements'>{items}</ol>")
    if taken:
        items = "".join(
            f"<li>{link(r['m'].value, names, lang, _numbered(r, 'm', names))}</li>"
            for r in sorted(taken, key=lambda r: (r["type"].value, number(r.get("n"))))
        )
        body.append(f"<h2>{w['taken']}</h2><ul class='links'>{items}</ul>")
    body.append(legal_section(cited, names, lang))
    return "\n".join(body)


async def _short_name(rows: Rows, org: str, names: dict[str, str]) -> str:
    """An author by its acronym (``skos:notation``) when it has one, else by its name."""
    found = await rows(f"SELECT ?n {{ <{org}> <{SKOS}notation> ?n }} LIMIT 1")
    return found[0]["n"].value if found else names.get(org, org)


def _numbered(r: dict, key: str, names: dict[str, str]) -> str:
    return numbered(names.get(r["type"].value, ""), r["n"].value if "n" in r else "", names.get(r[key].value, ""))
