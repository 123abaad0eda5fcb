"""French and English labels of the reused vocabulary terms (W3C, EU, Dublin Core…) the pages show.

The tehkg ontology labels its own terms; the terms it reuses from other vocabularies carry no label in the
store, so the pages name them from this table instead of printing a CURIE."""

import pyoxigraph as ox

from tehkg.vocab import EXTRA_PREFIXES, PREFIXES

_LABELS: dict[str, tuple[str, str]] = {
    # classes
    "eli:LegalResource": ("texte juridique", "legal resource"),
    "eli:LegalResourceSubdivision": ("subdivision d'un texte juridique", "legal resource subdivision"),
    "eli:ResourceType": ("type de document", "resource type"),
    "cv:Participation": ("participation", "participation"),
    "qb:DataSet": ("jeu de données statistiques", "statistical dataset"),
    "qb:DataStructureDefinition": ("structure de données", "data structure definition"),
    "qb:DimensionProperty": ("dimension", "dimension"),
    "qb:Observation": ("observation", "observation"),
    "void:Dataset": ("jeu de données", "dataset"),
    "void:Linkset": ("jeu de liens", "linkset"),
    "dcat:Dataset": ("jeu de données", "dataset"),
    "rdf:Statement": ("énoncé", "statement"),
    "owl:Class": ("classe", "class"),
    "owl:ObjectProperty": ("propriété d'objet", "object property"),
    "owl:DatatypeProperty": ("propriété de donnée", "datatype property"),
    "owl:Ontology": ("ontologie", "ontology"),
    "skos:Concept": ("concept", "concept"),
    "skos:ConceptScheme": ("schéma de concepts", "concept scheme"),
    "oa:TextQuoteSelector": ("citation", "text quote"),
    "org:Organization": ("organisation", "organisation"),
    "prov:Agent": ("agent", "agent"),
    "prov:Entity": ("entité", "entity"),
    "foaf:Person": ("personne", "person"),
    "foaf:Agent": ("agent", "agent"),
    "foaf:Document": ("document", "document"),
    "org:Role": ("fonction", "role"),
    "org:Membership": ("appartenance", "membership"),
    "org:ChangeEvent": ("changement d'organisation", "change event"),
    "org:Post": ("poste", "post"),
    "org:OrganizationalUnit": ("unité", "organisational unit"),
    "org:FormalOrganization": ("organisation formelle", "formal organisation"),
    "time:Interval": ("intervalle de temps", "time interval"),
    "time:Instant": ("instant", "instant"),
    "prov:Plan": ("plan", "plan"),
    "prov:Activity": ("activité", "activity"),
    "oa:Annotation": ("annotation", "annotation"),
    "oa:SpecificResource": ("partie de document", "specific resource"),
    "xsd:gYear": ("année", "year"),
    "xsd:date": ("date", "date"),
    "xsd:string": ("texte", "text"),
    "xsd:integer": ("nombre entier", "integer"),
    "xsd:decimal": ("nombre décimal", "decimal"),
    "rdf:langString": ("texte avec langue", "text with language"),
    # properties
    "rdf:type": ("type", "type"),
    "rdf:subject": ("sujet", "subject"),
    "rdf:predicate": ("prédicat", "predicate"),
    "rdf:object": ("objet", "object"),
    "rdfs:label": ("libellé", "label"),
    "rdfs:comment": ("commentaire", "comment"),
    "rdfs:domain": ("domaine", "domain"),
    "rdfs:range": ("portée", "range"),
    "rdfs:isDefinedBy": ("défini par", "defined by"),
    "rdfs:seeAlso": ("voir aussi", "see also"),
    "rdfs:subClassOf": ("sous-classe de", "subclass of"),
    "rdfs:subPropertyOf": ("sous-propriété de", "subproperty of"),
    "owl:disjointWith": ("disjointe de", "disjoint with"),
    "owl:sameAs": ("identique à", "same as"),
    "owl:versionIRI": ("IRI de version", "version IRI"),
    "owl:versionInfo": ("version", "version"),
    "eli:based_on": ("pris en application de", "based on"),
    "eli:date_document": ("date du texte", "date of the document"),
    "eli:date_publication": ("date de publication", "date of publication"),
    "eli:id_local": ("identifiant local", "local identifier"),
    "eli:is_part_of": ("fait partie de", "is part of"),
    "eli:type_document": ("type de texte", "type of document"),
    "cv:hasParticipant": ("participant", "participant"),
    "cv:hasParticipation": ("participation", "participation"),
    "cv:role": ("rôle", "role"),
    "dcterms:abstract": ("résumé", "abstract"),
    "dcterms:audience": ("public", "audience"),
    "dcterms:contributor": ("contributeur", "contributor"),
    "dcterms:creator": ("auteur", "creator"),
    "dcterms:date": ("date", "date"),
    "dcterms:description": ("description", "description"),
    "dcterms:isPartOf": ("fait partie de", "is part of"),
    "dcterms:issued": ("date de parution", "issued"),
    "dcterms:language": ("langue", "language"),
    "dcterms:license": ("licence", "licence"),
    "dcterms:modified": ("date de modification", "modified"),
    "dcterms:publisher": ("éditeur", "publisher"),
    "dcterms:references": ("cite", "references"),
    "dcterms:relation": ("en relation avec", "relation"),
    "dcterms:rights": ("droits", "rights"),
    "dcterms:source": ("source", "source"),
    "dcterms:spatial": ("couverture géographique", "spatial coverage"),
    "dcterms:subject": ("sujet", "subject"),
    "dcterms:title": ("titre", "title"),
    "dcterms:type": ("type de document", "type"),
    "qb:attribute": ("attribut", "attribute"),
    "qb:component": ("composante", "component"),
    "qb:componentRequired": ("composante obligatoire", "component required"),
    "qb:concept": ("concept", "concept"),
    "qb:dataSet": ("jeu de données", "dataset"),
    "qb:dimension": ("dimension", "dimension"),
    "qb:measure": ("mesure statistique", "measure"),
    "qb:order": ("ordre", "order"),
    "qb:structure": ("structure", "structure"),
    "sdmx-attribute:unitMeasure": ("unité de mesure", "unit of measure"),
    "sdmx-attribute:unitMult": ("multiplicateur d'unité", "unit multiplier"),
    "sdmx-measure:obsValue": ("valeur observée", "observed value"),
    "bibo:pages": ("pages", "pages"),
    "vann:preferredNamespacePrefix": ("préfixe d'espace de noms", "preferred namespace prefix"),
    "vann:preferredNamespaceUri": ("espace de noms", "preferred namespace URI"),
    "void:class": ("classe", "class"),
    "void:classPartition": ("partition par classe", "class partition"),
    "void:classes": ("nombre de classes", "classes"),
    "void:entities": ("nombre d'entités", "entities"),
    "void:exampleResource": ("ressource exemple", "example resource"),
    "void:linkPredicate": ("propriété de lien", "link predicate"),
    "void:objectsTarget": ("cible des objets", "objects target"),
    "void:properties": ("nombre de propriétés", "properties"),
    "void:property": ("propriété", "property"),
    "void:propertyPartition": ("partition par propriété", "property partition"),
    "void:sparqlEndpoint": ("point d'accès SPARQL", "SPARQL endpoint"),
    "void:subjectsTarget": ("cible des sujets", "subjects target"),
    "void:subset": ("sous-ensemble", "subset"),
    "void:triples": ("nombre de triplets", "triples"),
    "void:uriSpace": ("espace d'IRI", "URI space"),
    "void:vocabulary": ("vocabulaire", "vocabulary"),
    "skos:altLabel": ("autre libellé", "alternative label"),
    "skos:closeMatch": ("correspondance proche", "close match"),
    "skos:definition": ("définition", "definition"),
    "skos:exactMatch": ("correspondance exacte", "exact match"),
    "skos:hasTopConcept": ("concept de tête", "top concept"),
    "skos:inScheme": ("dans le schéma", "in scheme"),
    "skos:notation": ("numéro", "notation"),
    "skos:note": ("note", "note"),
    "skos:prefLabel": ("libellé", "label"),
    "skos:related": ("en relation avec", "related"),
    "skos:scopeNote": ("note d'application", "scope note"),
    "skos:topConceptOf": ("concept de tête de", "top concept of"),
    "oa:bodyValue": ("texte", "body"),
    "oa:exact": ("citation exacte", "exact quote"),
    "oa:hasSelector": ("sélecteur", "selector"),
    "oa:hasSource": ("document source", "source"),
    "oa:hasTarget": ("porte sur", "target"),
    "org:classification": ("type d'organisation", "classification"),
    "org:headOf": ("dirige", "head of"),
    "org:memberOf": ("membre de", "member of"),
    "org:subOrganizationOf": ("rattachée à", "sub-organisation of"),
    "prov:endedAtTime": ("fin", "ended at"),
    "prov:startedAtTime": ("début", "started at"),
    "prov:used": ("a utilisé", "used"),
    "prov:wasAttributedTo": ("attribué à", "attributed to"),
    "prov:wasDerivedFrom": ("dérivé de", "derived from"),
    "foaf:name": ("nom", "name"),
    "org:role": ("fonction", "role"),
    "org:organization": ("organisation", "organisation"),
    "org:member": ("membre", "member"),
    "org:memberDuring": ("période d'appartenance", "member during"),
    "org:resultedFrom": ("issue du changement", "resulted from"),
    "org:resultingOrganization": ("organisation issue du changement", "resulting organisation"),
    "org:originalOrganization": ("organisation d'origine", "original organisation"),
    "org:changedBy": ("modifiée par", "changed by"),
    "org:hasMember": ("a pour membre", "has member"),
    "org:hasMembership": ("appartenance", "membership"),
    "org:hasSubOrganization": ("a pour composante", "has sub-organisation"),
    "org:hasUnit": ("a pour unité", "has unit"),
    "org:unitOf": ("unité de", "unit of"),
    "org:holds": ("occupe le poste", "holds"),
    "org:heldBy": ("occupé par", "held by"),
    "org:postIn": ("poste au sein de", "post in"),
    "org:hasPost": ("a pour poste", "has post"),
    "org:purpose": ("mission", "purpose"),
    "org:identifier": ("identifiant", "identifier"),
    "prov:atTime": ("date", "at time"),
    "prov:generatedAtTime": ("date de production", "generated at"),
    "time:hasTime": ("date", "time"),
    "time:inXSDgYear": ("année", "year"),
    "time:before": ("avant", "before"),
    "time:after": ("après", "after"),
    "time:intervalMeets": ("suivi immédiatement de", "interval meets"),
    "time:inXSDgYearMonth": ("mois", "month"),
    "time:inXSDDate": ("date", "date"),
    "time:inside": ("comprend l'instant", "inside"),
    "time:hasBeginning": ("début", "beginning"),
    "time:hasEnd": ("fin", "end"),
    "dcterms:dateAccepted": ("date d'adoption", "date accepted"),
    "prov:wasAssociatedWith": ("associé à", "associated with"),
    "sdmx-concept:refPeriod": ("période de référence", "reference period"),
    "foaf:primaryTopic": ("sujet principal", "primary topic"),
}


_NAMESPACES = PREFIXES | EXTRA_PREFIXES


def _expand(curie: str) -> str:
    prefix, _, name = curie.partition(":")
    return _NAMESPACES[prefix] + name


TERM_LABELS: dict[str, dict[str, str]] = {
    lang: {_expand(curie): pair[i] for curie, pair in _LABELS.items()} for i, lang in enumerate(("fr", "en"))
}


def term_label(iri: str, lang: str) -> str | None:
    """The label of a reused vocabulary term in ``lang`` (``fr`` or ``en``), None for other IRIs."""
    return TERM_LABELS[lang].get(iri)


async def derived_labels(rows, iris: set[str], lang: str, labels) -> dict[str, str]:  # noqa: ANN001
    """Labels of unlabelled structural nodes from what they point to: a participation or membership as « role :
    organisation », a VoID partition by its class or property, a passage by its locator, an observation by its
    indicator and year, an annotation by kind and number; any other typed node by its class."""
    values = " ".join(f"<{i}>" for i in iris if ":" in i and not set(i) & set('<>" {}|^`\\'))
    if not values:
        return {}
    found = await rows(f"""SELECT ?s ?rank ?role ?who ?part ?type ?n ?by {{ VALUES ?s {{ {values} }}
        {{ ?s <{_expand("cv:role")}>|<{_expand("org:role")}> ?role ;
             <{_expand("cv:hasParticipant")}>|<{_expand("org:organization")}> ?who BIND(0 AS ?rank) }}
        UNION {{ ?s <{_expand("void:class")}>|<{_expand("void:property")}>|<{_expand("teh:locator")}> ?part
          BIND(0 AS ?rank) }}
        UNION {{ ?s <{_expand("teh:indicator")}> ?part ; <{_expand("teh:refYear")}> ?n BIND(0 AS ?rank) }}
        UNION {{ ?s a ?type ; <{_expand("skos:notation")}> ?n FILTER(STRSTARTS(STR(?type), "{_expand("teh:")}"))
          OPTIONAL {{ ?s <{_expand("dcterms:creator")}> ?by }} BIND(1 AS ?rank) }}
        UNION {{ ?s a ?type BIND(2 AS ?rank) }} }}""")
    keys = ("role", "who", "part", "type", "by")
    targets = {r[k].value for r in found for k in keys if isinstance(r.get(k), ox.NamedNode)}
    names = await labels(rows, targets, lang) if targets else {}
    colon = " : " if lang == "fr" else ": "
    out: dict[str, tuple[int, str]] = {}
    for r in found:
        name = {k: names.get(r[k].value, r[k].value) for k in keys if k in r}
        if "role" in r:
            label = name["role"] + colon + name["who"]
        elif "part" in r:
            label = name["part"] + (f" ({r['n'].value})" if "n" in r else "")
        elif "n" in r:
            label = f"{name['type'].capitalize()} {r['n'].value}" + (f" — {name['by']}" if "by" in name else "")
        elif r["type"].value in names:
            label = names[r["type"].value].capitalize()
        else:
            continue
        rank = int(r["rank"].value)
        if r["s"].value not in out or rank < out[r["s"].value][0]:
            out[r["s"].value] = (rank, label)
    return {iri: label for iri, (_, label) in out.items()}
