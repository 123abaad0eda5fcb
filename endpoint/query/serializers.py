"""SPARQL results writers (JSON, XML, CSV, TSV) over pyoxigraph terms, and RDF via pyoxigraph."""

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
import rdflib

from tehkg import formats
from tehkg.vocab import PREFIXES, SPARQL_RESULTS, XSD

XSD_STRING = XSD + "string"
Row = list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]


def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
        return "<triple>" + "".join(f"<{n}>{_xml_term(t)}</{n}>" for n, t in parts) + "</triple>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def json_results(variables: list[str], bindings: list[dict], truncated: bool) -> bytes:
    """SELECT results in JSON from their bindings (JSON terms)."""
    body = {
        "head": {"vars": variables},
        # before the results: streaming parsers (Oxigraph's) refuse anything after the bindings
        **({"truncated": True} if truncated else {}),
        "results": {"bindings": bindings},
    }
    return json.dumps(body, ensure_ascii=False).encode()


def select(media: str, variables: list[str], rows: list[Row], truncated: bool) -> bytes:
    """SELECT results in ``media``."""
    if media == formats.JSON_RESULTS:
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json_results(variables, bindings, truncated)
    if media == formats.XML_RESULTS:
        out = [
            f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS}">',
            "<head>",
            *(f"<variable name={quoteattr(v)}/>" for v in variables),
            "</head>",
            "<results>",
        ]
        for row in rows:
            out.append(
                "<result>"
                + "".join(
                    f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row, strict=True)
                    if t is not None
                )
                + "</result>"
            )
        out.append("</results></sparql>\n")
        return "\n".join(out).encode()
    if media == formats.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(t) for t in row] for row in rows)
        return buffer.getvalue().encode()
    if media == formats.TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(media)


def ask(media: str, value: bool) -> bytes:
    """ASK result in ``media``."""
    if media == formats.JSON_RESULTS:
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media == formats.XML_RESULTS:
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS}">'
            f"<head/><boolean>{str(value).lower()}</boolean></sparql>\n"
        ).encode()
    if media == formats.CSV:
        return f"_askResult\r\n{str(value).lower()}\r\n".encode()
    return f"?_askResult\n{str(value).lower()}\n".encode()


def graph(media: str, triples: list[ox.Triple] | list[ox.Quad]) -> bytes:
    """Triples (or quads, for TriG/N-Quads) in an RDF ``media`` type."""
    fmt = formats.by_media_type(media).rdf
    assert fmt is not None, media  # only graph formats reach here
    if fmt.supports_datasets:
        triples = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    else:
        triples = [t.triple if isinstance(t, ox.Quad) else t for t in triples]
    data = ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt in PRETTY else None)
    assert data is not None  # without an output, serialize returns the bytes
    return data


def document(media: str, quads: list[ox.Quad], context_url: str) -> bytes:
    """A linked-data document: its triples in the default graph, in TriG and N-Quads also per source graph,
    in JSON-LD compacted against the context published at ``context_url``."""
    triples = list(dict.fromkeys(q.triple for q in quads))
    if media == formats.JSON_LD:
        return jsonld(triples, context_url)
    if media in (formats.TRIG, formats.N_QUADS):
        return graph(media, [ox.Quad(t.subject, t.predicate, t.object) for t in triples] + quads)
    return graph(media, triples)


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    assert isinstance(term, ox.Literal)  # JSON-LD 1.1 has no triple terms
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def jsonld(triples: list[ox.Triple], context_url: str) -> bytes:
    """Compacted JSON-LD of ``triples`` whose ``@context`` is the published one at ``context_url``."""
    data = rdflib.Graph()
    for t in triples:
        data.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
    compacted = json.loads(data.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True))
    compacted["@context"] = context_url
    return json.dumps(compacted, ensure_ascii=False, indent=1).encode()


PRETTY = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML}
JSONLD_CONTEXT = dict(PREFIXES)
