"""Demo task lists: two lists per pair, in the pair's working language, dated 2021–2022.

Safe to run again: a pair that already has a list of the same title is left alone. The
tasks go on the timeline as activity (created, assigned, done) at their own dates; no
notifications are sent for demo content.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .. import db
from ..models import Activity, ActivityKind, Pair, Role, Side, Task, TaskList, TaskStatus

OPEN, PROGRESS, DONE = TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.DONE

# Who a task goes to, by (role, side) in the pair; None side means any.
MENTOR, MENTEE = (Role.MENTOR, None), (Role.MENTEE, None)
MENTOR_PARTNER, MENTEE_PARTNER = (Role.PARTNER, Side.MENTOR), (Role.PARTNER, Side.MENTEE)
MENTOR_NETWORK, MENTEE_NETWORK = (Role.NETWORK, Side.MENTOR), (Role.NETWORK, Side.MENTEE)

# By mentor city: [(list title, [(title, notes, due, status, [assignees])])]
CONTENT = {
    "City of Brussels": [
        (
            "Visite d'étude à Bruxelles",
            [
                (
                    "Fixer le programme des trois journées",
                    "Maison des femmes le premier jour, rencontre avec le CPAS le deuxième.",
                    date(2021, 9, 10),
                    DONE,
                    [MENTOR, MENTEE],
                ),
                (
                    "Réserver l'hôtel et les trajets en train depuis Orléans",
                    "",
                    date(2021, 9, 20),
                    DONE,
                    [MENTEE_PARTNER],
                ),
                (
                    "Inviter deux associations de femmes du réseau bruxellois",
                    "Leur demander de présenter leur accueil des nouvelles arrivantes.",
                    date(2021, 9, 24),
                    DONE,
                    [MENTOR_NETWORK],
                ),
                (
                    "Rédiger le compte rendu de la visite",
                    "Ce qui a été vu, les constats, les questions à reprendre dans le plan.",
                    date(2021, 11, 5),
                    PROGRESS,
                    [MENTOR_PARTNER, MENTEE],
                ),
                (
                    "Partager les photos avec l'accord des participantes",
                    "",
                    date(2021, 11, 19),
                    OPEN,
                    [MENTEE_NETWORK],
                ),
            ],
        ),
        (
            "Diagnostic des besoins",
            [
                (
                    "Relire la grille d'entretien sensible au genre",
                    "",
                    date(2022, 1, 28),
                    DONE,
                    [MENTOR, MENTEE_PARTNER],
                ),
                (
                    "Organiser quatre groupes de parole avec les habitantes",
                    "Prévoir la garde des enfants et une interprète arabe-français.",
                    date(2022, 3, 18),
                    DONE,
                    [MENTEE, MENTEE_NETWORK],
                ),
                (
                    "Synthétiser les besoins prioritaires pour le plan d'action",
                    "",
                    date(2022, 5, 31),
                    PROGRESS,
                    [MENTEE],
                ),
                (
                    "Préparer la présentation pour l'académie de Bruxelles",
                    "Académie de formation des 7 et 8 décembre 2022.",
                    date(2022, 11, 25),
                    OPEN,
                    [MENTOR, MENTEE],
                ),
            ],
        ),
    ],
    "Mechelen": [
        (
            "Studiebezoek Mechelen",
            [
                (
                    "Programma van het studiebezoek afspreken met Capaci",
                    "Wijkwerking, onthaalbureau en een buurthuis bezoeken.",
                    date(2021, 10, 1),
                    DONE,
                    [MENTOR, MENTEE],
                ),
                (
                    "Tolken Italiaans–Nederlands vastleggen",
                    "",
                    date(2021, 10, 8),
                    DONE,
                    [MENTOR_PARTNER],
                ),
                (
                    "Getuigenissen van nieuwkomers verzamelen voor de ontvangst",
                    "Via Samen Mechelen; toestemming voor foto's vragen.",
                    date(2021, 10, 15),
                    DONE,
                    [MENTOR_NETWORK],
                ),
                (
                    "Verslag van het bezoek delen met de partners",
                    "",
                    date(2021, 11, 30),
                    OPEN,
                    [MENTOR_PARTNER, MENTEE_PARTNER],
                ),
            ],
        ),
        (
            "Visione di una città per tutti",
            [
                (
                    "Mappare i servizi comunali usati dai nuovi residenti",
                    "Anagrafe, scuola, servizi sociali, casa.",
                    date(2022, 2, 25),
                    DONE,
                    [MENTEE, MENTEE_PARTNER],
                ),
                (
                    "Incontro pubblico con le associazioni di Capaci",
                    "Sala consiliare; invitare anche i sindacati.",
                    date(2022, 4, 22),
                    DONE,
                    [MENTEE_NETWORK],
                ),
                (
                    "Prima bozza della visione condivisa",
                    "",
                    date(2022, 6, 30),
                    PROGRESS,
                    [MENTEE, MENTOR],
                ),
                (
                    "Tradurre la visione in inglese per il cluster",
                    "",
                    date(2022, 9, 16),
                    OPEN,
                    [MENTEE_PARTNER],
                ),
                (
                    "Presentazione all'accademia di Bruxelles",
                    "7–8 dicembre 2022.",
                    date(2022, 11, 25),
                    OPEN,
                    [MENTOR, MENTEE],
                ),
            ],
        ),
    ],
    "Fuenlabrada": [
        (
            "Study visit to Fuenlabrada",
            [
                (
                    "Agree the visit programme with the employment agency",
                    "Local employment office, a business incubator and a cooperative.",
                    date(2021, 10, 15),
                    DONE,
                    [MENTOR, MENTEE],
                ),
                (
                    "Book flights from Athens for the Livadia delegation",
                    "",
                    date(2021, 10, 22),
                    DONE,
                    [MENTEE_PARTNER],
                ),
                (
                    "Ask two migrant entrepreneurs to tell their story",
                    "",
                    date(2021, 11, 5),
                    DONE,
                    [MENTOR_NETWORK],
                ),
                (
                    "Write up the findings on job-search support",
                    "What worked for young newcomers; what needs a regional partner.",
                    date(2021, 12, 17),
                    PROGRESS,
                    [MENTOR_PARTNER, MENTEE],
                ),
            ],
        ),
        (
            "Employment and entrepreneurship",
            [
                (
                    "List local employers willing to offer traineeships",
                    "",
                    date(2022, 2, 18),
                    DONE,
                    [MENTEE_NETWORK],
                ),
                (
                    "Draft a mentoring scheme for newcomer entrepreneurs",
                    "Based on the Fuenlabrada incubator model.",
                    date(2022, 5, 13),
                    PROGRESS,
                    [MENTEE, MENTOR_PARTNER],
                ),
                (
                    "Check the rules on work permits with the ministry",
                    "",
                    date(2022, 6, 10),
                    OPEN,
                    [MENTEE_PARTNER],
                ),
                (
                    "Prepare the poster for the Brussels academy",
                    "Training academy, 7–8 December 2022.",
                    date(2022, 11, 25),
                    OPEN,
                    [MENTOR, MENTEE],
                ),
            ],
        ),
    ],
    "Schaerbeek": [
        (
            "Virtual study visit",
            [
                (
                    "Test the video platform with the Jelgava team",
                    "",
                    date(2021, 6, 4),
                    DONE,
                    [MENTOR_PARTNER, MENTEE_PARTNER],
                ),
                (
                    "Film a short tour of a Schaerbeek language café",
                    "Subtitles in English and Latvian.",
                    date(2021, 6, 11),
                    DONE,
                    [MENTOR_NETWORK],
                ),
                (
                    "Collect the participants' questions in advance",
                    "",
                    date(2021, 6, 14),
                    DONE,
                    [MENTEE],
                ),
                (
                    "Send the recording and slides to everyone",
                    "",
                    date(2021, 6, 30),
                    OPEN,
                    [MENTOR],
                ),
            ],
        ),
        (
            "Language learning offer",
            [
                (
                    "Survey the Latvian courses open to newcomers",
                    "Formal courses and volunteer-led conversation groups.",
                    date(2022, 2, 11),
                    DONE,
                    [MENTEE, MENTEE_NETWORK],
                ),
                (
                    "Pilot a conversation group at the city library",
                    "",
                    date(2022, 4, 29),
                    PROGRESS,
                    [MENTEE_NETWORK],
                ),
                (
                    "Describe the language action in the plan",
                    "Lead, partners, resources and indicators.",
                    date(2022, 7, 15),
                    OPEN,
                    [MENTEE, MENTOR],
                ),
                (
                    "Prepare the session for the Brussels academy",
                    "",
                    date(2022, 11, 25),
                    OPEN,
                    [MENTOR, MENTEE_PARTNER],
                ),
                (
                    "Thank the volunteers and share the results",
                    "",
                    date(2022, 12, 16),
                    OPEN,
                    [MENTEE_PARTNER],
                ),
            ],
        ),
    ],
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


def _people(pair: Pair, wanted) -> list:
    found = []
    for role, side in wanted:
        for m in pair.memberships:
            if m.role is role and (side is None or m.side is side) and m.user not in found:
                found.append(m.user)
                break
    return found


def _creator(pair: Pair):
    people = _people(pair, [MENTOR, MENTEE])
    return people[0] if people else None


def load(pairs) -> int:
    """Adds the task lists above to each demo pair; returns how many tasks it created."""
    created = 0
    for pair in pairs:
        content = CONTENT.get(pair.mentor_city.name)
        if content is None:
            continue
        existing = set(
            db.session.scalars(select(TaskList.title).where(TaskList.pair_id == pair.id))
        )
        creator = _creator(pair)
        for position, (list_title, tasks) in enumerate(content, start=1):
            if list_title in existing:
                continue
            first_due = min(t[2] for t in tasks)
            task_list = TaskList(
                pair_id=pair.id,
                title=list_title,
                position=position,
                created_at=_at(first_due - timedelta(days=45)),
            )
            db.session.add(task_list)
            for number, (title, notes, due, status, who) in enumerate(tasks, start=1):
                made_at = _at(due - timedelta(days=30))
                task = Task(
                    task_list=task_list,
                    pair_id=pair.id,
                    title=title,
                    notes=notes,
                    due_on=due,
                    status=status,
                    position=number,
                    created_by_id=creator.id if creator else None,
                    created_at=made_at,
                    completed_at=_at(due - timedelta(days=2)) if status is DONE else None,
                    assignees=_people(pair, who),
                )
                db.session.add(task)
                db.session.flush()
                _activity(pair, task, creator, ActivityKind.TASK_CREATED, made_at)
                if task.assignees:
                    _activity(pair, task, creator, ActivityKind.TASK_ASSIGNED, made_at)
                if status is DONE:
                    doer = task.assignees[0] if task.assignees else creator
                    _activity(pair, task, doer, ActivityKind.TASK_DONE, task.completed_at)
                created += 1
    db.session.flush()
    return created


def _activity(pair, task, actor, kind, when) -> None:
    db.session.add(
        Activity(
            pair_id=pair.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            subject_type="task",
            subject_id=task.id,
            title=task.title,
            core_only=False,
            created_at=when,
        )
    )
