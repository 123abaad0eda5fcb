"""A statistics dataset (Data Cube): title, source document and passage, what it is about, then every observation
as a row (indicator, reference year or period, value with its unit), series by series in year order."""

import html
from decimal import Decimal, InvalidOperation

from tehkg.endpoint.page_parts import Labels, Rows, documents, link, numbered, passages, source, upper_first, values_of
from tehkg.vocab import DCTERMS, SDMX_MEASURE, SKOS, TEH

SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
UNITS = {"http://qudt.org/vocab/unit/CCY_EUR": "€"}
MULTIPLIERS = {"fr": {"6": "millions"}, "en": {"6": "million"}}
WORDS = {"fr": {"colon": " : ", "observations": "Observations"}, "en": {"colon": ": ", "observations": "Observations"}}
INDICATOR, YEAR, PERIOD, VALUE = TEH + "indicator", TEH + "refYear", TEH + "refPeriod", SDMX_MEASURE + "obsValue"
e = html.escape


async def dataset_page(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The head of a dataset's page: its title, source and table of observations (the chart follows)."""
    w = WORDS[lang]
    values = await values_of(iri, rows)
    found = await rows(f"""SELECT ?o ?indicator ?period ?value ?unit ?mult {{
        ?o <http://purl.org/linked-data/cube#dataSet> <{iri}> ; <{INDICATOR}> ?indicator ; <{VALUE}> ?value .
        OPTIONAL {{ ?o <{YEAR}>|<{PERIOD}> ?period }} OPTIONAL {{ ?o <{SDMX_ATTRIBUTE}unitMeasure> ?unit }}
        OPTIONAL {{ ?o <{SDMX_ATTRIBUTE}unitMult> ?mult }} }}""")
    subjects = await rows(f"""SELECT ?s ?type ?n {{ <{iri}> <{DCTERMS}subject> ?s . ?s a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ ?s <{SKOS}notation> ?n }} }}""")
    quoted = await passages(rows, {iri})
    by_year = all(r["period"].datatype.value.endswith("gYear") for r in found if "period" in r)
    named = {iri, INDICATOR, YEAR if by_year else PERIOD, VALUE, DCTERMS + "source", DCTERMS + "subject"}
    named |= {o.value for o in values[DCTERMS + "source"]} | documents(quoted)
    named |= {r[k].value for r in subjects for k in ("s", "type")}
    names = await labels(rows, named, lang)

    def line(prop: str, value_html: str) -> str:
        return f"<p><strong>{e(upper_first(names.get(prop, '')))}{w['colon']}</strong>{value_html}</p>"

    body = [f'<h1 class="dataset-title">{e(names.get(iri, iri))}</h1>']
    body += [line(DCTERMS + "source", link(d.value, names, lang)) for d in values[DCTERMS + "source"]]
    for r in subjects:
        text = numbered(names.get(r["type"].value, ""), r["n"].value, names.get(r["s"].value, "")) if "n" in r else None
        body.append(line(DCTERMS + "subject", link(r["s"].value, names, lang, text)))
    body.append(source(quoted.get(iri, []), names, lang))
    header = "".join(
        f'<th scope="col">{e(upper_first(names.get(p, "")))}</th>'
        for p in (INDICATOR, YEAR if by_year else PERIOD, VALUE)
    )
    ordered = sorted(found, key=lambda r: (r["indicator"].value.lower(), r["period"].value if "period" in r else ""))
    cells = "".join(
        f"<tr><td>{link(r['o'].value, names, lang, r['indicator'].value)}</td>"
        f"<td>{e(r['period'].value) if 'period' in r else ''}</td><td class='value'>{e(_value(r, lang))}</td></tr>"
        for r in ordered
    )
    body.append(
        f"<h2>{w['observations']} <span class='count'>({len(found)})</span></h2>"
        f"<div class='table-scroll'><table class='observations'><thead><tr>{header}</tr></thead>"
        f"<tbody>{cells}</tbody></table></div>"
    )
    return "\n".join(body)


def _value(r: dict, lang: str) -> str:
    """An observed value as the page's language writes numbers, with its unit and multiplier."""
    try:
        amount = Decimal(r["value"].value)
    except InvalidOperation:
        return r["value"].value
    text = f"{amount:,f}".rstrip("0").rstrip(".") if "." in f"{amount}" else f"{amount:,}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    mult = MULTIPLIERS[lang].get(r["mult"].value, "") if "mult" in r else ""
    unit = UNITS.get(r["unit"].value, r["unit"].value.rsplit("/", 1)[-1]) if "unit" in r else ""
    if lang == "en" and unit == "€":
        return f"€{text}" + (f" {mult}" if mult else "")
    return " ".join(part for part in (text, mult, unit) if part)
