"""The pages people read: every HTML answer of the site, in French (the default) or English (``?lang=en``).

What lives here: one entry point per page (views.py) that the routes call, each gathering what the page shows
(the gather modules: entity.py and the page of each class it chooses, landing, guide, ontology, search, compare;
plain data, no HTML) and rendering its template (templates/, Jinja2 with autoescaping, render.py). Around them: the
one rule turning an IRI into a link (links.py: only http(s) IRIs become links; the dataset's IRIs open their
local page in the same language), the names of IRIs in a language (reader.py, terms.py), the site's words in
message catalogues (locale/, i18n.py), the geometry of the SVG charts (charts.py), text cut at word boundaries
(text.py), the SPARQL examples and the guide read from their graph (examples.py).

What it may import: tehkg.vocab (every namespace), tehkg.loader.search_index, tehkg.resources, the endpoint's
context (the ``Rows`` query runner) for running queries. Nothing outside this package imports its internals: the
routes call the entry points below (views.py, and why.py's reasons a row cannot be explained, in the reader's
language), and nothing else.
"""

from tehkg.endpoint.pages.views import (
    compare_page,
    entity_page,
    guide_page,
    landing_page,
    not_found,
    ontology_page,
    quality_page,
    query_editor,
    releases_feed,
    releases_page,
    search_hits,
    search_page,
)
from tehkg.endpoint.pages.why import refusal_reason

__all__ = [
    "compare_page",
    "entity_page",
    "guide_page",
    "landing_page",
    "not_found",
    "ontology_page",
    "quality_page",
    "query_editor",
    "refusal_reason",
    "releases_feed",
    "releases_page",
    "search_hits",
    "search_page",
]
