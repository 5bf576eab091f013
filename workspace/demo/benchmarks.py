"""Demo self-assessments: each pair has rated several key factors of its theme, some twice,
with evidence in the language the pair works in, dated 2021–2022.

Loads the benchmarks and the glossary first (an upsert). A pair that has any rating already
is left alone, so running it again adds nothing.
"""

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from .. import db
from ..benchmarks.content import load_content
from ..models import (
    Activity,
    ActivityKind,
    AssessmentRating,
    KeyFactor,
    Pair,
    Priority,
    Rating,
    Role,
)

NOT, EMERGING, PARTLY, FULLY, NA = (
    Rating.NOT_IN_PLACE,
    Rating.EMERGING,
    Rating.PARTLY,
    Rating.FULLY,
    Rating.NOT_APPLICABLE,
)
LOW, MEDIUM, HIGH = Priority.LOW, Priority.MEDIUM, Priority.HIGH

# By mentor city: {key factor code: [(date, who, rating, target, priority, language,
# evidence)]}, oldest first; the last one is the current rating.
CONTENT = {
    "City of Brussels": {
        "needs_assessment.political_mandate": [
            (
                date(2021, 10, 4),
                Role.MENTEE,
                EMERGING,
                FULLY,
                HIGH,
                "fr",
                "Le maire soutient la démarche, mais aucune délibération du conseil ne la "
                "mandate encore.",
            ),
            (
                date(2022, 3, 21),
                Role.MENTEE,
                PARTLY,
                FULLY,
                HIGH,
                "fr",
                "Délibération du conseil municipal du 14 mars 2022 : le diagnostic est confié "
                "au service cohésion sociale, avec un point d'étape au conseil en octobre.",
            ),
        ],
        "needs_assessment.disaggregated_data": [
            (
                date(2021, 10, 4),
                Role.MENTEE,
                NOT,
                PARTLY,
                MEDIUM,
                "fr",
                "Le CCAS ne ventile ses chiffres ni par sexe ni par nationalité.",
            ),
        ],
        "needs_assessment.direct_voices": [
            (
                date(2022, 1, 17),
                Role.MENTOR,
                NOT,
                FULLY,
                HIGH,
                "fr",
                "Aucun groupe de parole n'a encore été organisé avec les habitantes.",
            ),
            (
                date(2022, 4, 11),
                Role.MENTEE,
                PARTLY,
                FULLY,
                HIGH,
                "fr",
                "Quatre groupes de parole avec 38 habitantes, garde d'enfants et interprète "
                "arabe-français prévues. Les hommes n'ont pas encore été rencontrés.",
            ),
        ],
        "needs_assessment.support_network": [
            (
                date(2022, 1, 17),
                Role.MENTEE,
                PARTLY,
                FULLY,
                MEDIUM,
                "fr",
                "L'Association Solidarité Femmes de la Ruelle participe au comité de pilotage ; "
                "les associations sportives ne sont pas encore associées.",
            ),
        ],
        "needs_assessment.staff_skills": [
            (
                date(2022, 1, 17),
                Role.MENTEE,
                EMERGING,
                PARTLY,
                MEDIUM,
                "fr",
                "Deux agentes formées à l'écoute des violences conjugales ; pas de procédure "
                "écrite d'orientation.",
            ),
        ],
    },
    "Mechelen": {
        "city_for_all.shared_vision": [
            (
                date(2021, 11, 8),
                Role.MENTEE,
                NOT,
                PARTLY,
                HIGH,
                "it",
                "Non esiste un documento di visione; l'inclusione compare solo nel programma "
                "del sindaco.",
            ),
            (
                date(2022, 5, 2),
                Role.MENTEE,
                EMERGING,
                PARTLY,
                HIGH,
                "it",
                "Dopo l'incontro pubblico del 22 aprile con le associazioni, una bozza di "
                "visione è in discussione in giunta.",
            ),
        ],
        "city_for_all.coordination": [
            (
                date(2021, 11, 8),
                Role.MENTOR,
                EMERGING,
                PARTLY,
                MEDIUM,
                "nl",
                "Bij het studiebezoek bleek dat sociale dienst en burgerzaken in Capaci elkaar "
                "kennen, maar niet structureel overleggen.",
            ),
        ],
        "city_for_all.welcome": [
            (
                date(2022, 2, 28),
                Role.MENTEE,
                EMERGING,
                FULLY,
                HIGH,
                "it",
                "L'anagrafe dà le prime informazioni, solo in italiano. La mappatura dei "
                "servizi di febbraio è la base per uno sportello di accoglienza.",
            ),
        ],
        "city_for_all.participation": [
            (
                date(2022, 5, 2),
                Role.MENTEE,
                NOT,
                PARTLY,
                MEDIUM,
                "it",
                "Nessuna consulta include residenti stranieri.",
            ),
        ],
        "city_for_all.housing": [
            (
                date(2022, 5, 2),
                Role.MENTEE,
                NA,
                NA,
                LOW,
                "it",
                "Competenza della Regione e dell'ente case popolari; fuori dal mandato del "
                "Comune in questo piano.",
            ),
        ],
    },
    "Fuenlabrada": {
        "employment.labour_market_picture": [
            (
                date(2021, 12, 6),
                Role.MENTEE,
                EMERGING,
                PARTLY,
                MEDIUM,
                "en",
                "The regional employment office shares vacancy figures twice a year; nothing "
                "is known about the skills of migrant jobseekers.",
            ),
        ],
        "employment.skills_recognition": [
            (
                date(2021, 12, 6),
                Role.MENTEE,
                NOT,
                PARTLY,
                HIGH,
                "en",
                "Recognition is handled in Athens; residents get no help with the file.",
            ),
            (
                date(2022, 6, 13),
                Role.MENTEE,
                EMERGING,
                PARTLY,
                HIGH,
                "en",
                "The Livadia Migrant Support Centre now helps with translations and the "
                "application; eleven files were sent in spring 2022.",
            ),
        ],
        "employment.employers": [
            (
                date(2022, 6, 13),
                Role.MENTOR,
                EMERGING,
                FULLY,
                HIGH,
                "en",
                "Three agricultural employers offered work trials after the study visit; the "
                "chamber of commerce is interested but not yet committed.",
            ),
        ],
        "employment.entrepreneurship": [
            (
                date(2022, 6, 13),
                Role.MENTEE,
                NOT,
                EMERGING,
                LOW,
                "en",
                "",
            ),
        ],
        "employment.women": [
            (
                date(2021, 12, 6),
                Role.MENTEE,
                NOT,
                PARTLY,
                MEDIUM,
                "en",
                "No programme reaches migrant women specifically.",
            ),
            (
                date(2022, 6, 13),
                Role.MENTEE,
                NOT,
                PARTLY,
                HIGH,
                "en",
                "Still nothing in place; the sewing cooperative idea from Fuenlabrada is to be "
                "discussed with the municipal day care.",
            ),
        ],
    },
    "Schaerbeek": {
        "language_learning.overview": [
            (
                date(2021, 11, 22),
                Role.MENTEE,
                NOT,
                FULLY,
                HIGH,
                "en",
                "Courses exist at the adult education centre and two NGOs, but nobody has the "
                "full list.",
            ),
            (
                date(2022, 4, 25),
                Role.MENTEE,
                PARTLY,
                FULLY,
                HIGH,
                "en",
                "A first list of 14 courses and groups is on the city website in Latvian, "
                "English and Russian; the NGOs update it by e-mail.",
            ),
        ],
        "language_learning.flexible_formats": [
            (
                date(2021, 11, 22),
                Role.MENTOR,
                EMERGING,
                PARTLY,
                MEDIUM,
                "fr",
                "Lors de la visite virtuelle : cours du soir uniquement au niveau A1, pas "
                "d'alphabétisation.",
            ),
        ],
        "language_learning.non_formal": [
            (
                date(2022, 4, 25),
                Role.MENTEE,
                PARTLY,
                FULLY,
                MEDIUM,
                "en",
                "Conversation tables every Thursday in the central library, run by the "
                "Jelgava Language Learning Society.",
            ),
        ],
        "language_learning.access": [
            (
                date(2022, 4, 25),
                Role.MENTEE,
                EMERGING,
                PARTLY,
                HIGH,
                "en",
                "Courses are free, but there is no childcare and half of the mothers stopped "
                "after a month.",
            ),
        ],
        "language_learning.multilingualism": [
            (
                date(2022, 4, 25),
                Role.MENTEE,
                FULLY,
                FULLY,
                LOW,
                "en",
                "City information is published in Latvian, Russian and English; front-desk "
                "staff speak all three.",
            ),
        ],
    },
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(14, 0), tzinfo=UTC)


def _person(pair: Pair, role: Role):
    return next((m.user for m in pair.memberships if m.role is role), None)


def load(pairs) -> int:
    """Loads the benchmarks, then the ratings above; returns how many ratings it created."""
    load_content()
    factors = {kf.code: kf for kf in db.session.scalars(select(KeyFactor))}
    created = 0
    for pair in pairs:
        content = CONTENT.get(pair.mentor_city.name)
        rated = db.session.scalar(
            select(AssessmentRating.id).where(AssessmentRating.pair_id == pair.id).limit(1)
        )
        if content is None or rated is not None:
            continue
        for code, history in content.items():
            factor = factors[code]
            for day, role, rating, target, priority, language, evidence in history:
                title = factor.text(language).title
                author = _person(pair, role)
                entry = AssessmentRating(
                    pair_id=pair.id,
                    key_factor_id=factor.id,
                    rating=rating,
                    target=target,
                    priority=priority,
                    evidence=evidence,
                    language=language,
                    author_id=author.id if author else None,
                    created_at=_at(day),
                )
                db.session.add(entry)
                db.session.add(
                    Activity(
                        pair_id=pair.id,
                        kind=ActivityKind.ASSESSMENT_UPDATED,
                        actor_id=author.id if author else None,
                        subject_type="assessment",
                        subject_id=factor.id,
                        title=title,
                        core_only=False,
                        created_at=_at(day),
                    )
                )
                created += 1
    db.session.flush()
    return created
