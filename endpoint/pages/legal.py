"""Legal texts, their articles and international instruments: title, kind, number and date, the text it is part
of or its articles, its official links out, what the sources say of its ratification, and who cites it (measures,
sections, recommendations, findings, proposals), grouped by plan or document."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages.common import (
    Named,
    Source,
    Titled,
    named,
    number,
    passages_by,
    titled,
    upper_first,
    values_of,
)
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import DCTERMS, ELI, OA, OWL, RDFS, SKOS, TEH, VOID

KINDS = (ELI + "LegalResource", ELI + "LegalResourceSubdivision", TEH + "InternationalInstrument")
LINKS_OUT = (SKOS + "exactMatch", OWL + "sameAs", RDFS + "seeAlso")
TYPE, PART, DATE, LOCAL = ELI + "type_document", ELI + "is_part_of", ELI + "date_document", ELI + "id_local"
RATIFIED, NOTE = TEH + "ratificationStatus", TEH + "ratificationNote"


@dataclass(frozen=True)
class Fact:
    """A line of the text's facts: the property's name, and its value as a named IRI, a date or a text."""

    name: str
    link: Named | None = None
    date: str = ""
    text: str = ""


@dataclass(frozen=True)
class Citing:
    """Something citing the text: by kind, number and title; the article it cites when not the text itself."""

    link: Named
    via: Named | None


@dataclass(frozen=True)
class Legal:
    title: str
    facts: list[Fact]
    ratification: list[tuple[str, list[Source]]]  # (the sources' note, where it is printed)
    articles: list[Named]
    links_out: list[Named]  # the official address, named by the authority it leads to
    cited_by: list[tuple[Named, list[Citing]]]  # (plan or document, what in it cites the text)
    cited_count: int


async def gather(reader: Reader, iri: str) -> Legal:
    """Everything the head of a legal text's page shows (the generic property table follows it)."""
    values = await values_of(reader, iri)
    articles = await reader.rows(f"SELECT ?a ?n {{ ?a <{PART}> <{iri}> OPTIONAL {{ ?a <{SKOS}notation> ?n }} }}")
    spaces = await reader.rows(f"""SELECT ?space ?title {{ ?set <{VOID}objectsTarget> ?t .
        ?t <{VOID}uriSpace> ?space ; <{DCTERMS}title> ?title }}""")
    notes = await reader.rows(f"""SELECT ?note ?p ?doc ?loc ?exact {{ GRAPH ?g {{ <{iri}> <{NOTE}> ?note
        OPTIONAL {{ <{iri}> <{TEH}passage> ?p . ?p <{OA}hasSource> ?doc OPTIONAL {{ ?p <{TEH}locator> ?loc }}
        OPTIONAL {{ ?p <{OA}hasSelector>/<{OA}exact> ?exact }} }} }} }}""")
    citing = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT DISTINCT ?s ?via ?group {{
        ?s teh:refersTo ?via . ?via <{PART}>* <{iri}>
        FILTER EXISTS {{ ?s a ?type FILTER(STRSTARTS(STR(?type), "{TEH}")) }}
        OPTIONAL {{ ?s teh:isComponentOf* ?plan . ?plan a teh:ActionPlan }}
        OPTIONAL {{ ?s teh:passage/<{OA}hasSource> ?doc }}
        BIND(COALESCE(?plan, ?doc, ?s) AS ?group) }}""")
    refs = {o.value for p in (TYPE, PART, RATIFIED) for o in values[p]} | {r["a"].value for r in articles}
    named_ = {iri, TYPE, PART, DATE, LOCAL, RATIFIED, SKOS + "notation"} | refs
    named_ |= {r[k].value for r in citing for k in ("via", "group")}
    names = await reader.labels(named_)
    titles = await titled(reader, {r["s"].value for r in citing})

    def fact(prop: str, link: Named | None = None, date: str = "", text: str = "") -> Fact:
        return Fact(upper_first(names.get(prop, "")), link, date, text)

    facts = [fact(TYPE, link=named(t.value, names)) for t in values[TYPE]]
    facts += [fact(LOCAL, text=v.value) for v in values[LOCAL]]
    facts += [fact(SKOS + "notation", text=v.value) for v in values[SKOS + "notation"] if not values[LOCAL]]
    facts += [fact(DATE, date=v.value) for v in values[DATE]]
    facts += [fact(PART, link=named(p.value, names)) for p in values[PART]]
    facts += [fact(RATIFIED, link=named(s.value, names)) for s in values[RATIFIED]]
    quoted = await passages_by(reader, notes, "note")  # the passages of the graph stating the note
    groups: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in citing:
        groups[r["group"].value].setdefault(r["s"].value, r)
    cited_by = []
    for group in sorted(groups, key=lambda g: names.get(g, g)):
        ordered = sorted(groups[group].values(), key=lambda r: titles[r["s"].value].key)
        cited_by.append((named(group, names), [_citing(r, iri, titles, names) for r in ordered]))
    return Legal(
        title=names.get(iri, iri),
        facts=facts,
        ratification=[(note, quoted.get(note, [])) for note in dict.fromkeys(r["note"].value for r in notes)],
        articles=[named(r["a"].value, names) for r in sorted(articles, key=lambda r: number(r.get("n")))],
        links_out=[Named(u, _authority(u, spaces)) for u in sorted({o.value for p in LINKS_OUT for o in values[p]})],
        cited_by=cited_by,
        cited_count=len({r["s"].value for r in citing}),
    )


def _citing(r: dict, iri: str, titles: dict[str, Titled], names: dict[str, str]) -> Citing:
    """One citing node as lists name it; the article it cites when it is not the text itself."""
    return Citing(titles[r["s"].value].link, named(r["via"].value, names) if r["via"].value != iri else None)


def _authority(url: str, spaces: list[dict]) -> str:
    """Who a link out leads to: the title of the linkset target whose IRI space holds it, else its host."""
    found = [r["title"].value for r in spaces if url.startswith(r["space"].value)]
    return found[0] if found else url.split("/")[2] if url.count("/") >= 2 else url
