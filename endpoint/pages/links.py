"""The one rule turning an IRI (or a path of this site) into a link target.

Every ``href`` of the pages comes from :func:`href`, through the templates' ``href`` filter and ``link`` macro:
data built with ``--no-validate`` may hold ``javascript:``, ``data:`` or ``vbscript:`` IRIs, and a single rule is
the only way to be sure none of them ever becomes a link."""

from urllib.parse import quote

from tehkg.vocab import BASE

WEB_SCHEMES = ("http://", "https://")


def href(target: str, lang: str, **params: str) -> str | None:
    """Where a page links ``target``, or None when it must stay text.

    An IRI under the dataset's base and a path of this site (``/sparql``) become a local path that keeps the
    page's language (``?lang=``, before any fragment, after ``params``); another http(s) IRI is linked as it is;
    every other scheme (``javascript:``, ``data:``, ``urn:``…) and a protocol-relative ``//host`` is text."""
    if target.startswith(BASE):
        path = "/" + target[len(BASE) :]
    elif target.startswith("/") and not target.startswith("//"):
        path = target
    elif target.lower().startswith(WEB_SCHEMES):
        return target
    else:
        return None
    path, hash_, fragment = path.partition("#")
    query = "&".join(f"{name}={quote(value, safe='/')}" for name, value in {**params, "lang": lang}.items())
    return f"{path}{'&' if '?' in path else '?'}{query}{hash_}{fragment}"


def linkable(iri: str) -> bool:
    """Whether ``iri`` has a page or a web address to open (a search hit is a link to follow)."""
    return href(iri, lang="fr") is not None  # whichever language: only whether there is a target
