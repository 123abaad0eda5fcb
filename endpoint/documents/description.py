"""Self-description: SPARQL 1.1 Service Description and the dataset's VoID description and DCAT-AP 3.0.0 record.

The record describes the dataset and each kept release as a version of it (DCAT 3): the dataset ``dcat:hasVersion``
every release and ``dcat:hasCurrentVersion`` the served one; each release is a ``dcat:Dataset`` at its IRI
(``vocab.RELEASE_BASE`` + its id) with its ``dcat:version``, date, creators, licence, ``adms:versionNotes``
(what changed), its dumps and its own SPARQL endpoint, and ``dcat:previousVersion`` the release before it."""

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg import __version__, formats
from tehkg.endpoint.documents.dumps import RELEASE_FORMATS
from tehkg.loader.releases import release_iri
from tehkg.vocab import (
    ADMS,
    BASE,
    CC_BY_4,
    DATASET_IRI,
    DCAT,
    DCTERMS,
    EU_AUTHORITY,
    FOAF,
    IANA_MEDIA_TYPES,
    ID_BASE,
    LINKS_GRAPH,
    METADATA_GRAPH,
    RDF,
    RDFS,
    SD,
    SKOS,
    SPDX,
    TEH,
    TRANSLATIONS_GRAPH,
    VCARD,
    VOID,
    XSD,
)

CREATORS_QUERY = f"""
SELECT DISTINCT ?creator ?name ?person WHERE {{
  GRAPH <{METADATA_GRAPH}> {{ ?doc a <{TEH}SourceDocument> ; <{DCTERMS}creator> ?creator }}
  ?creator <{SKOS}prefLabel>|<{FOAF}name> ?name FILTER(LANG(?name) = "fr" || LANG(?name) = "")
  BIND(EXISTS {{ ?creator a <{FOAF}Person> }} AS ?person)
}} ORDER BY ?name
"""

COMMENT = ox.NamedNode(RDFS + "comment")
DEFAULT_GRAPH_NOTE = (
    "The RDF merge of the named graphs: each distinct triple once, however many documents state it "
    "(FROM and default-graph-uri merge the graphs they name the same way)."
)
TRUNCATION_NOTE = (
    "Answers stop at {0} solutions or triples, in every format; a cut answer carries the HTTP headers "
    'Tehkg-Truncated: true and Tehkg-Row-Limit: {0} (and, in SPARQL JSON results, "truncated": true).'
)


def service_description(
    endpoint_url: str, graphs: list[str], federated: bool = False, max_rows: int | None = None
) -> list[ox.Triple]:
    """The sd:Service at ``endpoint_url``: languages, formats, features, dataset and graphs.

    ``federated``: SERVICE is allowed (to the endpoints of an allow-list); ``max_rows``: the cap
    at which answers are cut, said in a comment on the service."""
    sd = lambda term: ox.NamedNode(SD + term)  # noqa: E731
    a = ox.NamedNode(RDF + "type")
    service = ox.NamedNode(endpoint_url)
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, ox.NamedNode(VOID + "inDataset"), ox.NamedNode(DATASET_IRI)),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
        ox.Triple(default, COMMENT, ox.Literal(DEFAULT_GRAPH_NOTE, language="en")),
    ]
    if federated:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    if max_rows is not None:
        triples.append(ox.Triple(service, COMMENT, ox.Literal(TRUNCATION_NOTE.format(max_rows), language="en")))
    for offer in (*formats.RESULT_FORMATS, *formats.GRAPH_FORMATS):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(offer.iri)))
    for index, graph in enumerate(sorted(graphs)):
        node = ox.BlankNode(f"g{index}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, a, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(graph)),
        ]
    return triples


DATASET_QUERY = f"""
PREFIX void: <{VOID}>
PREFIX dcterms: <{DCTERMS}>
PREFIX teh: <{TEH}>
CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 . ?linkset void:triples ?links .
             <{DATASET_IRI}> dcterms:temporal <{DATASET_IRI}/temporal> .
             <{DATASET_IRI}/temporal> a dcterms:PeriodOfTime ; <{DCAT}startDate> ?start ; <{DCAT}endDate> ?end }}
WHERE {{
  {{ GRAPH ?g {{
      ?s ?p ?o
      FILTER(?s = <{DATASET_IRI}> || STRSTARTS(STR(?s), "{BASE}graph/") || STRSTARTS(STR(?s), "{DATASET_IRI}/"))
      OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }}
    }} VALUES ?g {{ <{METADATA_GRAPH}> <{TRANSLATIONS_GRAPH}> }} }}
  UNION
  {{ SELECT ?linkset (COUNT(?object) AS ?links) WHERE {{
      GRAPH <{METADATA_GRAPH}> {{
        ?linkset a void:Linkset ; void:linkPredicate ?predicate ; void:objectsTarget/void:uriSpace ?space }}
      GRAPH <{LINKS_GRAPH}> {{ ?subject ?predicate ?object }}
      FILTER(STRSTARTS(STR(?object), ?space))
    }} GROUP BY ?linkset }}
  UNION
  {{ SELECT (MIN(?day) AS ?start) (MAX(?day) AS ?end) WHERE {{
      GRAPH <{METADATA_GRAPH}> {{ ?doc a teh:SourceDocument ; dcterms:issued|dcterms:modified ?day }}
    }} }}
}}
"""
CATALOG_IRI = ID_BASE + "catalog/tehkg"
PUBLISHER_IRI = ID_BASE + "org/tehkg-editors"
LICENCE = CC_BY_4
KEYWORDS = (
    ("traite des êtres humains", "fr"),
    ("trafficking in human beings", "en"),
    ("plan d'action national", "fr"),
    ("national action plan", "en"),
    ("politique publique", "fr"),
    ("public policy", "en"),
    ("droits de l'homme", "fr"),
    ("human rights", "en"),
)
THEMES = {  # EU data-theme vocabulary: code and its labels there
    "JUST": (
        ("Justice, système juridique et sécurité publique", "fr"),
        ("Justice, legal system and public safety", "en"),
    ),
    "SOCI": (("Population et société", "fr"), ("Population and society", "en")),
}


@dataclass(frozen=True)
class Dump:
    """One served dump: where it is, the media type of its RDF, the exact bytes it serves (gzip-compressed when
    ``compressed``) and the day it was released (ISO 8601, when known)."""

    url: str
    media: str
    body: bytes
    compressed: bool = False
    issued: str | None = None

    @property
    def iri(self) -> str:
        """The distribution's IRI under the dataset (stable wherever the service runs)."""
        return f"{DATASET_IRI}/distribution/{self.media.rsplit('/', 1)[-1]}{'-gzip' if self.compressed else ''}"


def dataset_extras(endpoint_url: str, dumps: list[Dump]) -> list[ox.Triple]:
    """The DCAT-AP 3.0.0 record around the metadata graph's description: catalogue, publisher, contact
    point, themes, coverage, version, the dumps as distributions and the SPARQL endpoint as a data service."""
    n = ox.NamedNode
    ds, catalog, publisher, service = n(DATASET_IRI), n(CATALOG_IRI), n(PUBLISHER_IRI), n(DATASET_IRI + "/service")
    contact, licence = n(DATASET_IRI + "/contact"), n(LICENCE)
    a, dct, dcat, foaf = n(RDF + "type"), lambda t: n(DCTERMS + t), lambda t: n(DCAT + t), lambda t: n(FOAF + t)
    title = "tehkg — graphe de connaissances de la politique publique contre la traite des êtres humains"
    triples = [
        ox.Triple(catalog, a, dcat("Catalog")),
        ox.Triple(catalog, dct("title"), ox.Literal("Catalogue de tehkg", language="fr")),
        ox.Triple(catalog, dct("title"), ox.Literal("tehkg catalogue", language="en")),
        ox.Triple(catalog, dct("description"), ox.Literal("Le jeu de données tehkg, son point SPARQL.", language="fr")),
        ox.Triple(catalog, dct("description"), ox.Literal("The tehkg dataset and its SPARQL endpoint.", language="en")),
        ox.Triple(catalog, dct("publisher"), publisher),
        ox.Triple(catalog, dct("license"), licence),
        ox.Triple(catalog, foaf("homepage"), n(BASE)),
        ox.Triple(catalog, dcat("dataset"), ds),
        ox.Triple(catalog, dcat("service"), service),
        ox.Triple(publisher, a, foaf("Agent")),
        ox.Triple(publisher, foaf("name"), ox.Literal("Éditeurs de tehkg", language="fr")),
        ox.Triple(publisher, foaf("name"), ox.Literal("tehkg editors", language="en")),
        ox.Triple(licence, a, dct("LicenseDocument")),
        ox.Triple(ds, dct("publisher"), publisher),
        ox.Triple(ds, dcat("contactPoint"), contact),
        ox.Triple(contact, a, n(VCARD + "Kind")),
        ox.Triple(contact, n(VCARD + "fn"), ox.Literal("tehkg", language="fr")),
        ox.Triple(contact, n(VCARD + "hasURL"), n(BASE)),
        ox.Triple(ds, dct("spatial"), n(EU_AUTHORITY + "country/FRA")),
        ox.Triple(ds, dcat("version"), ox.Literal(__version__)),
        ox.Triple(ds, foaf("homepage"), n(BASE)),
        ox.Triple(ds, n(VOID + "sparqlEndpoint"), n(endpoint_url)),
        ox.Triple(service, a, dcat("DataService")),
        ox.Triple(service, dct("title"), ox.Literal("Point d'accès SPARQL 1.1 de tehkg", language="fr")),
        ox.Triple(service, dct("title"), ox.Literal("tehkg SPARQL 1.1 endpoint", language="en")),
        ox.Triple(service, dcat("endpointURL"), n(endpoint_url)),
        ox.Triple(service, dcat("endpointDescription"), n(endpoint_url)),
        ox.Triple(service, dcat("servesDataset"), ds),
        ox.Triple(service, dct("license"), licence),
        ox.Triple(service, dct("publisher"), publisher),
    ]
    triples += [ox.Triple(ds, dcat("keyword"), ox.Literal(word, language=lang)) for word, lang in KEYWORDS]
    for theme, labels in THEMES.items():
        concept = n(EU_AUTHORITY + "data-theme/" + theme)
        triples.append(ox.Triple(ds, dcat("theme"), concept))
        triples += [ox.Triple(concept, n(SKOS + "prefLabel"), ox.Literal(text, language=lang)) for text, lang in labels]
    typed = {  # what each referenced resource is, stated as the DCAT-AP shapes check it
        EU_AUTHORITY + "country/FRA": DCTERMS + "Location",
        BASE: FOAF + "Document",
        endpoint_url: RDFS + "Resource",
        SPDX + "checksumAlgorithm_sha256": SPDX + "ChecksumAlgorithm",
        **{EU_AUTHORITY + "data-theme/" + theme: SKOS + "Concept" for theme in THEMES},
        **{dump.url: RDFS + "Resource" for dump in dumps},
        **{IANA_MEDIA_TYPES + dump.media: DCTERMS + "MediaType" for dump in dumps},
        **({IANA_MEDIA_TYPES + formats.GZIP: DCTERMS + "MediaType"} if any(dump.compressed for dump in dumps) else {}),
    }
    triples += [ox.Triple(n(iri), a, n(kind)) for iri, kind in typed.items()]
    for dump in dumps:
        dist = n(dump.iri)
        checksum = n(dump.iri + "/checksum")
        triples += [
            ox.Triple(ds, dcat("distribution"), dist),
            ox.Triple(ds, n(VOID + "dataDump"), n(dump.url)),
            ox.Triple(dist, a, dcat("Distribution")),
            ox.Triple(dist, dct("title"), ox.Literal(f"{title} ({dump.url.rsplit('/', 1)[-1]})", language="fr")),
            ox.Triple(dist, dcat("accessURL"), n(dump.url)),
            ox.Triple(dist, dcat("downloadURL"), n(dump.url)),
            ox.Triple(dist, dcat("mediaType"), n(IANA_MEDIA_TYPES + dump.media)),
            ox.Triple(dist, dcat("byteSize"), ox.Literal(str(len(dump.body)), datatype=n(XSD + "nonNegativeInteger"))),
            ox.Triple(dist, dct("license"), licence),
            ox.Triple(dist, n(SPDX + "checksum"), checksum),
            ox.Triple(checksum, a, n(SPDX + "Checksum")),
            ox.Triple(checksum, n(SPDX + "algorithm"), n(SPDX + "checksumAlgorithm_sha256")),
            ox.Triple(
                checksum,
                n(SPDX + "checksumValue"),
                ox.Literal(hashlib.sha256(dump.body).hexdigest(), datatype=n(XSD + "hexBinary")),
            ),
        ]
        if dump.compressed:
            triples.append(ox.Triple(dist, dcat("compressFormat"), n(IANA_MEDIA_TYPES + formats.GZIP)))
        if dump.issued:
            triples.append(ox.Triple(dist, dct("issued"), ox.Literal(dump.issued, datatype=n(XSD + "date"))))
    return triples


@dataclass(frozen=True)
class Creator:
    """Who the citation names: the curators, then the authors of the source documents (CC BY asks for both)."""

    iri: str
    name: str
    person: bool = False


CURATORS = Creator(PUBLISHER_IRI, "Éditeurs de tehkg")
DATASET_TITLE = "tehkg — graphe de connaissances de la politique publique contre la traite des êtres humains"


@dataclass(frozen=True)
class ReleaseEntry:
    """One kept release as the record lists it: id, day, the release before it, what changed (the build's summary,
    None for the first), its SPARQL endpoint, its dump files (extension: URL) and whether it is the served one."""

    id: str
    day: str
    previous: str | None
    summary: dict | None
    endpoint_url: str | None
    files: dict[str, str]
    current: bool


def version_notes(summary: dict | None) -> str:
    """What changed in a release, in one English sentence (its ``adms:versionNotes``)."""
    if summary is None:
        return "The first release kept."
    graphs = "; ".join(f"{g} (+{c['added']} -{c['removed']})" for g, c in summary["graphs"].items()) or "none"
    entities = summary["entities"]
    return (
        f"Since {summary['from']}: {summary['added']} quads added, {summary['removed']} removed. Graphs changed: "
        f"{graphs}. Entities: {len(entities['added'])} added, {len(entities['removed'])} removed, "
        f"{len(entities['changed'])} changed."
    )


def release_triples(entries: list[ReleaseEntry], creators: list[Creator]) -> list[ox.Triple]:
    """Each release as a version of the dataset (DCAT 3 versioning, DCAT-AP 3.0.0 shapes), chained by
    ``dcat:previousVersion``, with the citation metadata: title, creators, version, date, licence, IRI."""
    n = ox.NamedNode
    a, dct, dcat = n(RDF + "type"), lambda t: n(DCTERMS + t), lambda t: n(DCAT + t)
    ds, licence, publisher = n(DATASET_IRI), n(LICENCE), n(PUBLISHER_IRI)
    kept = {entry.id for entry in entries}
    triples = []
    for creator in creators:
        triples += [
            ox.Triple(n(creator.iri), a, n(FOAF + "Agent")),
            ox.Triple(n(creator.iri), n(FOAF + "name"), ox.Literal(creator.name, language="fr")),
        ]
        if creator.person:
            triples.append(ox.Triple(n(creator.iri), a, n(FOAF + "Person")))
    for entry in entries:
        release = n(release_iri(entry.id))
        date = ox.Literal(entry.day, datatype=n(XSD + "date"))
        triples += [
            ox.Triple(ds, dcat("hasVersion"), release),
            ox.Triple(release, a, dcat("Dataset")),
            ox.Triple(release, dct("title"), ox.Literal(f"{DATASET_TITLE} ({entry.id})", language="fr")),
            ox.Triple(release, dct("description"), ox.Literal(f"Version {entry.id} de tehkg.", language="fr")),
            ox.Triple(release, dct("description"), ox.Literal(f"Release {entry.id} of tehkg.", language="en")),
            ox.Triple(release, dcat("version"), ox.Literal(entry.id)),
            ox.Triple(release, dct("issued"), date),
            ox.Triple(release, dct("publisher"), publisher),
            ox.Triple(release, dct("license"), licence),
            ox.Triple(release, dct("identifier"), ox.Literal(release_iri(entry.id))),
            ox.Triple(release, n(ADMS + "versionNotes"), ox.Literal(version_notes(entry.summary), language="en")),
            *(ox.Triple(release, dct("creator"), n(c.iri)) for c in creators),
        ]
        if entry.previous in kept:
            triples.append(ox.Triple(release, dcat("previousVersion"), n(release_iri(entry.previous or ""))))
        if entry.current:
            triples.append(ox.Triple(ds, dcat("hasCurrentVersion"), release))
        if entry.endpoint_url:
            triples.append(ox.Triple(release, n(VOID + "sparqlEndpoint"), n(entry.endpoint_url)))
        for ext, url in entry.files.items():
            dist = n(f"{release_iri(entry.id)}/distribution/{ext.replace('.', '-')}")
            media = RELEASE_FORMATS[ext.removesuffix(".gz")]
            triples += [
                ox.Triple(release, dcat("distribution"), dist),
                ox.Triple(dist, a, dcat("Distribution")),
                ox.Triple(dist, dcat("accessURL"), n(url)),
                ox.Triple(dist, dcat("downloadURL"), n(url)),
                ox.Triple(n(url), a, n(RDFS + "Resource")),
                ox.Triple(dist, dcat("mediaType"), n(IANA_MEDIA_TYPES + media)),
                ox.Triple(n(IANA_MEDIA_TYPES + media), a, dct("MediaType")),
                ox.Triple(dist, dct("license"), licence),
                ox.Triple(dist, dct("issued"), date),
            ]
            if ext.endswith(".gz"):
                triples += [
                    ox.Triple(dist, dcat("compressFormat"), n(IANA_MEDIA_TYPES + formats.GZIP)),
                    ox.Triple(n(IANA_MEDIA_TYPES + formats.GZIP), a, dct("MediaType")),
                ]
    return triples
