"""The organisation page's lead: the measures it pilots, partners or implements, by plan and role, in plan order."""

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable

from tehkg.vocab import BASE, SKOS, TEH

Rows = Callable[[str], Awaitable[list[dict]]]
CV = "http://data.europa.eu/m8g/"
ROLES = ("pilot", "partner", "implementer")
WORDS = {
    "fr": {
        "heading": "Rôle dans les plans",
        "pilot": "Pilote",
        "partner": "Partenaire",
        "implementer": "Mise en œuvre",
        "measure": "Mesure",
    },
    "en": {
        "heading": "Role in the plans",
        "pilot": "Pilot",
        "partner": "Partner",
        "implementer": "Implementation",
        "measure": "Measure",
    },
}
e = html.escape


def _href(iri: str, lang: str) -> str:
    return ("/" + iri[len(BASE) :] if iri.startswith(BASE) else iri) + f"?lang={lang}"


async def roles_section(org: str, rows: Rows, lang: str) -> str:
    """Per plan, per role, the measures (number and title) the organisation carries; empty when it carries none."""
    found = await rows(f"""PREFIX teh: <{TEH}> PREFIX skos: <{SKOS}>
        SELECT ?m ?role ?plan ?planLabel ?n ?title {{ ?m <{CV}hasParticipation> ?x ; teh:inPlan ?plan ;
          skos:notation ?n . ?x <{CV}hasParticipant> <{org}> ; <{CV}role> ?role .
          OPTIONAL {{ ?m skos:prefLabel ?t1 FILTER(lang(?t1) = "{lang}") }}
          OPTIONAL {{ ?m skos:prefLabel ?t2 FILTER(lang(?t2) = "fr") }} BIND(COALESCE(?t1, ?t2, "") AS ?title)
          OPTIONAL {{ ?plan skos:prefLabel ?p1 FILTER(lang(?p1) = "{lang}") }}
          OPTIONAL {{ ?plan skos:prefLabel ?p2 FILTER(lang(?p2) = "fr") }}
          BIND(COALESCE(?p1, ?p2, STR(?plan)) AS ?planLabel) }}""")
    if not found:
        return ""
    w = WORDS[lang]
    grouped: dict[tuple[str, str], dict[str, set[tuple[int, str, str]]]] = defaultdict(lambda: defaultdict(set))
    for r in found:
        role = r["role"].value.rsplit("/", 1)[-1]
        n = r["n"].value
        grouped[(r["plan"].value, r["planLabel"].value)][role].add(
            (int(n) if n.isdigit() else 10**6, r["m"].value, f"{w['measure']} {n} — {r['title'].value}")
        )
    out = [f"<section class='org-roles'><h2>{w['heading']}</h2>"]
    for plan, plan_label in sorted(grouped):
        out.append(f'<h3><a href="{e(_href(plan, lang))}">{e(plan_label)}</a></h3><dl>')
        for role in ROLES:
            measures = sorted(grouped[(plan, plan_label)].get(role, ()))
            if measures:
                items = "".join(f'<li><a href="{e(_href(m, lang))}">{e(text)}</a></li>' for _, m, text in measures)
                out.append(f"<dt>{w[role]} ({len(measures)})</dt><dd><ul>{items}</ul></dd>")
        out.append("</dl>")
    out.append("</section>")
    return "".join(out)
