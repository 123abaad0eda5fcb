"""The source document page: its own texts (its introduction, its closing text), each with its passage; what the
document states, by kind (assessments, recommendations, figures, legal texts…), each statement linked, with the
named graphs that hold its facts."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages.common import Named, Text, named, texts
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import GRAPH_BASE, OA, PROV, TEH

DOCUMENT_TEXTS = (TEH + "foreword", TEH + "introduction", TEH + "conclusion")  # in reading order


@dataclass(frozen=True)
class Document:
    texts: list[Text]
    statements: list[tuple[str, list[Named]]]  # (a class's name, what the document states of it), largest first
    graphs: list[Named]


async def gather(reader: Reader, doc: str) -> Document:
    """The document's own texts, the things whose passages quote it, grouped by class, and the graphs derived from
    it."""
    found = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}>
        SELECT DISTINCT ?s ?type {{ ?s teh:passage/oa:hasSource <{doc}> ; a ?type }}""")
    graphs = await reader.rows(f"""SELECT ?g {{ ?g <{PROV}wasDerivedFrom> <{doc}>
        FILTER(STRSTARTS(STR(?g), "{GRAPH_BASE}")) }}""")
    prose = await texts(reader, doc, DOCUMENT_TEXTS)
    if not found:
        return Document(prose, [], [])
    by_type: dict[str, list[str]] = defaultdict(list)
    for r in found:
        by_type[r["type"].value].append(r["s"].value)
    names = await reader.labels(set(by_type) | {r["s"].value for r in found} | {r["g"].value for r in graphs})
    statements = [
        (
            names.get(kind, kind).capitalize(),
            [Named(s, names.get(s, s)) for s in sorted(by_type[kind], key=lambda s: names.get(s, s))],
        )
        for kind in sorted(by_type, key=lambda k: (-len(by_type[k]), names.get(k, k)))
    ]
    return Document(prose, statements, [named(g, names, names.get(g, g)) for g in sorted(r["g"].value for r in graphs)])
