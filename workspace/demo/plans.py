"""Demo action plans: one plan in progress per pair, written in the pair's first working
language by several members over a few weeks of 2022, with comments on sections, and for
pairs with a second working language a translation of two sections, one of them outdated
(translated before the source changed).

Safe to run again: a pair that already has a plan of the same title is left alone. The
plan's creation and revisions go on the timeline at their own dates; no notifications.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .. import db
from ..models import (
    ActionStatus,
    Activity,
    ActivityKind,
    KeyFactor,
    Plan,
    PlanAction,
    Role,
    SectionComment,
    SectionKind,
    Side,
    User,
)
from ..plans import services
from ..threads.markdown import render

CONTEXT, VISION = SectionKind.CONTEXT, SectionKind.VISION
NETWORK, RISKS = SectionKind.NETWORK, SectionKind.RISKS


def _text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


# Brussels and Saint-Jean-de-la-Ruelle (French only) -----------------------------------

_SJ_CONTEXT = (
    "Saint-Jean-de-la-Ruelle compte environ 16 000 habitants, dont une part importante vit "
    "dans les quartiers des Chaises et de la Hêtraie. Beaucoup de femmes arrivées par le "
    "regroupement familial y vivent isolées : elles parlent peu le français, connaissent mal "
    "les services et n'osent pas toujours pousser la porte de la mairie.",
    "Les services municipaux reçoivent ces femmes surtout par l'intermédiaire de leurs "
    "enfants, à l'école ou au centre de loisirs. Nous n'avons jusqu'ici aucune donnée "
    "ventilée par sexe sur l'accès aux services sociaux, à la formation ou à l'emploi.",
)
_SJ_CONTEXT_MORE = (
    "Les quatre groupes de parole organisés au printemps 2022 ont confirmé trois besoins : "
    "un lieu sûr où se retrouver, une information claire sur les droits et les démarches, et "
    "une garde d'enfants pendant les cours de français. Bruxelles a connu la même situation "
    "avant d'ouvrir sa maison des femmes ; son expérience montre qu'un lieu ouvert, animé "
    "avec les associations, attire des femmes que les guichets classiques ne voient jamais."
)
_SJ_RISKS = (
    "- Le local pressenti n'est disponible qu'à partir de 2023 : prévoir des permanences au "
    "centre social en attendant.",
    "- Le financement repose pour moitié sur un appel à projets régional : préparer une "
    "solution de repli avec le budget communal.",
)

# Mechelen and Capaci (Dutch, Italian, English) -----------------------------------------

_CA_CONTEXT = (
    "Capaci is een kustgemeente van ongeveer 11 000 inwoners bij Palermo. De voorbije jaren "
    "vestigden zich er vooral gezinnen uit Tunesië, Bangladesh en Roemenië, vaak in "
    "huurwoningen in het historische centrum.",
    "Nieuwkomers en oudere bewoners leven grotendeels naast elkaar. Er is geen vaste plek "
    "waar zij samen over hun buurt kunnen meepraten, en gemeentelijke diensten bereiken "
    "nieuwkomers vooral via de school.",
)
_CA_CONTEXT_MORE = (
    "Tijdens het studiebezoek aan Mechelen zag de delegatie hoe buurtregisseurs en wijkraden "
    "nieuwkomers bij het beleid betrekken. Capaci wil die aanpak vertalen naar de eigen "
    "schaal: kleiner, met minder personeel, maar met sterke verenigingen."
)
_CA_VISION = _text(
    "Capaci wordt een gemeente waar iedere inwoner, ongeacht afkomst, mee vorm geeft aan "
    "zijn buurt.",
    "Doelstellingen:",
    "- een wijkraad in het historische centrum waarin nieuwkomers minstens een derde van de "
    "leden zijn;\n"
    "- een onthaalpunt in het gemeentehuis met informatie in het Italiaans, Arabisch, "
    "Bengaals en Roemeens;\n"
    "- elk jaar een buurtfeest dat door de bewoners zelf wordt georganiseerd.",
)

# Fuenlabrada and Livadia (English, Spanish, Greek) -------------------------------------

_LI_CONTEXT = (
    "Livadia, the capital of Boeotia, has around 21,000 inhabitants. Most migrant residents "
    "came from Albania in the 1990s; more recently, families from Pakistan, Syria and "
    "Afghanistan have arrived, many of them working seasonally in agriculture.",
    "The municipality has no employment service of its own. Job seekers depend on the "
    "regional office of the public employment service, which has no interpreters and little "
    "contact with local employers.",
)
_LI_CONTEXT_MORE = (
    "During the study visit to Fuenlabrada, the delegation met the municipal employment "
    "agency, which runs job clubs in several languages and a business incubator open to "
    "migrant entrepreneurs. Livadia wants to start smaller: one welcome desk for work and "
    "enterprise, run with the chamber of commerce."
)
_LI_VISION = _text(
    "By 2025, migrant residents of Livadia can find advice on work, training and starting a "
    "business in one place, in a language they understand.",
    "Objectives:",
    "- open a work and enterprise desk in the town hall, two days a week;\n"
    "- run a mentoring scheme pairing ten local entrepreneurs with migrant residents who want "
    "to start a business;\n"
    "- agree with three large employers on fair recruitment and workplace language courses.",
)

# Schaerbeek and Jelgava (English, French, Latvian) -------------------------------------

_JE_CONTEXT = (
    "Jelgava has about 55,000 inhabitants. In 2022 the city welcomed more than a thousand "
    "people from Ukraine, most of them women with children, alongside smaller groups of "
    "students and workers from Central Asia and India.",
    "Free Latvian courses exist, but places are limited, classes are held during working "
    "hours and there is little chance to practise outside the classroom.",
)
_JE_CONTEXT_MORE = (
    "Schaerbeek's experience shows that formal courses are only half the story: "
    "conversation tables in libraries, sports clubs and parents' groups at school let people "
    "use the language every week. Jelgava has many of these places already; they are not yet "
    "used for language learning."
)
_JE_VISION = _text(
    "Every adult newcomer in Jelgava who wants to learn Latvian finds a course at a time that "
    "fits their life, and a place to practise every week.",
    "Objectives:",
    "- double the number of evening and weekend course places by 2024;\n"
    "- open conversation tables in the central library and two neighbourhood libraries;\n"
    "- train 30 volunteers to lead conversation groups.",
)

# By mentor city: the plan's title, its first day, and what happened, in order:
# ("edit", day, section, who, body), ("translate", day, section, who, language, title, body),
# ("comment", day, section, who, language, body, index of the comment replied to or None).
CONTENT = {
    "City of Brussels": {
        "title": "Plan d'action : une maison des femmes à Saint-Jean-de-la-Ruelle",
        "start": date(2022, 4, 20),
        "creator": "mentee",
        "events": [
            ("edit", 1, CONTEXT, "mentee", _text(*_SJ_CONTEXT)),
            (
                "edit",
                3,
                VISION,
                "mentee",
                _text(
                    "D'ici 2025, toute femme qui s'installe à Saint-Jean-de-la-Ruelle sait où "
                    "trouver de l'aide, dans une langue qu'elle comprend, et peut participer à "
                    "la vie de la ville.",
                    "Objectifs :",
                    "- ouvrir une maison des femmes dans le quartier des Chaises, avec une "
                    "permanence d'accueil quatre demi-journées par semaine ;\n"
                    "- former les agents d'accueil de la mairie et du CCAS à une approche "
                    "sensible au genre ;\n"
                    "- produire chaque année des données ventilées par sexe sur l'accès aux "
                    "services.",
                ),
            ),
            (
                "comment",
                5,
                CONTEXT,
                "mentee_network",
                "fr",
                "Pensez à mentionner les femmes âgées arrivées il y a longtemps : elles sont "
                "souvent aussi isolées que les nouvelles arrivantes.",
                None,
            ),
            ("edit", 8, CONTEXT, "mentor", _text(*_SJ_CONTEXT, _SJ_CONTEXT_MORE)),
            (
                "edit",
                9,
                NETWORK,
                "mentee_partner",
                _text(
                    "Le réseau local réunit la mairie, le CCAS, l'Association Solidarité "
                    "Femmes de la Ruelle, le centre social et deux écoles. Un comité de "
                    "pilotage se réunit tous les deux mois sous la présidence de l'adjointe "
                    "aux solidarités.",
                    "Les associations participent aux décisions : elles proposent le "
                    "programme d'activités de la maison des femmes et rendent compte de ce "
                    "qu'elles entendent sur le terrain.",
                ),
            ),
            (
                "comment",
                10,
                VISION,
                "consultant",
                "en",
                "Clear objectives. Could you add an indicator for the second one: how many "
                "staff trained, and by when?",
                None,
            ),
            (
                "comment",
                11,
                VISION,
                "mentee",
                "fr",
                "Bonne idée : nous visons 40 agents formés d'ici la fin de 2023.",
                1,
            ),
            ("edit", 12, RISKS, "mentor_partner", _text(*_SJ_RISKS)),
            (
                "edit",
                15,
                RISKS,
                "mentee",
                _text(
                    *_SJ_RISKS,
                    "- Les femmes les plus isolées ne viendront pas d'elles-mêmes : "
                    "s'appuyer sur les écoles et les associations pour aller vers elles.",
                ),
            ),
        ],
    },
    "Mechelen": {
        "title": "Actieplan: Capaci, een stad voor iedereen",
        "start": date(2022, 5, 10),
        "creator": "mentor",
        "events": [
            ("edit", 1, CONTEXT, "mentor", _text(*_CA_CONTEXT)),
            ("edit", 2, VISION, "mentor", _CA_VISION),
            (
                "translate",
                4,
                CONTEXT,
                "mentee",
                "it",
                "Contesto e bisogni",
                _text(
                    "Capaci è un comune costiero di circa 11.000 abitanti vicino a Palermo. "
                    "Negli ultimi anni vi si sono stabilite soprattutto famiglie provenienti "
                    "da Tunisia, Bangladesh e Romania, spesso in case in affitto nel centro "
                    "storico.",
                    "Nuovi arrivati e residenti di lunga data vivono in gran parte gli uni "
                    "accanto agli altri. Non esiste un luogo stabile dove possano discutere "
                    "insieme del loro quartiere, e i servizi comunali raggiungono i nuovi "
                    "arrivati soprattutto attraverso la scuola.",
                ),
            ),
            (
                "translate",
                5,
                VISION,
                "mentee_partner",
                "it",
                "Visione e obiettivi",
                _text(
                    "Capaci diventa un comune in cui ogni abitante, qualunque sia la sua "
                    "origine, contribuisce a dare forma al proprio quartiere.",
                    "Obiettivi:",
                    "- un consiglio di quartiere nel centro storico in cui i nuovi arrivati "
                    "siano almeno un terzo dei membri;\n"
                    "- uno sportello di accoglienza in municipio con informazioni in italiano, "
                    "arabo, bengalese e rumeno;\n"
                    "- ogni anno una festa di quartiere organizzata dagli stessi abitanti.",
                ),
            ),
            (
                "comment",
                6,
                CONTEXT,
                "mentee_network",
                "it",
                "Nel centro storico vivono anche molti anziani soli: coinvolgiamoli nel "
                "consiglio di quartiere.",
                None,
            ),
            ("edit", 9, CONTEXT, "mentor_partner", _text(*_CA_CONTEXT, _CA_CONTEXT_MORE)),
            (
                "edit",
                11,
                NETWORK,
                "mentor_partner",
                _text(
                    "De gemeente werkt samen met de Associazione Accoglienza Capaci, de "
                    "parochie, de basisschool en twee sportclubs. Samen Mechelen vzw deelt "
                    "zijn ervaring met vrijwilligerswerking.",
                    "Een stuurgroep met de schepen van sociale zaken, de verenigingen en twee "
                    "bewoners komt elk kwartaal samen.",
                ),
            ),
            (
                "comment",
                12,
                VISION,
                "consultant",
                "en",
                "A third of the seats for newcomers is ambitious. How will the members be chosen?",
                None,
            ),
            (
                "comment",
                13,
                VISION,
                "mentor",
                "nl",
                "Via een oproep in de vier talen en loting onder de kandidaten.",
                1,
            ),
        ],
    },
    "Fuenlabrada": {
        "title": "Action plan: decent work and enterprise for migrant residents of Livadia",
        "start": date(2022, 3, 15),
        "creator": "mentee",
        "events": [
            ("edit", 1, CONTEXT, "mentee", _text(*_LI_CONTEXT)),
            ("edit", 2, VISION, "mentee", _LI_VISION),
            (
                "translate",
                4,
                CONTEXT,
                "mentor",
                "es",
                "Contexto y necesidades",
                _text(
                    "Livadia, capital de Beocia, tiene unos 21.000 habitantes. La mayoría de "
                    "los residentes migrantes llegaron de Albania en los años noventa; más "
                    "recientemente han llegado familias de Pakistán, Siria y Afganistán, "
                    "muchas de ellas con trabajos de temporada en la agricultura.",
                    "El municipio no tiene un servicio de empleo propio. Quienes buscan "
                    "trabajo dependen de la oficina regional del servicio público de empleo, "
                    "que no dispone de intérpretes y tiene poco contacto con las empresas "
                    "locales.",
                ),
            ),
            (
                "translate",
                5,
                VISION,
                "mentor_partner",
                "es",
                "Visión y objetivos",
                _text(
                    "En 2025, los residentes migrantes de Livadia pueden obtener en un solo "
                    "lugar, y en una lengua que entienden, orientación sobre empleo, "
                    "formación y creación de empresas.",
                    "Objetivos:",
                    "- abrir una oficina de empleo y emprendimiento en el ayuntamiento, dos "
                    "días por semana;\n"
                    "- poner en marcha un programa de mentoría que empareje a diez "
                    "empresarios locales con residentes migrantes que quieran crear su "
                    "empresa;\n"
                    "- acordar con tres grandes empresas una contratación justa y cursos de "
                    "idioma en el lugar de trabajo.",
                ),
            ),
            (
                "comment",
                6,
                CONTEXT,
                "mentee_network",
                "en",
                "Worth adding that many seasonal workers live outside town, in the villages "
                "around Livadia: the desk should travel to them now and then.",
                None,
            ),
            ("edit", 8, CONTEXT, "mentor", _text(*_LI_CONTEXT, _LI_CONTEXT_MORE)),
            (
                "edit",
                10,
                NETWORK,
                "mentee_partner",
                _text(
                    "The desk is run by the municipality with the chamber of commerce of "
                    "Boeotia, the Livadia Migrant Support Centre and the regional office of "
                    "the public employment service. Unions are invited to the steering group, "
                    "which meets every two months.",
                    "Fuenlabrada's employment agency remains available for advice through "
                    "monthly online calls.",
                ),
            ),
            (
                "edit",
                12,
                RISKS,
                "mentor_partner",
                _text(
                    "- Seasonal work keeps many people away from the desk in summer and "
                    "autumn: plan outreach around the harvest calendar.",
                    "- Employers may see the scheme as extra paperwork: start with those who "
                    "already asked for help.",
                ),
            ),
            (
                "comment",
                13,
                VISION,
                "consultant",
                "en",
                "Good focus. For the mentoring scheme, say who recruits the entrepreneurs.",
                None,
            ),
            (
                "comment",
                14,
                VISION,
                "mentee",
                "en",
                "The chamber of commerce will, through its members' newsletter.",
                1,
            ),
        ],
    },
    "Schaerbeek": {
        "title": "Action plan: learning Latvian together in Jelgava",
        "start": date(2022, 9, 12),
        "creator": "mentee",
        "events": [
            ("edit", 1, CONTEXT, "mentee", _text(*_JE_CONTEXT)),
            ("edit", 2, VISION, "mentee", _JE_VISION),
            (
                "translate",
                3,
                CONTEXT,
                "mentor",
                "fr",
                "Contexte et besoins",
                _text(
                    "Jelgava compte environ 55 000 habitants. En 2022, la ville a accueilli "
                    "plus d'un millier de personnes venues d'Ukraine, surtout des femmes avec "
                    "enfants, ainsi que de plus petits groupes d'étudiants et de travailleurs "
                    "d'Asie centrale et d'Inde.",
                    "Des cours de letton gratuits existent, mais les places sont limitées, "
                    "les cours ont lieu pendant les heures de travail et il y a peu "
                    "d'occasions de pratiquer en dehors de la classe.",
                ),
            ),
            (
                "translate",
                4,
                VISION,
                "mentor_partner",
                "fr",
                "Vision et objectifs",
                _text(
                    "Chaque adulte nouvellement arrivé à Jelgava qui veut apprendre le letton "
                    "trouve un cours à un horaire compatible avec sa vie, et un lieu où "
                    "pratiquer chaque semaine.",
                    "Objectifs :",
                    "- doubler d'ici 2024 le nombre de places dans les cours du soir et du "
                    "week-end ;\n"
                    "- ouvrir des tables de conversation à la bibliothèque centrale et dans "
                    "deux bibliothèques de quartier ;\n"
                    "- former 30 bénévoles à l'animation de groupes de conversation.",
                ),
            ),
            ("edit", 7, CONTEXT, "mentor", _text(*_JE_CONTEXT, _JE_CONTEXT_MORE)),
            (
                "edit",
                8,
                NETWORK,
                "mentee_partner",
                _text(
                    "The language learning network brings together the city's education "
                    "department, the central library, Jelgava Language Learning Society, the "
                    "adult education centre and the university. Ateliers de langue de "
                    "Schaerbeek shares its training for volunteers.",
                    "The network meets monthly; the library coordinates the schedule of "
                    "conversation tables.",
                ),
            ),
            (
                "comment",
                9,
                NETWORK,
                "mentee_network",
                "en",
                "The society can host two conversation tables a week from October, in our "
                "rooms near the station.",
                None,
            ),
            (
                "comment",
                10,
                VISION,
                "consultant",
                "en",
                "Please add how you will reach women with young children: is there childcare "
                "during the evening courses?",
                None,
            ),
            (
                "comment",
                11,
                VISION,
                "mentor",
                "en",
                "Yes: the library offers a children's corner during the conversation tables.",
                1,
            ),
            (
                "edit",
                12,
                RISKS,
                "mentor_partner",
                _text(
                    "- Volunteers drop out after a few months: offer training, a small "
                    "community and recognition.",
                    "- Newcomers may move on to larger cities: measure progress per person, "
                    "not only the number of participants.",
                ),
            ),
        ],
    },
}


# Actions of each demo plan: (title, description, key factor codes, lead — the mentee city or
# its association —, start, end, status). Each plan leaves one rated gap without an action,
# so the coverage view has something to flag.
ACTIONS = {
    "City of Brussels": [
        (
            "Ouvrir une maison des femmes",
            "Un lieu d'accueil ouvert trois demi-journées par semaine, animé avec les "
            "associations du quartier, avec une garde d'enfants.",
            ["needs_assessment.direct_voices", "needs_assessment.support_network"],
            "city",
            date(2023, 1, 9),
            date(2024, 6, 30),
            ActionStatus.IN_PROGRESS,
        ),
        (
            "Collecter des données ventilées par sexe",
            "Ajouter le sexe et la durée de présence en France aux fiches d'accueil du CCAS "
            "et du service emploi, et publier une synthèse annuelle.",
            ["needs_assessment.disaggregated_data"],
            "city",
            date(2023, 3, 1),
            date(2023, 12, 31),
            ActionStatus.PLANNED,
        ),
    ],
    "Mechelen": [
        (
            "Wijkraad in het historische centrum",
            "Een wijkraad waarin nieuwkomers en oudere bewoners samen beslissen over een "
            "klein buurtbudget, begeleid door een buurtregisseur.",
            ["city_for_all.participation"],
            "city",
            date(2023, 2, 1),
            date(2024, 12, 31),
            ActionStatus.IN_PROGRESS,
        ),
        (
            "Onthaalpakket voor nieuwe inwoners",
            "Een meertalig onthaalpakket (Italiaans, Arabisch, Bengaals, Roemeens) en een "
            "onthaalmoment per kwartaal in het gemeentehuis.",
            ["city_for_all.welcome"],
            "association",
            date(2023, 4, 1),
            date(2023, 10, 31),
            ActionStatus.PLANNED,
        ),
    ],
    "Fuenlabrada": [
        (
            "Municipal employment desk",
            "A weekly desk in the town hall for advice on work, training and recognition of "
            "qualifications, staffed with the regional employment service.",
            ["employment.labour_market_picture", "employment.skills_recognition"],
            "city",
            date(2023, 1, 16),
            date(2024, 12, 31),
            ActionStatus.IN_PROGRESS,
        ),
        (
            "Employers' breakfast",
            "Twice a year, local farms and firms meet job seekers and the desk's staff to "
            "discuss seasonal work with fair contracts.",
            ["employment.employers"],
            "association",
            date(2023, 5, 1),
            date(2024, 5, 31),
            ActionStatus.PLANNED,
        ),
    ],
    "Schaerbeek": [
        (
            "Conversation tables in libraries",
            "Weekly Latvian conversation tables in the central library and two district "
            "libraries, led by trained volunteers, with a children's corner.",
            ["language_learning.non_formal", "language_learning.access"],
            "city",
            date(2022, 10, 3),
            date(2024, 6, 30),
            ActionStatus.IN_PROGRESS,
        ),
        (
            "Evening and weekend courses",
            "Double the places in evening and weekend Latvian courses with the adult "
            "education centre.",
            ["language_learning.flexible_formats"],
            "city",
            date(2023, 1, 9),
            date(2024, 12, 31),
            ActionStatus.PLANNED,
        ),
    ],
}


def load(pairs) -> int:
    """Adds the plan above to each demo pair; returns how many plans it created."""
    created = 0
    for pair in pairs:
        spec = CONTENT.get(pair.mentor_city.name)
        if spec is None:
            continue
        exists = db.session.scalar(
            select(Plan.id).where(Plan.pair_id == pair.id, Plan.title == spec["title"])
        )
        if exists is not None:
            continue
        _plan(pair, spec)
        created += 1
    db.session.flush()
    return created


def _plan(pair, spec: dict) -> Plan:
    people = _people(pair)
    language = pair.working_languages[0]
    start = _at(spec["start"])
    creator = people[spec["creator"]]
    plan = services.create_plan(pair, spec["title"], language, creator)
    db.session.flush()
    plan.created_at = start
    for section in plan.sections:
        section.created_at = start
        services.text_for(section, language).current_revision.created_at = start
    _activity(pair, plan, creator, ActivityKind.PLAN_CREATED, plan.title, start)
    sections = {section.kind: section for section in plan.sections}
    comments: list[SectionComment] = []
    moment = start
    for event in spec["events"]:
        kind, day, section_kind, who = event[:4]
        section, author = sections[section_kind], people[who]
        moment = start + timedelta(days=day, hours=len(comments))
        source = services.text_for(section, language)
        if kind == "edit":
            result = services.save_text(
                source,
                base_revision_id=source.current_revision_id,
                title=source.current_revision.title,
                body=event[4],
                author=author,
            )
            result.revision.created_at = moment
            title = f"{plan.title} · {result.revision.title}"
            _activity(pair, plan, author, ActivityKind.PLAN_REVISED, title, moment)
        elif kind == "translate":
            target, title, body = event[4:]
            if target not in pair.working_languages:
                continue
            text = services.text_or_new(section, target)
            result = services.save_text(
                text,
                base_revision_id=text.current_revision_id,
                title=title,
                body=body,
                author=author,
                source_revision_id=source.current_revision_id,
            )
            result.revision.created_at = moment
        else:
            comment_language, body, reply_to = event[4:]
            comment = SectionComment(
                section=section,
                revision_id=source.current_revision_id,
                parent_id=comments[reply_to].id if reply_to is not None else None,
                author=author,
                language=comment_language,
                body=body,
                body_html=render(body),
                created_at=moment,
            )
            db.session.add(comment)
            db.session.flush()
            comments.append(comment)
    _actions(plan, pair, ACTIONS.get(pair.mentor_city.name, []), moment)
    plan.updated_at = moment
    return plan


def _actions(plan: Plan, pair, rows, when: datetime) -> None:
    codes = {code for row in rows for code in row[2]}
    factors = {
        factor.code: factor
        for factor in db.session.scalars(select(KeyFactor).where(KeyFactor.code.in_(codes)))
    }
    leads = {"city": pair.mentee_city, "association": pair.mentee_association}
    for position, (title, description, factor_codes, lead, starts, ends, status) in enumerate(rows):
        db.session.add(
            PlanAction(
                plan=plan,
                position=position,
                title=title,
                description=description,
                key_factors=[factors[code] for code in factor_codes if code in factors],
                lead_organisation=leads[lead],
                starts_on=starts,
                ends_on=ends,
                status=status,
                created_at=when,
                updated_at=when,
            )
        )


def _people(pair) -> dict[str, User | None]:
    """The pair's people by the keys CONTENT uses, and its cluster's consultant."""
    people: dict[str, User | None] = {}
    for membership in pair.memberships:
        if membership.role in (Role.MENTOR, Role.MENTEE):
            people[membership.role.value] = membership.user
        else:
            side = "mentor" if membership.side is Side.MENTOR else "mentee"
            people[f"{side}_{membership.role.value}"] = membership.user
    consultants = pair.cluster.consultants if pair.cluster else []
    people["consultant"] = consultants[0] if consultants else people["mentor"]
    return people


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


def _activity(pair, plan, actor, kind, title, when) -> None:
    db.session.add(
        Activity(
            pair_id=pair.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            subject_type="plan",
            subject_id=plan.id,
            title=title[:300],
            core_only=False,
            created_at=when,
        )
    )
