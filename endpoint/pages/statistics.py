"""A statistics dataset (Data Cube): title, source document and passage, what it is about, then every observation
as a row (indicator, reference year or period, value with its unit), series by series in year order, and a bar
chart per indicator by year."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tehkg.endpoint.pages import charts
from tehkg.endpoint.pages.common import Named, Source, named, numbered, sources, upper_first, values_of
from tehkg.endpoint.pages.i18n import readable_number, translations
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import DCTERMS, QB, QUDT_UNIT, SDMX_ATTRIBUTE, SDMX_MEASURE, SKOS, TEH

UNITS = {QUDT_UNIT + "CCY_EUR": "€"}
INDICATOR, YEAR, PERIOD, VALUE = TEH + "indicator", TEH + "refYear", TEH + "refPeriod", SDMX_MEASURE + "obsValue"


@dataclass(frozen=True)
class Observation:
    link: Named  # the observation, by its indicator
    period: str
    value: str


@dataclass(frozen=True)
class Statistics:
    title: str
    source_name: str
    documents: list[Named]
    subject_name: str
    subjects: list[Named]
    sources: list[Source]
    columns: list[str]
    observations: list[Observation]
    series: list[tuple[str, charts.BarChart]]  # (indicator, its values by year)


async def gather(reader: Reader, iri: str) -> Statistics:
    """Everything the head of a dataset's page shows, and its charts."""
    values = await values_of(reader, iri)
    found = await reader.rows(f"""SELECT ?o ?indicator ?period ?by ?value ?unit ?mult {{
        ?o <{QB}dataSet> <{iri}> ; <{INDICATOR}> ?indicator ; <{VALUE}> ?value .
        OPTIONAL {{ ?o ?by ?period VALUES ?by {{ <{YEAR}> <{PERIOD}> }} }}
        OPTIONAL {{ ?o <{SDMX_ATTRIBUTE}unitMeasure> ?unit }} OPTIONAL {{ ?o <{SDMX_ATTRIBUTE}unitMult> ?mult }} }}""")
    subjects = await reader.rows(f"""SELECT ?s ?type ?n {{ <{iri}> <{DCTERMS}subject> ?s . ?s a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ ?s <{SKOS}notation> ?n }} }}""")
    yearly = await reader.rows(f"""SELECT ?indicator ?year ?value {{ ?o <{QB}dataSet> <{iri}> ;
        <{INDICATOR}> ?indicator ; <{YEAR}> ?year ; <{VALUE}> ?value }} ORDER BY ?indicator ?year""")
    by_year = all(r["by"].value == YEAR for r in found if "by" in r)  # the column is named by the property
    columns = (INDICATOR, YEAR if by_year else PERIOD, VALUE)
    names = await reader.labels(
        {iri, *columns, DCTERMS + "source", DCTERMS + "subject"}
        | {o.value for o in values[DCTERMS + "source"]}
        | {r[k].value for r in subjects for k in ("s", "type")}
    )
    series: dict[str, list[tuple[str, int, str | None]]] = {}
    for r in yearly:
        series.setdefault(r["indicator"].value, []).append((r["year"].value, int(float(r["value"].value)), None))
    ordered = sorted(found, key=lambda r: (r["indicator"].value.lower(), r["period"].value if "period" in r else ""))
    return Statistics(
        title=names.get(iri, iri),
        source_name=upper_first(names.get(DCTERMS + "source", "")),
        documents=[named(d.value, names) for d in values[DCTERMS + "source"]],
        subject_name=upper_first(names.get(DCTERMS + "subject", "")),
        subjects=[
            named(
                r["s"].value,
                names,
                numbered(names.get(r["type"].value, ""), r["n"].value, names.get(r["s"].value, ""))
                if "n" in r
                else None,
            )
            for r in subjects
        ],
        sources=(await sources(reader, {iri})).get(iri, []),
        columns=[upper_first(names.get(p, "")) for p in columns],
        observations=[
            Observation(
                Named(r["o"].value, r["indicator"].value),
                r["period"].value if "period" in r else "",
                _value(r, reader.lang),
            )
            for r in ordered
        ],
        series=[(name, chart) for name, bars in series.items() if (chart := charts.bar_chart(bars))],
    )


def _value(r: dict, lang: str) -> str:
    """An observed value as the page's language writes numbers, with its unit and multiplier (« 1 500 € »,
    « €1,500 »)."""
    try:
        text = readable_number(Decimal(r["value"].value), lang)
    except InvalidOperation:
        return r["value"].value
    mult = translations(lang).gettext("million") if "mult" in r and r["mult"].value == "6" else ""
    unit = UNITS.get(r["unit"].value, r["unit"].value.rsplit("/", 1)[-1]) if "unit" in r else ""
    if lang == "en" and unit == "€":
        return f"€{text}" + (f" {mult}" if mult else "")
    return " ".join(part for part in (text, mult, unit) if part)
