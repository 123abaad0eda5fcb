"""The store as the pages read it: the rows of a SELECT, and the name of each IRI in the page's language."""

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.context import Rows
from tehkg.endpoint.pages.i18n import translations
from tehkg.endpoint.pages.terms import expand, term_label
from tehkg.vocab import DCTERMS, FOAF, RDFS, SKOS

LABEL_PROPS = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", FOAF + "name")
UNSAFE_IN_IRI = set('<>" {}|^`\\')


def values_clause(iris: Iterable[str]) -> str:
    """``iris`` as the terms of a VALUES block, leaving out what cannot be written between < >."""
    return " ".join(f"<{i}>" for i in iris if ":" in i and not set(i) & UNSAFE_IN_IRI)


@dataclass(frozen=True)
class Reader:
    """What a page's gathering needs: the query runner and the page's language (``fr`` or ``en``)."""

    rows: Rows
    lang: str

    async def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """Best label of each IRI in the page's language (falling back to the other language, then any; in one
        language, the first of LABEL_PROPS it has, whatever order the store answers in); for a reused vocabulary
        term, its label from terms.py; for an unlabelled structural node, one derived from what it points to
        (:meth:`derived_labels`)."""
        wanted = set(iris)
        if not wanted:
            return {}
        props = " ".join(f"<{p}>" for p in LABEL_PROPS)
        found = await self.rows(
            f"SELECT ?s ?p ?l {{ VALUES ?s {{ {values_clause(wanted)} }} VALUES ?p {{ {props} }} ?s ?p ?l }}"
        )
        best: dict[str, tuple[tuple[int, int], str]] = {}
        for r in found:
            language = getattr(r["l"], "language", None)
            rank = (0 if language == self.lang else 1 if language else 2, LABEL_PROPS.index(r["p"].value))
            iri = r["s"].value
            if iri not in best or rank < best[iri][0]:
                best[iri] = (rank, r["l"].value)
        names = {iri: label for iri, (_, label) in best.items()}
        names.update({i: t for i in wanted - names.keys() if (t := term_label(i, self.lang))})
        return names | await self.derived_labels(wanted - names.keys())

    async def derived_labels(self, iris: set[str]) -> dict[str, str]:
        """Labels of unlabelled structural nodes from what they point to: a participation or membership as « role :
        organisation », a VoID partition by its class or property, a passage by its locator, an observation by its
        indicator and year, an annotation by kind and number; any other typed node by its class."""
        values = values_clause(iris)
        if not values:
            return {}
        found = await self.rows(f"""SELECT ?s ?rank ?role ?who ?part ?type ?n ?by {{ VALUES ?s {{ {values} }}
            {{ ?s <{expand("cv:role")}>|<{expand("org:role")}> ?role ;
                 <{expand("cv:hasParticipant")}>|<{expand("org:organization")}> ?who BIND(0 AS ?rank) }}
            UNION {{ ?s <{expand("void:class")}>|<{expand("void:property")}>|<{expand("teh:locator")}> ?part
              BIND(0 AS ?rank) }}
            UNION {{ ?s <{expand("teh:indicator")}> ?part ; <{expand("teh:refYear")}> ?n BIND(0 AS ?rank) }}
            UNION {{ ?s a ?type ; <{expand("skos:notation")}> ?n FILTER(STRSTARTS(STR(?type), "{expand("teh:")}"))
              OPTIONAL {{ ?s <{expand("dcterms:creator")}> ?by }} BIND(1 AS ?rank) }}
            UNION {{ ?s a ?type BIND(2 AS ?rank) }} }}""")
        keys = ("role", "who", "part", "type", "by")
        targets = {r[k].value for r in found for k in keys if isinstance(r.get(k), ox.NamedNode)}
        names = await self.labels(targets)
        role_of = translations(self.lang).gettext("%(role)s: %(who)s")
        out: dict[str, tuple[int, str]] = {}
        for r in found:
            name = {k: names.get(r[k].value, r[k].value) for k in keys if k in r}
            if "role" in r:
                label = role_of % {"role": name["role"], "who": name["who"]}
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
