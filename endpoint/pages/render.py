"""How a page is rendered: one Jinja2 environment per language (Starlette's Jinja2Templates, autoescaping every
value), with that language's catalogue installed (jinja2.ext.i18n), and the filters the templates share: ``href``
(the link rule, keeping the page's language) and ``readable_date``."""

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from tehkg import __version__
from tehkg.endpoint.pages import links
from tehkg.endpoint.pages.i18n import LANGS, lang_of, readable_date, translations

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _templates(lang: str) -> Jinja2Templates:
    """The templates as ``lang`` renders them: a language per environment, so a page never borrows another's
    catalogue, whatever runs concurrently."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the tests instead of rendering nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's message is its words, not its indentation
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(lang=lang, other_lang=next(other for other in LANGS if other != lang), version=__version__)
    env.filters.update(
        href=functools.partial(links.href, lang=lang),
        readable_date=functools.partial(readable_date, lang=lang),
    )
    return Jinja2Templates(env=env)


TEMPLATES = {lang: _templates(lang) for lang in LANGS}


def render(
    request: Request, template: str, status_code: int = 200, headers: Mapping[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """``template`` rendered in the request's language with ``context``."""
    templates = TEMPLATES[lang_of(request)]
    return templates.TemplateResponse(request, template, context, status_code=status_code, headers=headers)
