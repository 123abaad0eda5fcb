"""Organisations named in the stored texts, and whether each mention is linked: the curators' worklist.

Every stored French text of a document's graph (measure bodies, titles and role lines, assessments and
their « Actions de l'État », recommendations, findings, proposals, claims, statistics' indicators, the
verbatim quotes of passages…) is scanned for the names of every organisation of the registry
(``skos:prefLabel``, ``skos:altLabel``, ``skos:notation``). A document graph is a graph the metadata graph
derives from exactly one ``teh:SourceDocument``. Not scanned: headings (``teh:locator``), identifiers and
persons' names, and the editors' notes (``rdfs:comment``), whose source words are quoted by passages.

A mention is *linked* when, in the same document graph:

- the node whose text names the organisation links it: a triple ``node ?p org``, or one through a
  qualified node of its own (``node ?p ?q . ?q ?r org``, ``?q`` a blank node, a node minted under the
  node's IRI such as a participation, or a ``cv:Participation``, ``org:Membership``, ``org:ChangeEvent``).
  A quote (``oa:exact``) is the text of the nodes that cite its passage and of the nodes whose own text
  holds it;
- or the role holder written is more specific: a name followed by a parenthesis naming another
  organisation the node links (« ministère de l'Intérieur (DGEF) », « secrétariat d'État … (Miprof) »);
- or the sentence states a fact about other nodes, written with it: a passage quoting it is cited by a
  node that links the organisation (a membership, a creation), or another node's own text is the part of
  it that names the organisation (a claim of an answer).

Matching: a name of several words matches whatever its case and accents, across line breaks; a one-word
name (an acronym, « Miprof », « gendarmerie ») as written, in capitals or capitalised, on word boundaries
and not inside an identifier (« 2011/36/UE »; « police/gendarmerie » does name the gendarmerie). The
longest match wins (« Office des Nations unies contre la drogue et le crime » is the UNODC, not the UN),
and a name inside the title of a legal text or instrument (« Convention du Conseil de l'Europe sur la
lutte contre la traite… ») is that text's. Generic groups (``org:classification``
``concept/org-kind/group``, « associations ») stand for the role lines that list them: prose uses of the
common noun are not scanned.

The exception file (``data/ttl/mention-exceptions.csv``) lists organisations, or node and organisation pairs,
that may stay unlinked, each with its reason. An *orphan* is a registry organisation that takes part in no
statement of any document graph (types, labels and the ORG hierarchy aside): :data:`ORPHANS`.

``python -m tehkg.loader.mentions [FILES…]`` prints the worklist (one line per unlinked mention, then the
orphans; exit status 1 when there is any); :func:`check` returns both lists, and :func:`add_results`
writes them into a SHACL validation report with the severity and message of the checks declared in
``shapes/mentions.ttl``. Imports ``tehkg.loader``, ``tehkg.resources`` and ``tehkg.vocab`` only.
"""

import csv
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from tehkg.loader.rdf_files import collect, parse_all
from tehkg.loader.select import select
from tehkg.loader.validation_report import report_node
from tehkg.resources import data_dir, shipped_sources
from tehkg.vocab import (
    CV,
    DCTERMS,
    ELI,
    FOAF,
    GRAPH_BASE,
    ID_BASE,
    METADATA_GRAPH,
    OA,
    ORG,
    PROV,
    RDF,
    RDFS,
    SKOS,
    TEH,
    TEHSH,
)

RDF_TYPE = RDF + "type"
EXCEPTIONS_NAME = "mention-exceptions.csv"
UNLINKED_CHECK = TEHSH + "MentionsLinked"  # declared in shapes/mentions.ttl
ORPHAN_CHECK = TEHSH + "OrganisationsTakePart"

# literals that are not prose: headings, identifiers, persons' names, the editors' notes
NOT_TEXT = {TEH + "locator", SKOS + "notation", FOAF + "name", RDFS + "comment"}
# intermediate nodes through which a node links an organisation (qualified relations)
QUALIFIED_TYPES = {CV + "Participation", ORG + "Membership", ORG + "ChangeEvent", ORG + "Post"}

DOCUMENT_GRAPHS = f"""
PREFIX prov: <{PROV}> PREFIX teh: <{TEH}>
SELECT ?g WHERE {{
  GRAPH <{METADATA_GRAPH}> {{ ?g prov:wasDerivedFrom ?doc . ?doc a teh:SourceDocument }}
}} GROUP BY ?g HAVING (COUNT(DISTINCT ?doc) = 1)
"""

# organisations and their names; generic groups are scanned for no name
ORGANISATIONS = f"""
PREFIX org: <{ORG}> PREFIX skos: <{SKOS}>
SELECT DISTINCT ?o ?label ?group WHERE {{
  ?o a org:Organization .
  OPTIONAL {{ ?o skos:prefLabel|skos:altLabel|skos:notation ?label FILTER(lang(?label) != "en") }}
  BIND(EXISTS {{ ?o org:classification <{ID_BASE}concept/org-kind/group> }} AS ?group)
}}
"""

LEGAL_LABELS = f"""
PREFIX eli: <{ELI}> PREFIX skos: <{SKOS}> PREFIX dcterms: <{DCTERMS}>
SELECT DISTINCT ?label WHERE {{
  ?text a ?kind . VALUES ?kind {{ eli:LegalResource eli:LegalResourceSubdivision <{TEH}InternationalInstrument> }}
  ?text skos:prefLabel|skos:altLabel|dcterms:title ?label FILTER(lang(?label) != "en")
}}
"""

# The count of the issue: registry organisations that take part in no statement of a document graph
# (a graph derived from exactly one source document), types, labels and the ORG hierarchy aside.
ORPHANS = f"""
PREFIX org: <{ORG}> PREFIX rdf: <{RDF}> PREFIX skos: <{SKOS}> PREFIX prov: <{PROV}> PREFIX teh: <{TEH}>
SELECT ?o WHERE {{
  ?o a org:Organization .
  FILTER NOT EXISTS {{
    GRAPH <{METADATA_GRAPH}> {{ ?g prov:wasDerivedFrom ?doc . ?doc a teh:SourceDocument }}
    FILTER NOT EXISTS {{ GRAPH <{METADATA_GRAPH}> {{
      ?g prov:wasDerivedFrom ?other . ?other a teh:SourceDocument FILTER(?other != ?doc) }} }}
    GRAPH ?g {{ {{ ?o ?p ?x }} UNION {{ ?x ?p ?o }} }}
    FILTER(?p NOT IN (rdf:type, skos:prefLabel, skos:altLabel, skos:notation, skos:scopeNote,
                      org:subOrganizationOf, org:classification))
  }}
}} ORDER BY ?o
"""


# ------------------------------------------------------------------------------------------ matching


def fold(text: str) -> str:
    """Lower case without accents, one character for one (offsets are kept); typographic apostrophes as ASCII."""
    out = []
    for char in text:
        if char in "’ʼ`´":
            out.append("'")
        elif char.isspace():
            out.append(" ")
        else:
            base = unicodedata.normalize("NFD", char)[0].lower()
            out.append(base if len(base) == 1 else char)
    return "".join(out)


def squeeze(text: str) -> str:
    """Whitespace collapsed, typographic apostrophes as ASCII: how quotes are compared with texts."""
    return " ".join(text.replace("’", "'").split())


def label_pattern(label: str) -> tuple[re.Pattern, bool]:
    """(pattern, on the folded text): a one-word name as written, in capitals or capitalised, on word
    boundaries and not inside an identifier; a name of several words folded, its spaces any whitespace."""
    if not re.search(r"[\s'’]", label):
        forms = {label, label.upper(), label[:1].upper() + label[1:]}
        if label.isupper():
            forms.add(label.capitalize())
        alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?<!\d/)(?:{alternatives})(?!\w)(?!/\d)"), False
    words = [re.escape(w) for w in fold(label).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"), True


def _anchor(label: str) -> str:
    """The longest word of ``label``, folded: every text that names it holds that word once folded."""
    return max(fold(label).split(), key=len)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    target: str  # an organisation's IRI, or "" for the title of a legal text (which masks what it holds)


def _node_key(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """A subject or object as a string key: its IRI, ``_:label`` for a blank node (triple terms: their N-Triples)."""
    if isinstance(term, ox.NamedNode):
        return term.value
    return "_:" + term.value if isinstance(term, ox.BlankNode) else str(term)


@dataclass
class Matcher:
    """The names of the registry's organisations and the titles of the legal texts, compiled."""

    # (pattern, on the folded text, target, a word of the name the folded text must hold for it to match: a
    # substring test that spares most of the regular expressions, the check's cost on a large graph)
    patterns: list[tuple[re.Pattern, bool, str, str]] = field(default_factory=list)

    @classmethod
    def from_store(cls, store: ox.Store) -> "Matcher":
        names: dict[str, set[str]] = defaultdict(set)
        for row in select(store, ORGANISATIONS):
            if row["label"] is not None and row["group"].value == "false" and len(row["label"].value) > 1:
                names[row["o"].value].add(row["label"].value)
        matcher = cls()
        for org, labels in sorted(names.items()):
            matcher.patterns += [(*label_pattern(label), org, _anchor(label)) for label in sorted(labels)]
        for row in select(store, LEGAL_LABELS):
            if len(row["label"].value) >= 12:
                label = row["label"].value
                matcher.patterns.append((*label_pattern(label), "", _anchor(label)))
        return matcher

    def find(self, text: str) -> list[Match]:
        """The organisations ``text`` names, in order; the longest of overlapping matches wins."""
        folded = fold(text)
        found = [
            Match(m.start(), m.end(), target)
            for pattern, on_folded, target, anchor in self.patterns
            if anchor in folded
            for m in pattern.finditer(folded if on_folded else text)
        ]
        found.sort(key=lambda m: (m.start - m.end, m.start))
        kept: list[Match] = []
        for m in found:
            if not any(k.start < m.end and m.start < k.end for k in kept):
                kept.append(m)
        return sorted((m for m in kept if m.target), key=lambda m: m.start)


# ------------------------------------------------------------------------------------------ the graphs


@dataclass(frozen=True)
class Mention:
    """An organisation named in a stored text: where (graph, node, predicate), by which words, and whether
    the graph links it."""

    graph: str
    node: str
    predicate: str
    organisation: str
    words: str
    linked: bool = False

    def line(self) -> str:
        where = self.predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return f"{short(self.node)}\t{short(self.organisation)}\t« {self.words} »\t{where}\t{short(self.graph)}"


def short(iri: str) -> str:
    """An IRI of the dataset without its base (``org/ocrteh``, ``graph:plan-2019-2021``)."""
    if iri.startswith(ID_BASE):
        return iri[len(ID_BASE) :]
    if iri.startswith(GRAPH_BASE):
        return "graph:" + iri[len(GRAPH_BASE) :]
    return iri


@dataclass
class DocumentGraph:
    """The triples of one document graph, indexed for the link tests."""

    name: str
    out: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    citing: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # passage -> nodes citing it
    selector_of: dict[str, str] = field(default_factory=dict)  # selector -> its passage
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (node, predicate, text)
    own_texts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # squeezed, not quotes
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (passage, squeezed quote)

    def add(self, quad: ox.Quad) -> None:
        s, p, o = quad.subject, quad.predicate.value, quad.object
        subject = _node_key(s)
        if isinstance(o, ox.Literal):
            if o.language == "fr" and p not in NOT_TEXT:
                self.texts.append((subject, p, o.value))
            return
        obj = _node_key(o)
        self.out[subject].add((p, obj))
        if p == RDF_TYPE:
            self.types[subject].add(obj)
        elif p == TEH + "passage":
            self.citing[obj].add(subject)
        elif p == OA + "hasSelector":
            self.selector_of[obj] = subject

    def index(self) -> None:
        """Sort the texts into the nodes' own texts and the passages' quotes, once all triples are added."""
        for node, _, text in self.texts:
            passage = self.passage_of(node)
            if passage is None:
                self.own_texts[node].append(squeeze(text))
            else:
                self.quotes.append((passage, squeeze(text)))

    def passage_of(self, node: str) -> str | None:
        """The passage a text belongs to when it is a quote (its selector's, or its own), else None."""
        if node in self.selector_of:
            return self.selector_of[node]
        return node if TEH + "Passage" in self.types.get(node, ()) else None

    def owners(self, node: str, text: str) -> set[str]:
        """The nodes whose text this is: the node itself; for a quote, the nodes that cite its passage and
        the nodes whose own text holds it."""
        passage = self.passage_of(node)
        if passage is None:
            return {node}
        quoted = squeeze(text)
        holders = {n for n, own in self.own_texts.items() if any(quoted in t for t in own)}
        return (set(self.citing.get(passage, ())) | holders) or {node}

    def links(self, node: str, organisation: str) -> bool:
        """Whether ``node`` links ``organisation`` directly or through a qualified node of its own."""
        for _, obj in self.out.get(node, ()):
            if obj == organisation:
                return True
            qualified = obj.startswith(("_:", node + "/")) or self.types.get(obj, set()) & QUALIFIED_TYPES
            if qualified and any(o == organisation for _, o in self.out.get(obj, ())):
                return True
        return False

    def stated_elsewhere(self, node: str, text: str, words: str, organisation: str) -> bool:
        """Whether the part of this text that names ``organisation`` is stated by other nodes linking it: a
        passage quoting it (or the sentence it is part of) cited by such a node (a membership, a creation
        event), or another node's own text (a claim of an answer)."""
        squeezed, words = squeeze(text), squeeze(words)
        for passage, quote in self.quotes:
            if words in quote and (quote in squeezed or squeezed in quote):
                if any(self.links(other, organisation) for other in self.citing.get(passage, ())):
                    return True
        for other, own in self.own_texts.items():
            if other != node and self.links(other, organisation):
                if any(words in part and part in squeezed for part in own):
                    return True
        return False


def document_graphs(store: ox.Store) -> dict[str, DocumentGraph]:
    """Every document graph of ``store``, indexed."""
    graphs = {row["g"].value: DocumentGraph(row["g"].value) for row in select(store, DOCUMENT_GRAPHS)}
    for name, graph in graphs.items():
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            graph.add(quad)
        graph.index()
    return graphs


def qualified_by_linked_service(text: str, match: Match, matches: list[Match], linked: set[str]) -> bool:
    """« A (B) » where B is another organisation the node links: the role holder written is B."""
    opened = re.match(r"\s*\(", text[match.end :])
    if not opened:
        return False
    start = match.end + opened.end()
    close = text.find(")", start)
    return close >= 0 and any(
        start <= m.start and m.end <= close and m.target != match.target and m.target in linked for m in matches
    )


def mentions(store: ox.Store) -> list[Mention]:
    """Every mention of a registry organisation in the stored texts of the document graphs."""
    matcher = Matcher.from_store(store)
    organisations = {row["o"].value for row in select(store, ORGANISATIONS)}
    found: set[Mention] = set()
    for graph in document_graphs(store).values():
        for node, predicate, text in graph.texts:
            owners = graph.owners(node, text)
            if owners & organisations:
                continue  # an organisation's own names
            matches = matcher.find(text)
            linked = {m.target for m in matches if any(graph.links(owner, m.target) for owner in owners)}
            for m in matches:
                words = text[m.start : m.end]
                ok = (
                    m.target in linked
                    or qualified_by_linked_service(text, m, matches, linked)
                    or graph.stated_elsewhere(node, text, words, m.target)
                )
                for owner in owners:
                    found.add(Mention(graph.name, owner, predicate, m.target, " ".join(words.split()), ok))
    return sorted(found, key=lambda m: (m.graph, m.node, m.organisation, m.predicate, m.words))


def orphans(store: ox.Store) -> list[str]:
    """Registry organisations that take part in no statement of any document graph (:data:`ORPHANS`)."""
    return [row["o"].value for row in select(store, ORPHANS)]


# ------------------------------------------------------------------------------------------ exceptions


@dataclass(frozen=True)
class Exceptions:
    """Organisations (every mention, and the orphan check) and (node, organisation) pairs allowed unlinked,
    each with its reason."""

    organisations: dict[str, str] = field(default_factory=dict)
    pairs: dict[tuple[str, str], str] = field(default_factory=dict)

    def allows(self, mention: Mention) -> bool:
        return mention.organisation in self.organisations or (mention.node, mention.organisation) in self.pairs


def exceptions_path() -> Path:
    """``data/ttl/mention-exceptions.csv``: beside the data it is about, shipped with it (``tehkg.data``)."""
    return data_dir() / EXCEPTIONS_NAME


def _absolute(iri: str) -> str:
    iri = iri.strip()
    return iri if not iri or "://" in iri else ID_BASE + iri


def load_exceptions(path: Path | None = None) -> Exceptions:
    """The exception file: CSV with the columns ``organisation``, ``node`` (empty: every mention of the
    organisation, and its orphan check) and ``reason``; IRIs relative to the dataset's ``id/`` base;
    lines starting with ``#`` are comments. Raises ValueError for a row without organisation or reason."""
    path = path or exceptions_path()
    organisations: dict[str, str] = {}
    pairs: dict[tuple[str, str], str] = {}
    with path.open(newline="", encoding="utf-8") as stream:
        rows = csv.DictReader(line for line in stream if not line.startswith("#"))
        for number, row in enumerate(rows, start=1):
            org, node = _absolute(row.get("organisation") or ""), _absolute(row.get("node") or "")
            reason = (row.get("reason") or "").strip()
            if not org or not reason:
                raise ValueError(f"{path}: exception {number}: an organisation and a reason are required")
            if node:
                pairs[(node, org)] = reason
            else:
                organisations[org] = reason
    return Exceptions(organisations, pairs)


# ------------------------------------------------------------------------------------------ the gate


@dataclass
class Findings:
    """What the gate reports: unlinked mentions and orphan organisations that no exception allows."""

    unlinked: list[Mention]
    orphans: list[str]


def check(data: ox.Store | Iterable[ox.Quad], exceptions: Exceptions | None = None) -> Findings:
    """Unlinked mentions and orphan organisations of ``data`` (a store, or quads), minus ``exceptions``:
    by default the shipped exception file when it is there, else none."""
    if isinstance(data, ox.Store):
        store = data
    else:
        store = ox.Store()
        store.extend(data)
    if exceptions is None:
        path = exceptions_path()
        exceptions = load_exceptions(path) if path.is_file() else Exceptions()
    unlinked = [m for m in mentions(store) if not m.linked and not exceptions.allows(m)]
    return Findings(unlinked, [o for o in orphans(store) if o not in exceptions.organisations])


def add_results(report: rdflib.Graph, store: ox.Store, shapes: rdflib.Graph) -> int:
    """Add the findings of :func:`check` on ``store`` to a SHACL ``report`` graph as sh:ValidationResults of
    the checks ``tehsh:MentionsLinked`` and ``tehsh:OrganisationsTakePart`` (their severity and message are
    declared in ``shapes``, see ``shapes/mentions.ttl``); the number of results added. Does nothing when
    ``shapes`` does not declare the checks."""
    findings = check(store)
    rows = sorted({(UNLINKED_CHECK, m.node, m.organisation, m.words) for m in findings.unlinked})
    rows += [(ORPHAN_CHECK, org, org, "") for org in findings.orphans]
    node = report_node(report)
    added = 0
    for check_iri, focus, value, words in rows:
        declared = rdflib.URIRef(check_iri)
        if (declared, None, None) not in shapes:
            continue
        message = str(shapes.value(declared, SH.message)).replace("{$value}", short(value)).replace("{$words}", words)
        result = rdflib.BNode()
        report.add((node, SH.result, result))
        report.add((result, rdflib.RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, rdflib.URIRef(focus)))
        report.add((result, SH.resultSeverity, shapes.value(declared, SH.severity) or SH.Violation))
        report.add((result, SH.sourceShape, declared))
        report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report.add((result, SH.resultMessage, rdflib.Literal(message)))
        report.add((result, SH.value, rdflib.URIRef(value)))
        added += 1
    return added


def main(argv: list[str] | None = None) -> int:
    """The worklist of the shipped data (or of the RDF files and folders given), on stdout."""
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in args] or shipped_sources()
    findings = check(parse_all(collect(paths)))
    seen = set()
    for mention in findings.unlinked:
        if (line := mention.line()) not in seen:
            seen.add(line)
            print(line)
    for org in findings.orphans:
        print(f"orphan\t{short(org)}")
    print(f"{len(seen)} unlinked mention(s), {len(findings.orphans)} orphan organisation(s)", file=sys.stderr)
    return 1 if findings.unlinked or findings.orphans else 0


if __name__ == "__main__":
    sys.exit(main())
