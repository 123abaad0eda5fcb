"""How to cite a release: the same metadata as the record (title, creators, version, date, licence, IRI) written
as BibTeX, CSL-JSON (what Zotero and citeproc read) and schema.org ``Dataset`` JSON-LD (what Google Dataset Search
reads from the landing page)."""

import json
from dataclasses import dataclass

from tehkg import __version__
from tehkg.endpoint.context import Context
from tehkg.endpoint.documents import dumps
from tehkg.endpoint.documents.description import CREATORS_QUERY, CURATORS, DATASET_TITLE, Creator
from tehkg.loader.releases import release_iri
from tehkg.vocab import BASE, CC_BY_4, DATASET_IRI, SCHEMA

BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_{}"})


@dataclass(frozen=True)
class Citation:
    """A release as a reference: its IRI is where a reader finds the same data again."""

    title: str
    creators: list[Creator]
    version: str
    day: str | None
    iri: str
    licence: str = CC_BY_4

    @property
    def year(self) -> str | None:
        return self.day[:4] if self.day else None

    def bibtex(self) -> str:
        """A BibTeX ``@misc`` entry (biblatex reads it too); organisations braced so that no name is split."""
        key = "tehkg_" + "".join(c if c.isalnum() else "_" for c in self.version)
        authors = " and ".join("{" + c.name.translate(BIBTEX_SPECIAL) + "}" for c in self.creators)
        fields = {
            "title": "{" + self.title.translate(BIBTEX_SPECIAL) + "}",
            "author": authors,
            "year": self.year,
            "version": self.version,
            "url": self.iri,
            "note": f"Dataset, licence CC BY 4.0 ({self.licence})",
        }
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
        return f"@misc{{{key},\n{body}\n}}\n"

    def csl(self) -> dict:
        """The reference as CSL-JSON (one item)."""
        item: dict = {
            "id": self.iri,
            "type": "dataset",
            "title": self.title,
            "author": [{"literal": c.name} for c in self.creators],
            "version": self.version,
            "URL": self.iri,
            "publisher": CURATORS.name,
            "license": self.licence,
        }
        if self.day:
            item["issued"] = {"date-parts": [[int(part) for part in self.day.split("-")]]}
        return item

    def csl_json(self) -> str:
        return json.dumps([self.csl()], ensure_ascii=False, indent=1)

    def schema_org(self) -> dict:
        """The release as a schema.org ``Dataset`` (JSON-LD with an inline ``@vocab``: no remote context to fetch)."""
        data: dict = {
            "@context": {"@vocab": SCHEMA},
            "@type": "Dataset",
            "@id": self.iri,
            "name": self.title,
            "description": (
                "Graphe de connaissances traçable de la politique publique française contre la traite des êtres "
                "humains, tiré de cinq documents publics."
            ),
            "url": BASE,
            "identifier": self.iri,
            "version": self.version,
            "license": self.licence,
            "isAccessibleForFree": True,
            "isBasedOn": DATASET_IRI,
            "creator": [
                {"@type": "Person" if c.person else "Organization", "@id": c.iri, "name": c.name} for c in self.creators
            ],
        }
        if self.day:
            data["datePublished"] = self.day
        return data

    def for_page(self) -> dict:
        """What the landing page's « Citer » box shows (plain data: the pages know no Citation)."""
        return {
            "title": self.title,
            "creators": [c.name for c in self.creators],
            "version": self.version,
            "year": self.year,
            "iri": self.iri,
            "bibtex": self.bibtex(),
            "csl_json": self.csl_json(),
            "schema_org": self.schema_org(),
        }


async def served_citation(ctx: Context) -> Citation:
    """The citation of the served release (over ``--backend``: the package version, no release IRI of its own)."""
    creators = [CURATORS] + [
        Creator(row["creator"].value, row["name"].value, row["person"].value == "true")
        for row in await ctx.rows(CREATORS_QUERY)
    ]
    unique = list({c.iri: c for c in creators}.values())
    served = dumps.served_release(ctx)
    if served is None:
        return Citation(DATASET_TITLE, unique, __version__, None, DATASET_IRI)
    return Citation(DATASET_TITLE, unique, served.id, served.day, release_iri(served.id))
