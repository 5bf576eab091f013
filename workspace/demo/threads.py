"""Demo discussions: two or three threads per pair in its working languages, with replies
from different members, one thread per pair open to the support network.

Safe to run again: a thread whose title already exists in the pair is skipped.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from .. import activity, db
from ..models import (
    ActivityKind,
    Pair,
    Post,
    PostRevision,
    Role,
    SubscriptionState,
    Thread,
    ThreadSubscription,
)
from ..threads import markdown
from . import attachments as demo_attachments

# Each thread: (language, title, open to the network, start date, [(role, body), ...]).
# {mentor} and {mentee} are the two cities' names.
FRENCH = [
    (
        "fr",
        "Préparer la visite d'étude à Bruxelles",
        False,
        datetime(2021, 10, 28, 9, 30, tzinfo=UTC),
        [
            (
                Role.MENTOR,
                "Bonjour à toutes et à tous,\n\nNous proposons d'accueillir la délégation de "
                "{mentee} les **25 et 26 novembre**. Au programme :\n\n"
                "- le bureau d'accueil des primo-arrivants et son guichet numérique multilingue ;\n"
                "- une rencontre avec des associations de femmes ;\n"
                "- un échange sur l'analyse des besoins sensible au genre.\n\n"
                "Qui vient de votre côté ?",
            ),
            (
                Role.MENTEE,
                "Merci ! Nous serons quatre : deux élus, la responsable du CCAS et moi. "
                "Pouvons-nous ajouter une visite d'un lieu d'accueil pour les femmes ?",
            ),
            (
                Role.PARTNER,
                "Je m'occupe des réservations et de l'interprétation si besoin. "
                "Merci de m'envoyer les noms avant le 10 novembre.",
            ),
        ],
    ),
    (
        "fr",
        "Maison des femmes : premières pistes",
        False,
        datetime(2022, 2, 14, 14, 0, tzinfo=UTC),
        [
            (
                Role.MENTEE,
                "Après la visite, le conseil municipal souhaite étudier une **maison des "
                "femmes** à {mentee}. Quelles étapes recommandez-vous pour démarrer ?",
            ),
            (
                Role.MENTOR,
                "Commencez par réunir les partenaires qui accueillent déjà ces femmes, puis "
                "fixez deux ou trois objectifs mesurables. Nous pouvons partager notre grille "
                "d'indicateurs.",
            ),
        ],
    ),
    (
        "fr",
        "Réseau local : vos idées pour le plan d'action",
        True,
        datetime(2022, 5, 9, 10, 15, tzinfo=UTC),
        [
            (
                Role.PARTNER,
                "Ce fil est ouvert aux membres du réseau local de soutien. Quels besoins des "
                "habitantes et habitants issus de la migration voyez-vous sur le terrain ?",
            ),
            (
                Role.NETWORK,
                "Les permanences juridiques sont saturées, surtout pour les femmes seules avec "
                "enfants. Un accueil sans rendez-vous une fois par semaine aiderait beaucoup.",
            ),
            (
                Role.MENTEE,
                "Merci, c'est noté pour la section « actions » du plan. Nous en reparlons à la "
                "réunion de juin.",
            ),
        ],
    ),
]

DUTCH_ITALIAN = [
    (
        "nl",
        "Voorbereiding studiebezoek in {mentor}",
        False,
        datetime(2021, 9, 6, 8, 45, tzinfo=UTC),
        [
            (
                Role.MENTOR,
                "Dag iedereen, we stellen voor om de delegatie uit {mentee} drie dagen te "
                "ontvangen. We tonen het buurtwerk, het onthaal van nieuwkomers en ons "
                "programma rond *stad van iedereen*.",
            ),
            (
                Role.PARTNER,
                "Ik kan de contacten met de vrijwilligersorganisaties regelen. Zal ik een "
                "tolk Italiaans vragen voor de tweede dag?",
            ),
        ],
    ),
    (
        "it",
        "Visione di una città per tutti: prima bozza",
        False,
        datetime(2022, 1, 20, 15, 0, tzinfo=UTC),
        [
            (
                Role.MENTEE,
                "Cari colleghi, ecco la prima bozza della visione per {mentee}: una città "
                "dove ogni residente, nuovo o storico, partecipa alla vita del quartiere. "
                "Commenti benvenuti!",
            ),
            (
                Role.MENTOR,
                "Ottimo inizio. Suggeriamo di aggiungere due obiettivi concreti per il 2023, "
                "per esempio sui corsi di lingua e sull'accesso ai servizi.",
            ),
        ],
    ),
    (
        "en",
        "Local support network: ideas for the closing academy",
        True,
        datetime(2022, 10, 3, 11, 0, tzinfo=UTC),
        [
            (
                Role.PARTNER,
                "The closing training academy takes place in Brussels on **7–8 December "
                "2022**. Which experiences from {mentee} should we present there?",
            ),
            (
                Role.NETWORK,
                "The welcome meetings organised with the parish and the sports club worked "
                "well. We could show how volunteers keep them going.",
            ),
            (
                Role.MENTEE,
                "Good idea. Let's prepare three slides about it and a short video.",
            ),
        ],
    ),
]

ENGLISH = [
    (
        "en",
        "Agenda for the study visit in {mentor}",
        False,
        datetime(2021, 10, 11, 9, 0, tzinfo=UTC),
        [
            (
                Role.MENTOR,
                "Hello all, here is a first agenda for the visit of the {mentee} delegation:\n\n"
                "1. Welcome at city hall and an overview of our integration services\n"
                "2. Visit to a training centre run with local employers\n"
                "3. Round table with the local support network\n\n"
                "Anything you would like to add?",
            ),
            (
                Role.MENTEE,
                "Thank you! Could we also meet people who took part in the programmes? "
                "Hearing from them would help our council a lot.",
            ),
            (
                Role.PARTNER,
                "I'll check availability with two participants and come back to you this week.",
            ),
        ],
    ),
    (
        "en",
        "Self-assessment against the benchmark: first round",
        False,
        datetime(2022, 3, 2, 13, 30, tzinfo=UTC),
        [
            (
                Role.MENTEE,
                "We rated each key factor from 1 to 4. The weakest ones are coordination "
                "between departments and outreach to newcomers. Do the ratings look fair?",
            ),
            (
                Role.MENTOR,
                "They look honest. For outreach, we found that working through community "
                "associations reached far more people than leaflets did.",
            ),
        ],
    ),
    (
        "en",
        "Training academy in Brussels, 7–8 December 2022",
        True,
        datetime(2022, 11, 7, 10, 0, tzinfo=UTC),
        [
            (
                Role.MENTOR,
                "This thread is open to our support network. We will present the pair's "
                "work at the training academy in Brussels. Which results matter most to you?",
            ),
            (
                Role.NETWORK,
                "For us it is the new contact point for newcomers and the volunteers who "
                "help there. It would be great to mention them.",
            ),
        ],
    ),
]


def _content_for(pair: Pair):
    languages = pair.working_languages or ["en"]
    if languages == ["fr"]:
        return FRENCH
    if "nl" in languages or "it" in languages:
        return DUTCH_ITALIAN
    return ENGLISH


def _people(pair: Pair) -> dict[Role, list]:
    people: dict[Role, list] = {}
    for membership in sorted(pair.memberships, key=lambda m: m.id):
        people.setdefault(membership.role, []).append(membership.user)
    return people


def load(pairs) -> int:
    """Adds the demo threads to each pair; returns how many threads it created."""
    created = 0
    for pair in pairs:
        people = _people(pair)
        existing = set(db.session.scalars(select(Thread.title).where(Thread.pair_id == pair.id)))
        names = {"mentor": pair.mentor_city.name, "mentee": pair.mentee_city.name}
        for language, title, open_to_network, started, posts in _content_for(pair):
            title = title.format(**names)
            authors = [(people.get(role) or [None])[0] for role, _body in posts]
            if title in existing or authors[0] is None:
                continue
            _thread(pair, language, title, open_to_network, started, posts, people, names)
            created += 1
    db.session.flush()
    demo_attachments.add_to_threads(pairs)  # a chart and a CSV on each pair's first thread
    return created


def _thread(pair, language, title, open_to_network, started, posts, people, names):
    thread = Thread(
        pair=pair,
        title=title,
        language=language,
        open_to_network=open_to_network,
        created_by=(people.get(posts[0][0]) or [None])[0],
        created_at=started,
        last_post_at=started,
        last_post_id=0,
        post_count=0,
    )
    db.session.add(thread)
    db.session.flush()
    when = started
    readers = {}
    for index, (role, body) in enumerate(posts):
        author = (people.get(role) or [None])[0]
        if author is None or (role is Role.NETWORK and not open_to_network):
            continue
        text = body.format(**names)
        post = Post(thread=thread, author=author, language=language, created_at=when)
        db.session.add(post)
        db.session.flush()
        revision = PostRevision(
            post=post,
            body=text,
            body_html=markdown.render(text),
            author=author,
            created_at=when,
        )
        db.session.add(revision)
        db.session.flush()
        post.current_revision = revision
        thread.last_post_id, thread.last_post_at = post.id, when
        thread.post_count += 1
        readers[author.id] = post.id
        kind = ActivityKind.THREAD_STARTED if index == 0 else ActivityKind.POST_REPLIED
        entry = activity.record(
            pair, kind, author, "thread", thread.id, title, core_only=not open_to_network
        )
        entry.created_at = when
        when += timedelta(hours=5 + 13 * index)
    for user_id, last_read in readers.items():
        db.session.add(
            ThreadSubscription(
                user_id=user_id,
                thread_id=thread.id,
                state=SubscriptionState.FOLLOW,
                last_read_post_id=last_read,
            )
        )
