"""Deterministic synthetic graphs shaped like tehkg's data, for benchmarks.

    python bench/generate.py 1000000 bench/out/synthetic-1m.nq

Plans with sections and measures, organisations with a hierarchy, pilot/partner roles (shortcut and
qualified), assessments, recommendations, legal citations with their registry, source documents,
passages, statistical datasets and observations, editorial links, spread over named graphs described
in the metadata graph like the shipped data. Every shape and cross-graph check has targets; the data
conforms except for one deliberate defect of three kinds (a measure without number, English text in a
document graph, a role shortcut without its participation) every ``DEFECT_EVERY`` measures, and the
completeness warnings of measures without pilot. The same size always gives the same bytes.
"""

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

ID = "https://w3id.org/tehkg/id/"
G = "https://w3id.org/tehkg/graph/"
TEH = "https://w3id.org/tehkg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
CV = "http://data.europa.eu/m8g/"
DCT = "http://purl.org/dc/terms/"
QB = "http://purl.org/linked-data/cube#"
ELI = "http://data.europa.eu/eli/ontology#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_DATE = "<http://www.w3.org/2001/XMLSchema#date>"
OLD_PLAN = "2014-2016"  # its measures carry exactly one CNCDH assessment each
WORDS = (
    "traite êtres humains victimes protection formation enquête exploitation travail forcé "
    "mineurs hébergement titre séjour magistrats police associations sensibilisation "
    "coopération internationale identification accompagnement indemnisation"
).split()
TRIPLES_PER_MEASURE = 39  # on average, with its annotations
DEFECT_EVERY = 1000  # measures


def literal(text: str, lang: str = "fr") -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + f'"@{lang}'


def generate(size: int, out: Path) -> int:
    """Write about ``size`` quads to ``out`` (N-Quads); returns the number written."""
    rnd = random.Random(size)
    n_measures = max(10, size // TRIPLES_PER_MEASURE)
    n_orgs = max(20, n_measures // 20)
    written = 0
    with out.open("w") as f:

        def q(s: str, p: str, o: str, g: str) -> None:
            nonlocal written
            f.write(f"<{s}> <{p}> {o} <{G}{g}> .\n")
            written += 1

        for i in range(n_orgs):
            o = f"{ID}org/o{i}"
            q(o, RDF_TYPE, f"<{ORG}Organization>", "organisations")
            q(o, SKOS + "prefLabel", literal(f"Organisation {' '.join(rnd.sample(WORDS, 2))} {i}"), "organisations")
            q(o, SKOS + "prefLabel", literal(f"Organisation {i}", "en"), "translations")
            q(
                o,
                ORG + "classification",
                f"<{ID}concept/org-kind/{rnd.choice(['ministry', 'directorate', 'association'])}>",
                "organisations",
            )
            if i >= 10:
                q(o, ORG + "subOrganizationOf", f"<{ID}org/o{rnd.randrange(10)}>", "organisations")
        cncdh = f"{ID}org/cncdh"
        q(cncdh, RDF_TYPE, f"<{ORG}Organization>", "organisations")
        q(
            cncdh,
            SKOS + "prefLabel",
            literal("Commission nationale consultative des droits de l'homme"),
            "organisations",
        )
        q(cncdh, ORG + "classification", f"<{ID}concept/org-kind/authority>", "organisations")
        n_plans = max(2, n_measures // 60)
        plans = [f"{ID}plan/{OLD_PLAN}"] + [f"{ID}plan/p{i}" for i in range(1, n_plans)]
        for i, plan in enumerate(plans):
            doc, graph = f"{ID}doc/d{i}", f"plan-{i}"
            q(plan, RDF_TYPE, f"<{TEH}ActionPlan>", graph)
            q(plan, SKOS + "notation", f'"{plan.rsplit("/", 1)[-1]}"', graph)
            q(plan, SKOS + "prefLabel", literal(f"Plan d'action {i}"), graph)
            q(doc, RDF_TYPE, f"<{TEH}SourceDocument>", "metadata")
            q(doc, DCT + "title", literal(f"Plan d'action national {i}"), "metadata")
            q(doc, DCT + "creator", f"<{ID}org/o{i % n_orgs}>", "metadata")
            q(doc, DCT + "issued", f'"{2000 + i % 25}-01-01"^^{XSD_DATE}', "metadata")
            q(G + graph, PROV + "wasDerivedFrom", f"<{doc}>", "metadata")
        for graph in ("organisations", "translations", "evaluation", "registry", "editorial", "metadata"):
            q(G + graph, PROV + "wasAttributedTo", f"<{cncdh}>", "metadata")
        code = f"{ID}legal/fr/code-penal"
        q(code, RDF_TYPE, f"<{ELI}LegalResource>", "registry")
        q(code, DCT + "title", literal("Code pénal"), "registry")
        q(code, ELI + "date_document", f'"1992-07-22"^^{XSD_DATE}', "registry")
        for k in range(3):
            for r in range(9):
                article = f"{code}/art/{225 + k}-4-{r}"
                q(article, RDF_TYPE, f"<{ELI}LegalResourceSubdivision>", "registry")
                q(article, ELI + "is_part_of", f"<{code}>", "registry")
                q(article, SKOS + "notation", f'"{225 + k}-4-{r}"', "registry")
                q(article, DCT + "title", literal(f"Article {225 + k}-4-{r}"), "registry")
        convention = f"{ID}legal/int/convention-varsovie"
        q(convention, RDF_TYPE, f"<{TEH}InternationalInstrument>", "registry")
        q(convention, DCT + "title", literal("Convention du Conseil de l'Europe"), "registry")
        q(convention, TEH + "ratificationStatus", f"<{ID}concept/ratification-status/ratified>", "registry")
        q(convention, TEH + "refersTo", f"<{convention}>", "registry")
        for k in range(7):
            dataset = f"{ID}dataset/s{k}"
            q(dataset, RDF_TYPE, f"<{QB}DataSet>", "evaluation")
            q(dataset, DCT + "source", f"<{ID}doc/d{k % n_plans}>", "evaluation")
        sections: set[str] = set()
        for m in range(n_measures):
            plan = plans[m % n_plans]
            section = f"{plan}/action/{(m // 5) % 17}"
            node = f"{plan}/measure/{m}"
            graph = f"plan-{m % n_plans}"
            defective = m % DEFECT_EVERY == DEFECT_EVERY - 1
            q(node, RDF_TYPE, f"<{TEH}Measure>", graph)
            if defective:  # no number; English in a document graph; a shortcut without participation
                q(node, SKOS + "altLabel", literal(f"Measure {m}", "en"), graph)
                q(node, TEH + "partner", f"<{cncdh}>", graph)
            else:
                q(node, SKOS + "notation", f'"{m}"', graph)
            q(node, SKOS + "prefLabel", literal(" ".join(rnd.sample(WORDS, 5)).capitalize()), graph)
            q(node, SKOS + "prefLabel", literal(f"Measure {m}", "en"), "translations")
            q(node, DCT + "description", literal(" ".join(rnd.choices(WORDS, k=40))), graph)
            q(node, TEH + "isComponentOf", f"<{section}>", graph)
            q(node, TEH + "inPlan", f"<{plan}>", graph)
            if section not in sections:
                sections.add(section)
                q(section, RDF_TYPE, f"<{TEH}Action>", graph)
                q(section, TEH + "isComponentOf", f"<{plan}>", graph)
                q(section, SKOS + "notation", f'"{(m // 5) % 17}"', graph)
                q(section, SKOS + "prefLabel", literal(f"Action {(m // 5) % 17}"), graph)
            for role, count in (("pilot", rnd.choice([0, 1, 1, 2])), ("partner", rnd.randrange(6))):
                for org_index in rnd.sample(range(n_orgs), count):
                    org = f"{ID}org/o{org_index}"
                    part = f"{node}/participation/{role}/o{org_index}"
                    q(node, TEH + role, f"<{org}>", graph)
                    q(node, CV + "hasParticipation", f"<{part}>", graph)
                    q(part, RDF_TYPE, f"<{CV}Participation>", graph)
                    q(part, CV + "role", f"<{ID}concept/role/{role}>", graph)
                    q(part, CV + "hasParticipant", f"<{org}>", graph)
            for k in range(rnd.randrange(3)):
                q(node, TEH + "refersTo", f"<{ID}legal/fr/code-penal/art/{225 + k}-4-{rnd.randrange(9)}>", graph)
            passage = f"{ID}doc/d{m % n_plans}/passage/measure-{m}"
            q(node, TEH + "passage", f"<{passage}>", graph)
            q(passage, RDF_TYPE, f"<{TEH}Passage>", graph)
            q(passage, OA + "hasSource", f"<{ID}doc/d{m % n_plans}>", graph)
            q(passage, TEH + "locator", literal(f"Mesure {m}"), graph)
            a = f"{ID}assessment/e{m % 3}/measure/{m}"
            status = rnd.choice(["not-implemented", "partially-implemented", "implemented"])
            q(a, RDF_TYPE, f"<{TEH}Assessment>", "evaluation")
            q(a, OA + "hasTarget", f"<{node}>", "evaluation")
            q(a, TEH + "status", f"<{ID}concept/implementation-status/{status}>", "evaluation")
            q(a, DCT + "creator", f"<{cncdh if m % n_plans == 0 else ID + f'org/o{m % 3}'}>", "evaluation")
            for k in range(rnd.randrange(3)):
                r = f"{ID}recommendation/e/measure/{m}/{k}"
                q(r, RDF_TYPE, f"<{TEH}Recommendation>", "evaluation")
                q(r, OA + "hasTarget", f"<{node}>", "evaluation")
                q(r, OA + "bodyValue", literal(" ".join(rnd.choices(WORDS, k=25))), "evaluation")
                q(r, DCT + "creator", f"<{cncdh}>", "evaluation")
            if m % 50 == 1:  # an editorial link, justified by a reified statement
                earlier = f"{plan}/measure/{m - 1}"
                q(node, TEH + "followsUp", f"<{earlier}>", "editorial")
                why = f"{ID}statement/follows-up/{m}"
                q(why, RDF + "subject", f"<{node}>", "editorial")
                q(why, RDF + "predicate", f"<{TEH}followsUp>", "editorial")
                q(why, RDF + "object", f"<{earlier}>", "editorial")
                q(why, SKOS + "note", literal("Same wording as the earlier measure.", "en"), "editorial")
            if m % 10 == 0:
                obs = f"{ID}observation/s/{m}"
                q(obs, RDF_TYPE, f"<{QB}Observation>", "evaluation")
                q(obs, QB + "dataSet", f"<{ID}dataset/s{m % 7}>", "evaluation")
                q(obs, TEH + "refYear", f'"{2010 + m % 12}"^^<http://www.w3.org/2001/XMLSchema#gYear>', "evaluation")
                q(
                    obs,
                    "http://purl.org/linked-data/sdmx/2009/measure#obsValue",
                    f'"{rnd.randrange(1000)}"^^<http://www.w3.org/2001/XMLSchema#integer>',
                    "evaluation",
                )
    return written


def label_of_size(size: int) -> str:
    """How reports and files name a size: ``14k``, ``1M``, ``10M``."""
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def generated(size: int, directory: Path) -> Path:
    """``directory``/synthetic-LABEL.nq, the graph of ``size`` quads, generated unless an earlier run left it."""
    data = directory / f"synthetic-{label_of_size(size)}.nq"
    if not data.exists():
        generate(size, data)
    return data


def shipped_data(store: Path, data: Path) -> None:
    """Build the shipped data into ``store`` as ``tehkg build`` does (validated), and dump its named graphs to
    ``data`` (the store's default graph is their merge, which other engines and the publisher make themselves)."""
    if not (store / "current").exists():
        shutil.rmtree(store, ignore_errors=True)
        root = Path(__file__).resolve().parent.parent
        subprocess.run([sys.executable, "-m", "tehkg.cli", "build", "--store", str(store)], cwd=root, check=True)
    if not data.exists():
        built = ox.Store.read_only(str(store / "current"))
        named = built.quads_for_pattern(None, None, None, None)
        quads = (q for q in named if not isinstance(q.graph_name, ox.DefaultGraph))
        ox.serialize(quads, str(data), format=ox.RdfFormat.N_QUADS)


if __name__ == "__main__":
    target = Path(sys.argv[2])
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"{generate(int(sys.argv[1]), target)} quads written to {target}")
