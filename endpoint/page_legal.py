"""Legal texts, their articles and international instruments: title, kind, number and date, the text it is part
of or its articles, its official links out, what the sources say of its ratification, and who cites it (measures,
sections, recommendations, findings, proposals), grouped by plan or document."""

import html
from collections import defaultdict

from tehkg.endpoint.charts import readable_date
from tehkg.endpoint.page_parts import (
    ELI,
    OA,
    Labels,
    Rows,
    link,
    number,
    numbered,
    source,
    statement_name,
    upper_first,
    values_of,
)
from tehkg.vocab import OWL, SKOS, TEH

KINDS = (ELI + "LegalResource", ELI + "LegalResourceSubdivision", TEH + "InternationalInstrument")
LINKS_OUT = (SKOS + "exactMatch", OWL + "sameAs", "http://www.w3.org/2000/01/rdf-schema#seeAlso")
WORDS = {
    "fr": {"colon": " : ", "articles": "Articles", "out": "Liens officiels", "cited": "Cité par", "via": "par"},
    "en": {"colon": ": ", "articles": "Articles", "out": "Official links", "cited": "Cited by", "via": "through"},
}
TYPE, PART, DATE, LOCAL = ELI + "type_document", ELI + "is_part_of", ELI + "date_document", ELI + "id_local"
RATIFIED, NOTE = TEH + "ratificationStatus", TEH + "ratificationNote"
e = html.escape


async def legal_page(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The head of a legal text's page (the generic property table follows it)."""
    w = WORDS[lang]
    values = await values_of(iri, rows)
    articles = await rows(f"SELECT ?a ?n {{ ?a <{PART}> <{iri}> OPTIONAL {{ ?a <{SKOS}notation> ?n }} }}")
    spaces = await rows("""PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?space ?title { ?set void:objectsTarget ?t . ?t void:uriSpace ?space ; dcterms:title ?title }""")
    notes = await rows(f"""SELECT ?note ?doc ?loc ?exact {{ GRAPH ?g {{ <{iri}> <{NOTE}> ?note
        OPTIONAL {{ <{iri}> <{TEH}passage> ?p . ?p <{OA}hasSource> ?doc OPTIONAL {{ ?p <{TEH}locator> ?loc }}
        OPTIONAL {{ ?p <{OA}hasSelector>/<{OA}exact> ?exact }} }} }} }}""")
    citing = await rows(f"""PREFIX teh: <{TEH}> SELECT DISTINCT ?s ?type ?n ?via ?group ?tt ?tn {{
        ?s teh:refersTo ?via . ?via <{PART}>* <{iri}> . ?s a ?type FILTER(STRSTARTS(STR(?type), "{TEH}"))
        OPTIONAL {{ ?s <{SKOS}notation> ?n }}
        OPTIONAL {{ ?s <{OA}hasTarget> ?t . ?t <{SKOS}notation> ?tn ; a ?tt FILTER(STRSTARTS(STR(?tt), "{TEH}")) }}
        OPTIONAL {{ ?s teh:isComponentOf* ?plan . ?plan a teh:ActionPlan }}
        OPTIONAL {{ ?s teh:passage/<{OA}hasSource> ?doc }}
        BIND(COALESCE(?plan, ?doc, ?s) AS ?group) }}""")
    refs = {o.value for p in (TYPE, PART, RATIFIED) for o in values[p]} | {r["a"].value for r in articles}
    named = (
        {iri, TYPE, PART, DATE, LOCAL, RATIFIED, NOTE, SKOS + "notation"}
        | refs
        | {r["doc"].value for r in notes if "doc" in r}
    )
    named |= {r[k].value for r in citing for k in ("s", "type", "via", "group", "tt") if k in r}
    names = await labels(rows, named, lang)

    def line(prop: str, value_html: str) -> str:
        return f"<dt>{e(upper_first(names.get(prop, '')))}</dt><dd>{value_html}</dd>"

    facts = [line(TYPE, link(t.value, names, lang)) for t in values[TYPE]]
    facts += [line(LOCAL, e(v.value)) for v in values[LOCAL]] + [
        line(SKOS + "notation", e(v.value)) for v in values[SKOS + "notation"] if not values[LOCAL]
    ]
    facts += [line(DATE, e(readable_date(v.value, lang))) for v in values[DATE]]
    facts += [line(PART, link(p.value, names, lang)) for p in values[PART]]
    facts += [line(RATIFIED, link(s.value, names, lang)) for s in values[RATIFIED]]
    body = [f'<h1 class="legal-title">{e(names.get(iri, iri))}</h1>', f'<dl class="facts">{"".join(facts)}</dl>']
    for r in notes:
        said = source([r] if "doc" in r else [], names, lang)
        body.append(f'<blockquote class="ratification" lang="fr">{e(r["note"].value)}</blockquote>{said}')
    if articles:
        items = "".join(
            f"<li>{link(r['a'].value, names, lang)}</li>" for r in sorted(articles, key=lambda r: number(r.get("n")))
        )
        body.append(f"<h2>{w['articles']}</h2><ul>{items}</ul>")
    out = sorted({o.value for p in LINKS_OUT for o in values[p]})
    if out:
        items = "".join(f'<li><a href="{e(u)}" rel="external">{e(_authority(u, spaces))}</a></li>' for u in out)
        body.append(f"<h2>{w['out']}</h2><ul class='links-out'>{items}</ul>")
    if citing:
        groups: dict[str, dict[str, dict]] = defaultdict(dict)
        for r in citing:
            groups[r["group"].value].setdefault(r["s"].value, r)
        body.append(f"<h2>{w['cited']} <span class='count'>({len({r['s'].value for r in citing})})</span></h2>")
        for group in sorted(groups, key=lambda g: names.get(g, g)):
            ordered = sorted(
                groups[group].values(),
                key=lambda r: (names.get(r["type"].value, ""), number(r.get("tn")), number(r.get("n")), r["s"].value),
            )
            items = "".join(_cited(r, iri, names, lang, w) for r in ordered)
            body.append(f"<h3>{link(group, names, lang)}</h3><ul class='cited-by'>{items}</ul>")
    return "\n".join(body)


def _cited(r: dict, iri: str, names: dict[str, str], lang: str, w: dict[str, str]) -> str:
    """One citing node by kind, number and title; the article it cites when it is not the text itself."""
    s, kind = r["s"].value, names.get(r["type"].value, "")
    if "tn" in r:  # a statement: by what it is about
        text = statement_name(kind, r["n"].value if "n" in r else "", names.get(r["tt"].value, ""), r["tn"].value)
    else:
        text = numbered(kind, r["n"].value, names.get(s, "")) if "n" in r else names.get(s, s)
    via = f" <span class='via'>({w['via']} {link(r['via'].value, names, lang)})</span>" if r["via"].value != iri else ""
    return f"<li>{link(s, names, lang, text)}{via}</li>"


def _authority(url: str, spaces: list[dict]) -> str:
    """Who a link out leads to: the title of the linkset target whose IRI space holds it, else its host."""
    found = [r["title"].value for r in spaces if url.startswith(r["space"].value)]
    return found[0] if found else url.split("/")[2]
