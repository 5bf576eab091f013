"""The benchmarks and the glossary, kept as JSON files in ``content/`` and loaded into the
database by ``flask --app wsgi content load`` (production) and ``demo load``.

Loading is an upsert by stable code (key factor ``code``, glossary ``concept``) and language,
so running it again after editing a file updates the words and adds nothing twice.
"""

import json
from importlib import resources

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import db
from ..models import GlossaryTerm, KeyFactor, KeyFactorText, MentoringTheme

LANGUAGES = ("en", "fr", "nl", "it")


def _read(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath("content", name).read_text("utf-8"))


def benchmark_files() -> dict[MentoringTheme, dict]:
    """Each theme's benchmark as stored in ``content/<theme>.json``."""
    return {theme: _read(f"{theme.value}.json") for theme in MentoringTheme}


def glossary_file() -> list[dict]:
    return _read("glossary.json")["terms"]


def _load_benchmark(theme: MentoringTheme, data: dict, existing: dict, counts: dict) -> None:
    for position, spec in enumerate(data["key_factors"], start=1):
        factor = existing.get(spec["code"])
        if factor is None:
            factor = KeyFactor(code=spec["code"], theme=theme, position=position)
            db.session.add(factor)
            counts["key factors"] += 1
        factor.theme, factor.position = theme, position
        texts = {t.language: t for t in factor.texts}
        for language in LANGUAGES:
            words = spec["texts"][language]
            text = texts.get(language)
            if text is None:
                text = KeyFactorText(language=language)
                factor.texts.append(text)
                counts["key factor texts"] += 1
            text.title = words["title"]
            text.why_how = words["why_how"]
            text.guiding_questions = "\n".join(words["questions"])


def _load_glossary(counts: dict) -> None:
    existing = {(t.concept, t.language): t for t in db.session.scalars(select(GlossaryTerm))}
    for entry in glossary_file():
        for language in LANGUAGES:
            words = entry[language]
            term = existing.get((entry["concept"], language))
            if term is None:
                term = GlossaryTerm(concept=entry["concept"], language=language)
                db.session.add(term)
                counts["glossary terms"] += 1
            term.term, term.definition = words["term"], words["definition"]


def load_content() -> dict[str, int]:
    """Upsert the benchmarks and the glossary; returns how many rows it created. The caller
    commits."""
    counts = {"key factors": 0, "key factor texts": 0, "glossary terms": 0}
    factors = db.session.scalars(select(KeyFactor).options(selectinload(KeyFactor.texts)))
    existing = {kf.code: kf for kf in factors}
    for theme, data in benchmark_files().items():
        _load_benchmark(theme, data, existing, counts)
    _load_glossary(counts)
    db.session.flush()
    return counts


content_cli = AppGroup("content", help="Benchmarks and glossary shipped with the workspace.")


@content_cli.command("load")
def content_load():
    """Load or update the benchmarks and the glossary (safe to run again)."""
    counts = load_content()
    db.session.commit()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " created")
