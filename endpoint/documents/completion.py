"""What the query editor offers as the researcher types, read from the served graph, and the names of IRIs in a
language.

The vocabulary (computed once per store version, then kept): the prefixes the editor declares; the classes and
properties of the ontology and of the data (the VoID class and property partitions: every class with an
instance, every predicate used), each with its labels by language; for each predicate, the classes of its objects;
the classes of every entity. Names come from the search index (labels, acronyms, spelling variants).

A completion reads the query before the cursor to know where the cursor stands in its triple pattern (QLever's
context-sensitive completion): in predicate position it offers properties; after ``a`` (or ``rdf:type``) classes;
in object position after a predicate, the entities of the classes that occur as objects of that predicate, by
label, acronym or variant; anywhere else prefixes, classes and entities. Inputs are bounded, answers cached.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from tehkg.endpoint.context import Context
from tehkg.loader.search_index import SearchIndex, fold
from tehkg.vocab import EXTRA_PREFIXES, PREFIXES, RDF, sparql_prefixes

MAX_TOKEN_CHARS = 100  # the word being typed
MAX_CONTEXT_CHARS = 4000  # the query before it: only its end is read
MAX_RESULTS = 50
MAX_LABEL_IRIS = 500  # IRIs named by one labels request
MAX_IRI_CHARS = 2000
ANSWERS_KEPT = 2048  # completions remembered per store version
RDF_TYPE = RDF + "type"
KNOWN_PREFIXES = PREFIXES | EXTRA_PREFIXES

TERMS_QUERY = (
    sparql_prefixes("rdf", "rdfs", "owl", "skos")
    + """
SELECT DISTINCT ?term ?kind WHERE {
  { VALUES ?type { owl:Class rdfs:Class } ?term a ?type BIND("class" AS ?kind) }
  UNION { [] a ?term BIND("class" AS ?kind) }
  UNION { VALUES ?type { owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty rdf:Property }
          ?term a ?type BIND("property" AS ?kind) }
  UNION { SELECT DISTINCT ?term ("property" AS ?kind) { [] ?term [] } }
  FILTER(isIRI(?term))
}"""
)
NAMES_QUERY = (
    sparql_prefixes("rdfs", "skos", "foaf", "dcterms")
    + """
SELECT ?s ?rank ?label WHERE {
  VALUES (?p ?rank) { (skos:prefLabel 0) (rdfs:label 1) (foaf:name 2) (dcterms:title 3) }
  ?s ?p ?label FILTER(isIRI(?s) && isLiteral(?label))
} ORDER BY ?rank"""
)
OBJECT_CLASSES_QUERY = "SELECT DISTINCT ?p ?class WHERE { [] ?p ?o . ?o a ?class FILTER(isIRI(?class)) }"
OBJECTS_QUERY = """SELECT ?p ?o (COUNT(*) AS ?uses) WHERE { [] ?p ?o FILTER(isIRI(?o)) }
GROUP BY ?p ?o ORDER BY ?p DESC(?uses) ?o"""
ENTITY_CLASSES_QUERY = "SELECT DISTINCT ?entity ?class WHERE { ?entity a ?class FILTER(isIRI(?entity)) }"

TOKEN = re.compile(
    r"""(?P<skip>\#[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"|(?P<iri><[^<>\"\s]*>)|(?P<pname>[A-Za-z][\w.-]*?:[\w.%-]*|:[\w.%-]*)|(?P<var>[?$]\w+)"
    r"|(?P<punct>[{}.;,()\[\]])|(?P<word>\w+)"
)
LOCAL_NAME = re.compile(r"(?:\w[\w-]*)?")  # a local name a prefixed name can show as it is
PREFIX_DECLARATION = re.compile(r"PREFIX\s+([\w-]*):\s*<([^<>\s]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """A class or property with its labels by language."""

    iri: str
    kind: str  # "class" or "property"
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Vocabulary:
    """What completion and naming read, for one store version."""

    terms: dict[str, Term]
    labels: dict[str, dict[str, str]]  # IRI -> language ("" for none) -> its best name there
    object_classes: dict[str, frozenset[str]]  # predicate -> classes of its objects
    objects: dict[str, list[str]]  # predicate -> its most used IRI objects, most used first
    entity_classes: dict[str, frozenset[str]]  # entity -> its classes
    index: SearchIndex
    answers: OrderedDict = field(default_factory=OrderedDict)  # the latest completions, least recent first
    answers_lock: threading.Lock = field(default_factory=threading.Lock)  # completions run in threads


@dataclass(frozen=True)
class Position:
    """Where the cursor stands in a triple pattern: ``subject``, ``predicate`` or ``object`` (with the predicate's
    IRI when known); ``prefixes`` are the query's declarations with the editor's."""

    place: str
    predicate: str | None
    prefixes: dict[str, str]


class CompletionInputTooLong(ValueError):
    """A word or a context past the bounds above."""


async def vocabulary(ctx: Context) -> Vocabulary:
    """The served store's vocabulary, computed at the first request for this store version."""
    version = ctx.engine.version()
    kept = _VOCABULARIES.get("current")
    if kept and kept[0] == version:
        return kept[1]
    labels: dict[str, dict[str, str]] = {}
    for row in await ctx.rows(NAMES_QUERY):  # best naming property first
        labels.setdefault(row["s"].value, {}).setdefault(row["label"].language or "", row["label"].value)
    kinds: dict[str, str] = {}
    for row in await ctx.rows(TERMS_QUERY):
        kinds.setdefault(row["term"].value, row["kind"].value)  # a class also used as a predicate stays a class
    object_classes: dict[str, set[str]] = {}
    for row in await ctx.rows(OBJECT_CLASSES_QUERY):
        object_classes.setdefault(row["p"].value, set()).add(row["class"].value)
    objects: dict[str, list[str]] = {}
    for row in await ctx.rows(OBJECTS_QUERY):
        most_used = objects.setdefault(row["p"].value, [])
        if len(most_used) < MAX_RESULTS:
            most_used.append(row["o"].value)
    entity_classes: dict[str, set[str]] = {}
    for row in await ctx.rows(ENTITY_CLASSES_QUERY):
        entity_classes.setdefault(row["entity"].value, set()).add(row["class"].value)
    found = Vocabulary(
        terms={iri: Term(iri, kind, labels.get(iri, {})) for iri, kind in kinds.items()},
        labels=labels,
        object_classes={p: frozenset(c) for p, c in object_classes.items()},
        objects=objects,
        entity_classes={e: frozenset(c) for e, c in entity_classes.items()},
        index=await ctx.engine.search_index(),
    )
    _VOCABULARIES["current"] = (version, found)
    return found


_VOCABULARIES: dict[str, tuple[str | None, Vocabulary]] = {}


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` as a prefixed name when a prefix covers it with a plain local name (the longest namespace; the first
    of ``prefixes`` among equals), else ``<iri>``."""
    best: str | None = None
    for name, namespace in prefixes.items():
        if (
            iri.startswith(namespace)
            and LOCAL_NAME.fullmatch(iri[len(namespace) :])
            and (best is None or len(namespace) > len(prefixes[best]))
        ):
            best = name
    return f"<{iri}>" if best is None else f"{best}:{iri[len(prefixes[best]) :]}"


def expand(token: str, prefixes: dict[str, str]) -> str | None:
    """The IRI a prefixed name or ``<iri>`` stands for (``a`` is rdf:type); None when unknown."""
    if token == "a":
        return RDF_TYPE
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    name, _, local = token.partition(":")
    return prefixes[name] + local if name in prefixes and _ == ":" else None


def position(context: str) -> Position:
    """Where a word typed after ``context`` stands in its triple pattern."""
    declared = {m.group(1): m.group(2) for m in PREFIX_DECLARATION.finditer(context)}
    # the query's own declarations first: where two prefixes name one namespace, ``compact`` keeps the first
    prefixes = declared | {name: iri for name, iri in KNOWN_PREFIXES.items() if name not in declared}
    place, predicate = "subject", None
    depth = 0  # inside ( ): an expression, not a triple pattern
    for match in TOKEN.finditer(context):
        kind, text = match.lastgroup, match.group()
        if kind == "skip":
            if text.startswith("#"):
                continue
            kind = "literal"
        if kind == "punct":
            if text == "(":
                depth += 1
            elif text == ")":
                depth = max(0, depth - 1)
            elif text in "{}.":
                place, predicate = "subject", None
            elif text == ";":
                place, predicate = "predicate", None
            elif text == ",":
                place = "object"
            continue
        if depth:
            continue
        if kind == "word" and text != "a":
            place, predicate = "subject", None  # a keyword: SELECT, FILTER, PREFIX…
            continue
        if place == "subject":
            place = "predicate"
        elif place == "predicate":
            predicate, place = text, "object"
        elif place == "object":
            place = "after"
    iri = expand(predicate, prefixes) if predicate and place == "object" else None
    return Position("subject" if place == "after" else place, iri, prefixes)


def name_typed(words: str, context: str) -> tuple[str, str]:
    """What of ``words`` (separated by single spaces, typed after ``context``) is one name to complete, and the
    query before it: the longest run of the last words that starts a term in object position (« Code pénal »
    after teh:refersTo), else the last word."""
    parts = words.split(" ")
    for start in range(len(parts) - 1):
        before = context + "".join(part + " " for part in parts[:start])
        if before[-1:].isspace() and position(before).place == "object":
            return " ".join(parts[start:]), before
    return parts[-1], context + "".join(part + " " for part in parts[:-1])


def complete(found: Vocabulary, word: str, context: str, lang: str, limit: int = 20) -> dict:
    """The completions of ``word`` typed after ``context``: ``word`` the part of it they replace (a name of
    several words in object position, else its last word: ``name_typed``), ``position`` (subject, predicate or
    object, and the predicate) and ``results``, each ``{"apply", "label", "kind", "iri"}``, best first."""
    if len(word) > MAX_TOKEN_CHARS:
        raise CompletionInputTooLong(f"the word to complete may hold at most {MAX_TOKEN_CHARS} characters")
    if len(context) > MAX_CONTEXT_CHARS:
        raise CompletionInputTooLong(f"the context may hold at most {MAX_CONTEXT_CHARS} characters")
    word, context = name_typed(word, context)
    where = position(context)
    limit = max(1, min(limit, MAX_RESULTS))
    custom = tuple(sorted((k, v) for k, v in where.prefixes.items() if KNOWN_PREFIXES.get(k) != v))
    key = (word, where.place, where.predicate, custom, lang, limit)
    with found.answers_lock:
        results = found.answers.get(key)
        if results is not None:
            found.answers.move_to_end(key)
    if results is None:
        results = _offers(found, word, where, lang)[:limit]
        with found.answers_lock:
            found.answers[key] = results
            if len(found.answers) > ANSWERS_KEPT:
                found.answers.popitem(last=False)
    return {"word": word, "position": {"place": where.place, "predicate": where.predicate}, "results": results}


def _offers(found: Vocabulary, word: str, where: Position, lang: str) -> list[dict]:
    if where.place == "predicate":
        offers = _terms(found, word, where, lang, "property")
        if "a".startswith(word):
            offers.insert(0, {"apply": "a", "label": "a", "kind": "keyword", "iri": RDF_TYPE})
        return offers
    if where.place == "object" and where.predicate == RDF_TYPE:
        return _terms(found, word, where, lang, "class")
    if where.place == "object" and not _searchable(word):
        return _used_objects(found, where, lang)
    if where.place == "object":
        return _entities(found, word, where, lang, found.object_classes.get(where.predicate or ""))
    return _prefixes(word, where) + _terms(found, word, where, lang, "class") + _entities(found, word, where, lang)


def _prefixes(word: str, where: Position) -> list[dict]:
    if ":" in word:
        return []
    return [
        {"apply": f"{name}:", "label": namespace, "kind": "prefix", "iri": namespace}
        for name, namespace in sorted(where.prefixes.items())
        if word and name.startswith(word.lower())
    ]


def label_in(labels: dict[str, str], lang: str) -> str:
    """The label in ``lang``, else one without language, else any."""
    return labels.get(lang) or labels.get("") or next(iter(labels.values()), "")


def _terms(found: Vocabulary, word: str, where: Position, lang: str, kind: str) -> list[dict]:
    folded = fold(word)
    ranked = []
    for term in found.terms.values():
        if term.kind != kind:
            continue
        name = compact(term.iri, where.prefixes)
        label = label_in(term.labels, lang)
        if fold(name).startswith(folded) or (":" in name and fold(name.partition(":")[2]).startswith(folded)):
            rank = 0
        elif folded and any(fold(text).startswith(folded) for text in term.labels.values()):
            rank = 1
        elif folded and len(folded) > 2 and any(folded in fold(text) for text in term.labels.values()):
            rank = 2
        else:
            continue
        ranked.append((rank, name.startswith("<"), len(name), name, {"apply": name, "label": label, "kind": kind}))
    ranked.sort(key=lambda r: r[:4])
    return [{**offer, "iri": expand(offer["apply"], where.prefixes)} for *_, offer in ranked]


def _searchable(word: str) -> bool:
    """Whether ``word`` holds enough of a name (two letters or digits past any prefix) to search the index."""
    text = word.partition(":")[2] if ":" in word and not word.startswith("<") else word.lstrip("<")
    return len(fold(text).strip()) >= 2


def _used_objects(found: Vocabulary, where: Position, lang: str) -> list[dict]:
    """Before a name is typed in object position: the IRIs most used as objects of the predicate (QLever's
    completion by what occurs there)."""
    offers = []
    for iri in found.objects.get(where.predicate or "", []):
        name = compact(iri, where.prefixes)
        kind = found.terms[iri].kind if iri in found.terms else "entity"
        offers.append({"apply": name, "label": label_in(found.labels.get(iri, {}), lang), "kind": kind, "iri": iri})
    return offers


def _entities(
    found: Vocabulary, word: str, where: Position, lang: str, classes: frozenset[str] | None = None
) -> list[dict]:
    if not _searchable(word):
        return []
    text = word.partition(":")[2] if ":" in word and not word.startswith("<") else word.lstrip("<")
    offers = []
    for hit in found.index.search(text, MAX_RESULTS * 4):
        if classes is not None and not (found.entity_classes.get(hit.iri, frozenset()) & classes):
            continue
        if hit.iri in found.terms:
            continue
        name = compact(hit.iri, where.prefixes)
        if ":" in word and not word.startswith("<") and not name.startswith(word.partition(":")[0] + ":"):
            continue
        label = label_in(found.labels.get(hit.iri, {}), lang) or hit.text
        offers.append({"apply": name, "label": label, "kind": "entity", "matched": hit.text})
        if len(offers) >= MAX_RESULTS:
            break
    return [{**offer, "iri": expand(offer["apply"], where.prefixes)} for offer in offers]


def names(found: Vocabulary, iris: list[str], lang: str) -> dict[str, str]:
    """A label of each IRI that has one, in ``lang`` when it has one there: its preferred label, else its
    rdfs:label, name or title."""
    if len(iris) > MAX_LABEL_IRIS or any(len(iri) > MAX_IRI_CHARS for iri in iris):
        raise CompletionInputTooLong(f"at most {MAX_LABEL_IRIS} IRIs of at most {MAX_IRI_CHARS} characters")
    return {iri: label_in(found.labels[iri], lang) for iri in iris if found.labels.get(iri)}
