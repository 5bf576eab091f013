"""The glossary of integration terms in the four languages: the page anyone signed in can
search, and the lookup the translation editor shows beside the text."""

from dataclasses import dataclass

from flask import current_app, request
from flask_babel import get_locale
from flask_login import login_required
from sqlalchemy import or_, select

from .. import db
from ..htmx import render
from ..models import GlossaryTerm
from . import bp

MAX_QUERY = 100


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Concept:
    """One glossary entry: its term in each language the lookup asked for."""

    key: str
    terms: dict[str, GlossaryTerm]

    def term(self, language: str) -> GlossaryTerm | None:
        return self.terms.get(language)


def find_concepts(query: str, languages: list[str]) -> list[Concept]:
    """The concepts with a term or definition in ``languages`` containing ``query`` (all of
    them for an empty query), sorted by their term in the first language. One query."""
    if not languages:
        return []
    terms = select(GlossaryTerm).where(GlossaryTerm.language.in_(languages))
    query = query.strip()[:MAX_QUERY]
    if query:
        pattern = f"%{escape_like(query)}%"
        matching = select(GlossaryTerm.concept).where(
            GlossaryTerm.language.in_(languages),
            or_(
                GlossaryTerm.term.ilike(pattern, escape="\\"),
                GlossaryTerm.definition.ilike(pattern, escape="\\"),
            ),
        )
        terms = terms.where(GlossaryTerm.concept.in_(matching))
    by_concept: dict[str, dict[str, GlossaryTerm]] = {}
    for term in db.session.scalars(terms):
        by_concept.setdefault(term.concept, {})[term.language] = term
    concepts = [Concept(key, found) for key, found in by_concept.items()]

    def sort_key(concept: Concept):
        # Those with a term in the first language first, by that term; then the others.
        rank, first = next(
            (i, concept.terms[c]) for i, c in enumerate(languages) if c in concept.terms
        )
        return (rank, first.term.casefold(), concept.key)

    return sorted(concepts, key=sort_key)


def reader_first(languages: list[str]) -> list[str]:
    """``languages`` with the reader's own first."""
    mine = str(get_locale())
    return sorted(languages, key=lambda code: code != mine)


@bp.get("/glossary")
@login_required
def glossary():
    query = request.args.get("q", "")[:MAX_QUERY]
    languages = reader_first(list(current_app.config["LANGUAGES"]))
    return render(
        "glossary/index.html",
        "glossary_results",
        query=query,
        languages=languages,
        concepts=find_concepts(query, languages),
    )
