"""Demo timeline: study visits, trainings, workshops, meetings and deadlines of 2021–2022,
the closing Training Academy in Brussels, and the activity stream that goes with them.

Safe to run again: an event whose title already exists in the pair is left alone.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from .. import db
from ..models import Activity, ActivityKind, Event, EventKind, EventParticipant, Membership, Side
from ..timeline.services import to_utc
from . import attachments as demo_attachments

V_ON, V_VIRT = EventKind.STUDY_VISIT_ONSITE, EventKind.STUDY_VISIT_VIRTUAL
WORKSHOP, TRAINING = EventKind.WORKSHOP, EventKind.TRAINING
MEETING, DEADLINE = EventKind.MEETING, EventKind.DEADLINE

# Per mentor city: language, the two cities' time zones, and the three study visits as
# (kind, where: "mentor"/"mentee"/"online", local start, days, title, description, agenda,
# what was seen, findings).
PAIRS = {
    "City of Brussels": {
        "language": "fr",
        "zones": ("Europe/Brussels", "Europe/Paris"),
        "visits": [
            (
                V_ON,
                "mentor",
                datetime(2021, 11, 25, 9, 0),
                2,
                "Visite d'étude à Bruxelles",
                "Deux jours à Bruxelles pour découvrir l'accueil des primo-arrivants et les "
                "services pensés pour les femmes migrantes.",
                "Jour 1 : accueil à l'hôtel de ville, bureau d'accueil pour primo-arrivants.\n"
                "Jour 2 : maison des femmes de Schaerbeek, échange avec les associations.",
                "Le guichet numérique multilingue du bureau d'accueil, où chacun trouve "
                "l'information dans sa langue ; une maison des femmes qui réunit conseil, "
                "cours et garde d'enfants sous un même toit.",
                "Un lieu unique et accueillant compte plus qu'une multitude de services "
                "dispersés. Saint-Jean-de-la-Ruelle étudiera une maison des femmes inspirée "
                "de celle de Schaerbeek.",
            ),
            (
                V_VIRT,
                "online",
                datetime(2022, 3, 15, 10, 0),
                0,
                "Visite virtuelle : le diagnostic des besoins",
                "Séance en ligne pour relire ensemble la première version du diagnostic "
                "sensible au genre.",
                "Présentation du questionnaire ; résultats des entretiens ; prochaines étapes.",
                "Les premiers résultats des entretiens menés avec des habitantes du quartier.",
                "Les femmes isolées connaissent mal les services existants : l'information "
                "doit aller vers elles, par des relais de confiance.",
            ),
            (
                V_ON,
                "mentee",
                datetime(2022, 6, 9, 9, 30),
                2,
                "Visite d'étude à Saint-Jean-de-la-Ruelle",
                "La délégation bruxelloise découvre le projet de maison des femmes et "
                "rencontre le réseau local.",
                "Jour 1 : visite des locaux envisagés, rencontre des élues.\n"
                "Jour 2 : atelier avec le réseau local de soutien.",
                "Les locaux pressentis pour la maison des femmes et un atelier d'échange avec "
                "une douzaine d'associations locales.",
                "Le projet est mûr ; il manque un plan de financement sur trois ans et un "
                "comité de pilotage associant les habitantes.",
            ),
        ],
        "words": {
            "training": "Formation thématique : {}",
            "workshop": "Atelier de transfert : {}",
            "meeting": "Réunion de coordination",
            "deadline": "Échéance : {}",
            "academy": "Académie de formation de clôture à Bruxelles",
            "academy_text": "Deux jours de clôture du programme avec toutes les paires, à "
            "Bruxelles.",
            "topics": ["l'analyse des besoins", "le budget sensible au genre"],
            "workshops": ["la maison des femmes", "l'accueil multilingue"],
            "deadlines": ["rapport d'étape", "projet de plan d'action", "plan d'action final"],
            "meeting_text": "Point mensuel entre les deux villes et les associations.",
            "online": "En ligne",
        },
    },
    "Mechelen": {
        "language": "en",
        "zones": ("Europe/Brussels", "Europe/Rome"),
        "visits": [
            (
                V_ON,
                "mentor",
                datetime(2021, 10, 18, 9, 0),
                2,
                "Study visit to Mechelen",
                "Capaci's delegation sees how Mechelen works towards a city for all.",
                "Day 1: city hall, neighbourhood managers.\nDay 2: volunteer buddy scheme.",
                "Neighbourhood teams that bring newcomers and long-standing residents "
                "together, and a buddy scheme run by volunteers.",
                "A shared vision needs a visible first step; Capaci will start with a "
                "welcome desk in the town hall.",
            ),
            (
                V_VIRT,
                "online",
                datetime(2022, 2, 8, 14, 0),
                0,
                "Virtual study visit: the welcome desk",
                "An online session on the first months of Capaci's welcome desk.",
                "Figures of the first months; questions from Mechelen; next steps.",
                "Screenshots and figures from the desk's first months.",
                "People come back when the desk speaks their language; volunteers help.",
            ),
            (
                V_ON,
                "mentee",
                datetime(2022, 5, 23, 9, 30),
                2,
                "Visita di studio a Capaci",
                "Mechelen visits Capaci to see the welcome desk and meet local partners.",
                "Giorno 1: sportello di accoglienza.\nGiorno 2: incontro con le associazioni.",
                "The welcome desk at work and a meeting with local associations.",
                "The desk needs a stable team; the plan will name who runs it after 2022.",
            ),
        ],
    },
    "Fuenlabrada": {
        "language": "en",
        "zones": ("Europe/Madrid", "Europe/Athens"),
        "visits": [
            (
                V_ON,
                "mentor",
                datetime(2021, 11, 8, 9, 0),
                2,
                "Study visit to Fuenlabrada",
                "Livadia's delegation meets Fuenlabrada's employment services and employers.",
                "Day 1: municipal employment agency.\nDay 2: business incubator, unions.",
                "Job coaching for migrant residents and an incubator that mentors first "
                "businesses.",
                "Employers join when the city asks them directly; Livadia will hold a "
                "round table with local employers.",
            ),
            (
                V_VIRT,
                "online",
                datetime(2022, 3, 2, 11, 0),
                0,
                "Virtual study visit: the employers' round table",
                "Online review of Livadia's first round table with employers.",
                "Results of the round table; questions; next steps.",
                "Notes from the round table with eleven employers.",
                "Short language courses at the workplace are what employers ask for first.",
            ),
            (
                V_ON,
                "mentee",
                datetime(2022, 6, 20, 9, 0),
                2,
                "Study visit to Livadia",
                "Fuenlabrada visits Livadia's pilot job-coaching service.",
                "Day 1: pilot service.\nDay 2: workshop with the local support network.",
                "The pilot job-coaching service and its first participants.",
                "The pilot works; the action plan will make it permanent.",
            ),
        ],
    },
    "Schaerbeek": {
        "language": "en",
        "zones": ("Europe/Brussels", "Europe/Riga"),
        "visits": [
            (
                V_ON,
                "mentor",
                datetime(2021, 10, 4, 9, 0),
                2,
                "Study visit to Schaerbeek",
                "Jelgava's delegation discovers how Schaerbeek teaches languages to newcomers.",
                "Day 1: newcomer office and its digital counter.\nDay 2: conversation tables.",
                "A multilingual digital counter that answers newcomers' questions in many "
                "languages, and conversation tables in libraries.",
                "Informal practice matters as much as classes; Jelgava will try "
                "conversation tables in its library.",
            ),
            (
                V_VIRT,
                "online",
                datetime(2022, 2, 22, 10, 0),
                0,
                "Virtual study visit: conversation tables",
                "An online look at Jelgava's first conversation tables.",
                "Report from the library; exchange with Schaerbeek's volunteers.",
                "Photos and accounts of the first conversation tables in Jelgava.",
                "Volunteers need a short training; Schaerbeek will share its material.",
            ),
            (
                V_ON,
                "mentee",
                datetime(2022, 5, 16, 9, 0),
                2,
                "Study visit to Jelgava",
                "Schaerbeek visits Jelgava's language-learning projects.",
                "Day 1: library and adult education centre.\nDay 2: local support network.",
                "Latvian courses for newcomers and the library's conversation tables.",
                "Courses and informal practice should be offered together, at the same place.",
            ),
        ],
    },
}

ENGLISH_WORDS = {
    "training": "Thematic training: {}",
    "workshop": "Transfer workshop: {}",
    "meeting": "Coordination meeting",
    "deadline": "Deadline: {}",
    "academy": "Closing Training Academy in Brussels",
    "academy_text": "Two closing days of the programme with every pair, in Brussels.",
    "topics": ["benchmark self-assessment", "working with the local support network"],
    "workshops": ["transferring the good practice", "drafting the action plan"],
    "deadlines": ["progress report", "draft action plan", "final action plan"],
    "meeting_text": "Monthly check-in between the two cities and their associations.",
    "online": "Online",
}


def _events(pair, spec) -> list[dict]:
    words = spec.get("words", ENGLISH_WORDS)
    mentor_zone, mentee_zone = spec["zones"]
    places = {"mentor": pair.mentor_city.name, "mentee": pair.mentee_city.name}
    zones = {"mentor": mentor_zone, "mentee": mentee_zone, "online": mentor_zone}
    made = []
    for kind, where, start, days, title, text, agenda, seen, findings in spec["visits"]:
        made.append(
            {
                "kind": kind,
                "title": title,
                "description": text,
                "start": start,
                "end": start + timedelta(days=max(days - 1, 0), hours=8 if days else 2),
                "timezone": zones[where],
                "place": places.get(where, words["online"]),
                "online_url": "https://meet.example.org/incluities" if where == "online" else "",
                "agenda": agenda,
                "what_was_seen": seen,
                "findings": findings,
                "visit": True,
            }
        )
    for i, topic in enumerate(words["topics"]):
        start = datetime(2021, 6 + i * 6, 14, 10, 0)
        made.append(_plain(TRAINING, words["training"].format(topic), start, 3, mentor_zone, ""))
    for i, topic in enumerate(words["workshops"]):
        start = datetime(2022, 4 + i * 5, 12, 14, 0)
        made.append(_plain(WORKSHOP, words["workshop"].format(topic), start, 3, mentee_zone, ""))
    for month in range(12):
        year, m = 2021 + (month + 3) // 12, (month + 3) % 12 + 1
        start = datetime(year, m, 3 + month % 3, 10, 0)
        title = f"{words['meeting']} {start:%Y-%m}"
        made.append(_plain(MEETING, title, start, 1, mentor_zone, words["meeting_text"]))
    due = [datetime(2021, 12, 17, 17, 0), datetime(2022, 9, 30, 17, 0), datetime(2022, 11, 30, 17)]
    for what, start in zip(words["deadlines"], due, strict=True):
        made.append(_plain(DEADLINE, words["deadline"].format(what), start, 0, mentee_zone, ""))
    made.append(
        {
            **_plain(
                TRAINING,
                words["academy"],
                datetime(2022, 12, 7, 9, 0),
                0,
                "Europe/Brussels",
                words["academy_text"],
            ),
            "end": datetime(2022, 12, 8, 17, 0),
            "place": "Brussels",
        }
    )
    return made


def _plain(kind, title, start, hours, zone, text) -> dict:
    return {
        "kind": kind,
        "title": title,
        "description": text,
        "start": start,
        "end": start + timedelta(hours=hours or 1),
        "timezone": zone,
        "place": "",
        "online_url": "",
        "visit": False,
    }


def load(pairs) -> int:
    """Adds the timeline of each demo pair; returns how many events and entries it created."""
    created = 0
    for pair in pairs:
        spec = PAIRS.get(pair.mentor_city.name)
        if spec is None:
            continue
        members = list(db.session.scalars(select(Membership).where(Membership.pair_id == pair.id)))
        core = [m for m in members if m.role.is_core]
        creator = next((m.user for m in core if m.side is Side.MENTOR), None)
        joined = set(
            db.session.scalars(
                select(Activity.subject_id).where(
                    Activity.pair_id == pair.id, Activity.kind == ActivityKind.MEMBER_JOINED
                )
            )
        )
        for i, m in enumerate(members):
            if m.id in joined:
                continue
            at = datetime(2021, 2, 1, 9, 0, tzinfo=UTC) + timedelta(days=i * 3)
            db.session.add(
                Activity(
                    pair_id=pair.id,
                    kind=ActivityKind.MEMBER_JOINED,
                    actor_id=m.user_id,
                    subject_type="membership",
                    subject_id=m.id,
                    title=m.user.name,
                    created_at=at,
                )
            )
            created += 1
        existing = set(db.session.scalars(select(Event.title).where(Event.pair_id == pair.id)))
        for item in _events(pair, spec):
            if item["title"] in existing:
                continue
            starts = to_utc(item["start"], item["timezone"])
            event = Event(
                pair_id=pair.id,
                kind=item["kind"],
                title=item["title"],
                description=item["description"],
                language=spec["language"],
                starts_at=starts,
                ends_at=to_utc(item["end"], item["timezone"]),
                timezone=item["timezone"],
                place=item["place"],
                online_url=item["online_url"],
                created_by_id=creator.id if creator else None,
                created_at=starts - timedelta(days=30),
                updated_at=starts - timedelta(days=30),
                agenda=item.get("agenda", ""),
                what_was_seen=item.get("what_was_seen", ""),
                findings=item.get("findings", ""),
            )
            if item["visit"]:
                event.participants = [
                    EventParticipant(user_id=m.user_id, side=m.side) for m in core
                ] + [
                    EventParticipant(organisation_id=org.id, side=side)
                    for org, side in (
                        (pair.mentor_city, Side.MENTOR),
                        (pair.mentee_city, Side.MENTEE),
                    )
                ]
            db.session.add(event)
            db.session.flush()
            db.session.add(
                Activity(
                    pair_id=pair.id,
                    kind=ActivityKind.EVENT_CREATED,
                    actor_id=creator.id if creator else None,
                    subject_type="event",
                    subject_id=event.id,
                    title=event.title,
                    created_at=event.created_at,
                )
            )
            created += 2
    db.session.flush()
    demo_attachments.add_to_visits(pairs)  # agendas as PDF files
    return created
