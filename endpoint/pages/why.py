"""Why a row of an answer cannot be explained (« Why this row? »), in the reader's language."""

from tehkg.endpoint.pages.i18n import translations


def refusal_reason(kind: str, lang: str) -> str:
    """The sentence saying why, for a kind of endpoint/query/why.py's KINDS."""
    words = translations(lang)
    reasons = {
        "not-select": words.gettext("Only the rows of a SELECT answer can be explained."),
        "aggregate": words.gettext(
            "This row is computed from several solutions (GROUP BY, COUNT or another aggregate): it rests on "
            "no single set of triples that could be shown."
        ),
        "subquery": words.gettext(
            "The query holds a subquery: the triples a row rests on cannot be traced through it."
        ),
        "service": words.gettext("The query reads another endpoint (SERVICE): its triples have no source here."),
        "dataset-clause": words.gettext(
            "The query chooses its own graphs (FROM or FROM NAMED): rows are explained over the whole dataset only."
        ),
        "path": words.gettext(
            "The query follows a property path of any length (* or +), with an optional step (?) or a negated "
            "property set: the triples it went through are not known."
        ),
        "exists": words.gettext(
            "The query tests FILTER EXISTS: the row also rests on the triples inside it, which cannot be shown."
        ),
        "blank-node": words.gettext("The row holds a blank node, which no other query can name: it cannot be traced."),
        "construct": words.gettext("The query uses a construct that the explanation cannot rewrite."),
        "not-an-answer": words.gettext(
            "This row is not an answer of the query over the data served now (it may have changed since)."
        ),
        "too-many": words.gettext(
            "This row can be derived in too many ways to list them all; narrow the query to explain it."
        ),
    }
    return reasons[kind]
