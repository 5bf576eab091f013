"""Synthetic data at programme scale: ``flask --app wsgi demo synth``.

A coherent, made-up programme: organisations, clusters with their consultants, pairs across
themes and languages, members in every role and on both sides, threads with posts (replies,
mentions, edits, moderation), task lists and tasks, events and study visits, action plans
with sections, translations and revisions, benchmark self-assessments, and the activity
stream the timeline reads -- with every denormalised column (thread counters, head
revisions, list and plan ``updated_at``) as the application itself would have left it.

Deterministic: one ``random.Random(seed)``, a fixed base time, no ``uuid4`` and no "now"; the
same seed gives the same rows in an empty database. Fast: ids are assigned here, rows are
written with SQLAlchemy Core ``insert()`` and executemany in batches, in one transaction.
"""

import hashlib
import math
import random
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.low_level import hash_secret
from flask import current_app, url_for
from sqlalchemy import Table, func, insert, select, text, update

from .. import db
from ..models import (
    ActionStatus,
    Activity,
    ActivityKind,
    AssessmentRating,
    Base,
    Cluster,
    Consent,
    EmailPreference,
    Event,
    EventKind,
    EventParticipant,
    KeyFactor,
    KeyFactorText,
    Membership,
    MentoringTheme,
    ModerationAction,
    ModerationKind,
    Notification,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Pair,
    PairStatus,
    Plan,
    PlanAction,
    PlanReviewStep,
    PlanSection,
    PlanStatus,
    Post,
    PostMention,
    PostRevision,
    Priority,
    Rating,
    RevisionOrigin,
    Role,
    SectionComment,
    SectionKind,
    SectionRevision,
    SectionText,
    Side,
    SubscriptionState,
    Task,
    TaskList,
    TaskStatus,
    Theme,
    Thread,
    ThreadSubscription,
    User,
    cluster_consultant,
    plan_action_key_factor,
    task_assignee,
)
from ..models.timeline import event_follow_up
from ..privacy.notices import PRIVACY_NOTICE_VERSION
from ..threads import markdown
from . import synth_text as words

SYNTH_PASSWORD = "synthetic-programme-2026"  # noqa: S105  (public: --help shows it)
EMAIL = "synth-{n}@example.org"

# The programme: content from BASE to CONTENT_END; pairs' events may run a little later.
BASE = datetime(2024, 9, 2, 7, 0, tzinfo=UTC)
CONTENT_END = datetime(2026, 10, 30, 17, 0, tzinfo=UTC)
DAY = 86_400
HOUR = 3_600
BATCH = 5_000

PAIRS_PER_CLUSTER = 8
POSTS_PER_THREAD = 25  # on average
OUTLINE = list(SectionKind)[:-1]  # the default outline, without CUSTOM
ACTION_STATUSES = list(ActionStatus)
# Stand-ins for ids in URL templates made once by url_for.
FIRST, SECOND = 987654321, 987654322


class SynthError(Exception):
    """The data set cannot be made (a non-empty database, sizes that do not fit)."""


@dataclass
class Sizes:
    pairs: int = 200
    users: int = 5000
    posts: int = 300_000
    tasks: int = 50_000
    revisions: int = 20_000
    seed: int = 1

    def clusters(self) -> int:
        return max(1, math.ceil(self.pairs / PAIRS_PER_CLUSTER))

    def consultants(self) -> int:
        return max(2, self.clusters() + 1)

    def check(self) -> None:
        if self.pairs < 1:
            raise SynthError("--pairs must be at least 1.")
        needed = 1 + self.consultants() + 6 * self.pairs
        if self.users < needed:
            raise SynthError(
                f"--users must be at least {needed} for {self.pairs} pairs: one coordinator, "
                f"{self.consultants()} consultants and six members per pair."
            )
        threads = 2 * self.pairs + self.clusters()
        if self.posts < threads:
            raise SynthError(f"--posts must be at least {threads} (one per thread).")
        if self.revisions < len(OUTLINE) * self.pairs:
            raise SynthError(
                f"--revisions must be at least {len(OUTLINE) * self.pairs} "
                f"(one per section of each pair's plan)."
            )
        if self.tasks < 0:
            raise SynthError("--tasks cannot be negative.")


@dataclass
class PairInfo:
    id: int
    index: int
    cluster_id: int
    mentor_city: tuple[int, str, str]  # (organisation id, name, country)
    mentee_city: tuple[int, str, str]
    languages: list[str]
    theme: MentoringTheme
    start: int  # seconds after BASE
    end: int  # of the pair's work (may be after CONTENT_END)
    members: list[tuple[int, Role, Side]] = field(default_factory=list)  # user id, role, side

    @property
    def language(self) -> str:
        return self.languages[0]

    @property
    def content_end(self) -> int:
        return min(self.end, seconds(CONTENT_END))

    def users(self, *roles: Role, side: Side | None = None) -> list[int]:
        return [u for u, r, s in self.members if (not roles or r in roles) and (side in (None, s))]

    @property
    def core(self) -> list[int]:
        return self.users(Role.MENTOR, Role.MENTEE, Role.PARTNER)


def seconds(moment: datetime) -> int:
    return int((moment - BASE).total_seconds())


def at(offset: int) -> datetime:
    return BASE + timedelta(seconds=offset)


def url(template: str, first: int, second: int) -> str:
    return template.replace(str(FIRST), str(first)).replace(str(SECOND), str(second))


def content_language(language: str) -> str:
    return language if language in words.LANGUAGES else "en"


# A Markdown block: ("p", sentences) a paragraph, ("ul", items) a list, ("q", (sentence,)) a
# quote. Paragraph texts never start with a character Markdown gives a meaning to.
Block = tuple[str, tuple[str, ...]]


class Renderer:
    """Markdown to safe HTML for the blocks made here, fast: each sentence is rendered once
    (``markdown.render``, remembered) and the block's HTML put together around it, exactly
    as the renderer lays it out. The tests check every body against ``markdown.render``."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def inline(self, text: str) -> str:
        html = self.cache.get(text)
        if html is None:
            full = markdown.render(text)
            if not (full.startswith("<p>") and full.endswith("</p>\n")):
                raise ValueError(f"not a plain paragraph: {text!r}")
            html = self.cache[text] = full[3:-5]
        return html

    @staticmethod
    def source(block: Block) -> str:
        kind, parts = block
        if kind == "ul":
            return "\n".join(f"- {item}" for item in parts)
        if kind == "q":
            return f"> {parts[0]}"
        return " ".join(parts)

    def html(self, block: Block) -> str:
        kind, parts = block
        if kind == "ul":
            items = "".join(f"<li>{self.inline(item)}</li>\n" for item in parts)
            return f"<ul>\n{items}</ul>\n"
        if kind == "q":
            return f"<blockquote>\n<p>{self.inline(parts[0])}</p>\n</blockquote>\n"
        return "<p>" + " ".join(self.inline(part) for part in parts) + "</p>\n"

    def __call__(self, blocks: list[Block]) -> tuple[str, str]:
        """The Markdown body and its HTML."""
        return "\n\n".join(map(self.source, blocks)), "".join(map(self.html, blocks))


class Synth:
    def __init__(self, sizes: Sizes, echo: Callable[[str], None] = print):
        self.sizes = sizes
        self.echo = echo
        self.rng = random.Random(sizes.seed)
        self.render = Renderer()
        self.conn = None
        self.next_ids: dict[str, int] = {}
        self.activity: list[tuple] = []  # (time, sequence, row) sorted into ids at the end
        self.notifications: list[tuple] = []
        self.counts: dict[str, int] = {}
        self.clock = time.perf_counter()
        self.started = self.clock
        self.inserted: set[str] = set()

    # Plumbing -----------------------------------------------------------------------------

    def new_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def write(self, table: Table, rows: Iterable[dict], label: str | None = None) -> int:
        """Insert the rows in batches (executemany); print the rows and the seconds since
        the previous table (making the rows and writing them)."""
        count = 0
        batch: list[dict] = []
        statement = insert(table)
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.conn.execute(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            self.conn.execute(statement, batch)
            count += len(batch)
        now = time.perf_counter()
        name = label or table.name
        self.counts[name] = self.counts.get(name, 0) + count
        self.inserted.add(table.name)
        self.echo(f"  {name:<24}{count:>10,} rows {now - self.clock:>8.1f} s")
        self.clock = now
        return count

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def spread(self, total: int, weights: list[float]) -> list[int]:
        """``total`` items over len(weights) bins, at random in proportion to the weights."""
        counts = [0] * len(weights)
        if total <= 0 or not weights:
            return counts
        cumulative, running = [], 0.0
        for w in weights:
            running += w
            cumulative.append(running)
        random_ = self.rng.random
        top = len(weights) - 1
        for _ in range(total):
            counts[min(bisect_left(cumulative, random_() * running), top)] += 1
        return counts

    def record(
        self,
        when: int,
        pair_id: int,
        kind: ActivityKind,
        actor: int | None,
        subject_type: str,
        subject_id: int,
        title: str,
        core_only: bool = False,
    ) -> None:
        self.activity.append(
            (
                when,
                len(self.activity),
                pair_id,
                kind,
                actor,
                subject_type,
                subject_id,
                title[:300],
                core_only,
            )
        )

    def sentence(self, language: str, city: str = "") -> str:
        return self.pick(words.SENTENCES[content_language(language)]).format(city=city)

    def paragraph_block(self, language: str, city: str) -> Block:
        first = self.sentence(language, city)
        if self.rng.random() < 0.45:
            second = self.sentence(language, city)
            if second != first:
                return ("p", (first, second))
        return ("p", (first,))

    def list_block(self, language: str) -> Block:
        items = words.LIST_ITEMS[content_language(language)]
        return ("ul", tuple(self.rng.sample(items, self.rng.randint(2, 4))))

    def paragraph(self, language: str, city: str) -> str:
        return Renderer.source(self.paragraph_block(language, city))

    def bullet_list(self, language: str) -> str:
        return Renderer.source(self.list_block(language))

    def blocks(self, language: str, city: str, count: int) -> list[Block]:
        """``count`` Markdown blocks: paragraphs, and now and then a list (never two lists
        in a row: they would merge into one)."""
        out: list[Block] = []
        for i in range(count):
            if i > 0 and out[-1][0] != "ul" and self.rng.random() < 0.2:
                out.append(self.list_block(language))
            else:
                out.append(self.paragraph_block(language, city))
        return out

    # The run ------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.sizes.check()
        session = db.session
        if session.scalar(select(func.count()).select_from(Pair)):
            raise SynthError(
                "The database already has pairs: synthetic data goes into a database without "
                "any (create a new one, or empty this one with `flask --app wsgi db downgrade "
                "base` and `db upgrade`)."
            )
        self.echo(f"Synthetic programme, seed {self.sizes.seed}:")
        self.key_factors = self.benchmark_content()
        self.conn = session.connection()
        for table in Base.metadata.sorted_tables:
            if "id" in table.c:
                highest = self.conn.scalar(select(func.max(table.c.id)))
                self.next_ids[table.name] = (highest or 0) + 1
        self.existing_names = set(self.conn.scalars(select(Organisation.name)))
        self.existing_clusters = set(self.conn.scalars(select(Cluster.name)))
        # Notification URLs are paths made by url_for, as the app makes them.
        with current_app.test_request_context():
            self.thread_url = url_for("threads.show", thread_id=FIRST) + f"#post-{SECOND}"
            self.task_url = url_for("tasks.edit", pair_id=FIRST, task_id=SECOND)
        self.organisations_and_people()
        self.events()
        self.threads_and_posts()
        self.tasks()
        self.plans()
        self.assessments()
        self.write_notifications()
        self.write_activity()
        self.fix_sequences()
        session.commit()
        self.echo(f"Done in {time.perf_counter() - self.started:.1f} s.")
        return self.counts

    def benchmark_content(self) -> dict[MentoringTheme, list[tuple[int, str]]]:
        """The benchmarks' key factors (loaded from the app's content if missing), by theme,
        with their English titles."""
        from ..benchmarks.content import load_content

        if not db.session.scalar(select(func.count()).select_from(KeyFactor)):
            load_content()
            db.session.flush()
        rows = db.session.execute(
            select(KeyFactor.theme, KeyFactor.id, KeyFactorText.title)
            .join(KeyFactorText, KeyFactorText.key_factor_id == KeyFactor.id)
            .where(KeyFactorText.language == "en")
            .order_by(KeyFactor.theme, KeyFactor.position, KeyFactor.id)
        )
        factors: dict[MentoringTheme, list[tuple[int, str]]] = {t: [] for t in MentoringTheme}
        for theme, factor_id, title in rows:
            factors[theme].append((factor_id, title))
        return factors

    def password_hash(self) -> str:
        """One argon2 hash for every synthetic account, with the app's parameters and a salt
        made from the seed (so that two runs write the same rows)."""
        hasher = PasswordHasher()
        salt = hashlib.sha256(f"synth-{self.sizes.seed}".encode()).digest()[: hasher.salt_len]
        return hash_secret(
            SYNTH_PASSWORD.encode(),
            salt,
            time_cost=hasher.time_cost,
            memory_cost=hasher.memory_cost,
            parallelism=hasher.parallelism,
            hash_len=hasher.hash_len,
            type=hasher.type,
        ).decode()

    # Organisations, clusters, users, pairs, memberships -----------------------------------

    def unique_name(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self.existing_names:
            candidate = f"{name} ({n})"
            n += 1
        self.existing_names.add(candidate)
        return candidate

    def city_name(self) -> str:
        rng = self.rng
        while True:
            stem = "".join(self.pick(words.SYLLABLES) for _ in range(rng.randint(1, 2)))
            name = (stem + self.pick(words.ENDINGS)).capitalize()
            if name not in self.existing_names:
                return name  # organisation() takes it

    def person_name(self) -> str:
        return f"{self.pick(words.FIRST_NAMES)} {self.pick(words.LAST_NAMES)}"

    def organisations_and_people(self) -> None:
        rng, sizes = self.rng, self.sizes
        organisations: list[dict] = []

        def organisation(name: str, kind: OrganisationKind, country: str) -> int:
            org_id = self.new_id("organisation")
            organisations.append(
                {"id": org_id, "name": self.unique_name(name), "kind": kind, "country": country}
            )
            return org_id

        coordinator = organisation(
            "Programme coordination office", OrganisationKind.COORDINATOR, "BE"
        )
        consultancies = [
            organisation(f"{name} Consulting", OrganisationKind.CONSULTANCY, "BE")
            for name in ("Cityscope", "Bridgeworks", "Civitas")
        ]
        countries = list(words.COUNTRIES)
        associations = {
            country: organisation(
                f"Association of local governments ({country})",
                OrganisationKind.ASSOCIATION,
                country,
            )
            for country in countries
        }

        # Clusters, each with two consultants.
        clusters = []
        for n in range(1, sizes.clusters() + 1):
            name, suffix = f"Cluster {n}", 2
            while name in self.existing_clusters:
                name, suffix = f"Cluster {n} ({suffix})", suffix + 1
            clusters.append({"id": self.new_id("cluster"), "name": name})

        users: list[dict] = []
        password_hash = self.password_hash()

        def user(name: str, org_id: int, country: str, is_admin: bool = False) -> int:
            user_id = self.new_id("user_account")
            n = len(users) + 1
            _lang, locale, zone = words.COUNTRIES[country]
            users.append(
                {
                    "id": user_id,
                    "email": EMAIL.format(n=n),
                    "name": name,
                    "password_hash": password_hash,
                    "locale": locale,
                    "timezone": zone,
                    "email_preference": (
                        EmailPreference.DAILY if rng.random() < 0.1 else EmailPreference.OFF
                    ),
                    "is_admin": is_admin,
                    "session_token": f"{rng.getrandbits(128):032x}",
                    "organisation_id": org_id,
                    "created_at": at(n * 60),
                    "erased_at": None,
                }
            )
            return user_id

        user("Programme Coordinator", coordinator, "BE", is_admin=True)
        consultants = [
            user(self.person_name(), consultancies[i % len(consultancies)], "BE")
            for i in range(sizes.consultants())
        ]
        consultant_rows = []
        self.cluster_consultants: dict[int, list[int]] = {}
        for i, cluster in enumerate(clusters):
            chosen = [consultants[i % len(consultants)], consultants[(i + 1) % len(consultants)]]
            self.cluster_consultants[cluster["id"]] = chosen
            consultant_rows += [{"cluster_id": cluster["id"], "user_id": u} for u in chosen]

        # Pairs: two new cities, their associations, the pair's languages and dates.
        pairs: list[PairInfo] = []
        pair_rows = []
        support: dict[tuple[int, Side], list[int]] = {}
        themes = list(MentoringTheme)
        programme_themes = [t.value for t in Theme]
        for index in range(sizes.pairs):
            cities = []
            for _side in Side:
                country = self.pick(countries)
                name = self.city_name()
                language = words.COUNTRIES[country][0]
                if country == "BE" and rng.random() < words.BELGIAN_DUTCH_SHARE:
                    language = "nl"
                cities.append(
                    (organisation(name, OrganisationKind.CITY, country), name, country, language)
                )
            mentor, mentee = cities
            languages = list(dict.fromkeys([mentee[3], mentor[3]]))
            if "en" not in languages and (len(languages) > 1 or rng.random() < 0.4):
                languages.append("en")
            start = rng.randrange(0, 180) * DAY + 7 * HOUR
            end = start + rng.randrange(540, 800) * DAY
            theme = self.pick(themes)
            pair_id = self.new_id("pair")
            info = PairInfo(
                id=pair_id,
                index=index,
                cluster_id=clusters[index // PAIRS_PER_CLUSTER % len(clusters)]["id"],
                mentor_city=mentor[:3],
                mentee_city=mentee[:3],
                languages=languages,
                theme=theme,
                start=start,
                end=end,
            )
            pairs.append(info)
            ends_on = at(end).date()
            pair_rows.append(
                {
                    "id": pair_id,
                    "mentor_city_id": mentor[0],
                    "mentee_city_id": mentee[0],
                    "mentor_association_id": associations[mentor[2]],
                    "mentee_association_id": associations[mentee[2]],
                    "cluster_id": info.cluster_id,
                    "mentoring_theme": theme,
                    "themes": rng.sample(programme_themes, 2),
                    "focus": words.FOCUS[theme.value].format(mentor=mentor[1], mentee=mentee[1]),
                    "focus_language": "en",
                    "working_languages": languages,
                    "status": (
                        PairStatus.COMPLETED if ends_on < CONTENT_END.date() else PairStatus.ACTIVE
                    ),
                    "starts_on": at(start).date(),
                    "ends_on": ends_on,
                    "created_at": at(start - 14 * DAY),
                }
            )
            for side, city in zip(Side, cities, strict=True):
                templates = words.SUPPORT_ORGANISATIONS[city[3]]
                support[(pair_id, side)] = [
                    organisation(t.format(city=city[1]), OrganisationKind.SUPPORT, city[2])
                    for t in rng.sample(templates, 2)
                ]
        self.pairs = pairs

        # Members: six per pair (every role, both sides), the rest spread over the pairs.
        memberships: list[dict] = []
        consents: list[dict] = []
        joined: set[tuple[int, int]] = set()

        def org_for(pair: PairInfo, role: Role, side: Side) -> tuple[int, str]:
            city = pair.mentor_city if side is Side.MENTOR else pair.mentee_city
            if role in (Role.MENTOR, Role.MENTEE):
                return city[0], city[2]
            if role is Role.PARTNER:
                return associations[city[2]], city[2]
            return self.pick(support[(pair.id, side)]), city[2]

        def member(pair: PairInfo, user_id: int, role: Role, side: Side, org_id: int) -> None:
            joined.add((user_id, pair.id))
            membership_id = self.new_id("membership")
            when = pair.start - rng.randrange(1, 14) * DAY + rng.randrange(1, 10) * HOUR
            memberships.append(
                {
                    "id": membership_id,
                    "user_id": user_id,
                    "pair_id": pair.id,
                    "role": role,
                    "side": side,
                    "organisation_id": org_id,
                    "created_at": at(when),
                }
            )
            pair.members.append((user_id, role, side))
            self.record(
                when,
                pair.id,
                ActivityKind.MEMBER_JOINED,
                user_id,
                "membership",
                membership_id,
                names[user_id],
            )
            if role is Role.NETWORK:
                consents.append(
                    {
                        "id": self.new_id("consent"),
                        "user_id": user_id,
                        "pair_id": pair.id,
                        "notice_version": PRIVACY_NOTICE_VERSION,
                        "locale": locale_of[user_id],
                        "given_at": at(when - HOUR),
                        "withdrawn_at": None,
                    }
                )

        names: dict[int, str] = {}
        locale_of: dict[int, str] = {}

        def new_member(pair: PairInfo, role: Role, side: Side) -> None:
            org_id, country = org_for(pair, role, side)
            user_id = user(self.person_name(), org_id, country)
            names[user_id] = users[-1]["name"]
            locale_of[user_id] = users[-1]["locale"]
            member(pair, user_id, role, side, org_id)

        for u in users:
            names[u["id"]] = u["name"]
            locale_of[u["id"]] = u["locale"]
        base_positions = [
            (Role.MENTOR, Side.MENTOR),
            (Role.MENTEE, Side.MENTEE),
            (Role.PARTNER, Side.MENTOR),
            (Role.PARTNER, Side.MENTEE),
            (Role.NETWORK, Side.MENTOR),
            (Role.NETWORK, Side.MENTEE),
        ]
        for pair in pairs:
            for role, side in base_positions:
                new_member(pair, role, side)
        extra = sizes.users - len(users)
        weights = [rng.uniform(0.4, 1.6) for _ in pairs]
        roles = [Role.MENTOR, Role.MENTEE, Role.PARTNER, Role.NETWORK]
        for pair, count in zip(pairs, self.spread(extra, weights), strict=True):
            for _ in range(count):
                role = rng.choices(roles, weights=(2, 2, 1.5, 4.5))[0]
                side = {Role.MENTOR: Side.MENTOR, Role.MENTEE: Side.MENTEE}.get(
                    role, self.pick(list(Side))
                )
                new_member(pair, role, side)
        # Some association staff work with a second pair.
        member_users = [m for m in memberships if m["role"] is Role.PARTNER]
        if len(pairs) > 1:
            for m in rng.sample(member_users, len(member_users) // 10):
                pair = self.pick(pairs)
                if (m["user_id"], pair.id) in joined:
                    continue
                side = self.pick(list(Side))
                org_id, _country = org_for(pair, Role.PARTNER, side)
                member(pair, m["user_id"], Role.PARTNER, side, org_id)
        for pair in pairs:
            pair.members.sort(key=lambda m: m[0])
        self.names = names

        self.write(Organisation.__table__, organisations)
        self.write(Cluster.__table__, clusters)
        self.write(User.__table__, users)
        self.write(cluster_consultant, consultant_rows)
        self.write(Pair.__table__, pair_rows)
        self.write(Membership.__table__, memberships)
        self.write(Consent.__table__, consents)

    # Events ---------------------------------------------------------------------------------

    def events(self) -> None:
        rng = self.rng
        events, participants = [], []
        self.past_visits: dict[int, list[tuple[int, int]]] = {}  # pair: [(event id, end)]
        others = [EventKind.WORKSHOP, EventKind.TRAINING, EventKind.MEETING, EventKind.DEADLINE]
        durations = {
            EventKind.STUDY_VISIT_ONSITE: 2 * DAY + 8 * HOUR,
            EventKind.STUDY_VISIT_VIRTUAL: 3 * HOUR,
            EventKind.WORKSHOP: 6 * HOUR,
            EventKind.TRAINING: 4 * HOUR,
            EventKind.MEETING: 90 * 60,
            EventKind.DEADLINE: HOUR,
        }
        content_end = seconds(CONTENT_END)
        for pair in self.pairs:
            language = content_language(pair.language)
            titles = words.EVENT_TITLES[language]
            kinds = [
                EventKind.STUDY_VISIT_ONSITE,
                EventKind.STUDY_VISIT_ONSITE,
                EventKind.STUDY_VISIT_VIRTUAL,
            ]
            kinds += [self.pick(others) for _ in range(rng.randint(7, 17))]
            creators = pair.core
            for n, kind in enumerate(kinds):
                host = pair.mentor_city if n % 2 == 0 else pair.mentee_city
                day = rng.randrange(14, max(15, (pair.end - pair.start) // DAY))
                starts = pair.start - 7 * HOUR + day * DAY + rng.choice((8, 9, 10, 13, 14)) * HOUR
                ends = starts + durations[kind]
                created = min(starts - rng.randint(10, 60) * DAY, content_end)
                created = max(created, pair.start)
                event_id = self.new_id("event")
                creator = self.pick(creators)
                visit = kind.is_study_visit
                past = ends < content_end
                events.append(
                    {
                        "id": event_id,
                        "pair_id": pair.id,
                        "kind": kind,
                        "title": titles[kind.value].format(city=host[1]),
                        "description": self.paragraph(language, host[1]),
                        "language": language,
                        "starts_at": at(starts),
                        "ends_at": at(ends),
                        "timezone": words.COUNTRIES[host[2]][2],
                        "place": "" if kind is EventKind.STUDY_VISIT_VIRTUAL else host[1],
                        "online_url": (
                            f"https://meet.example.org/synth-{pair.id}-{n}"
                            if kind is EventKind.STUDY_VISIT_VIRTUAL
                            else ""
                        ),
                        "created_by_id": creator,
                        "created_at": at(created),
                        "updated_at": at(created),
                        "agenda": self.bullet_list(language) if visit else "",
                        "what_was_seen": (
                            self.paragraph(language, host[1]) if visit and past else ""
                        ),
                        "findings": self.paragraph(language, host[1]) if visit and past else "",
                    }
                )
                self.record(
                    created,
                    pair.id,
                    ActivityKind.EVENT_CREATED,
                    creator,
                    "event",
                    event_id,
                    events[-1]["title"],
                )
                if visit:
                    people = pair.core[:6]
                    for user_id, _role, side in pair.members:
                        if user_id in people:
                            participants.append(
                                {
                                    "id": self.new_id("event_participant"),
                                    "event_id": event_id,
                                    "user_id": user_id,
                                    "organisation_id": None,
                                    "side": side,
                                }
                            )
                    for side, city in (
                        (Side.MENTOR, pair.mentor_city),
                        (Side.MENTEE, pair.mentee_city),
                    ):
                        participants.append(
                            {
                                "id": self.new_id("event_participant"),
                                "event_id": event_id,
                                "user_id": None,
                                "organisation_id": city[0],
                                "side": side,
                            }
                        )
                    if past:
                        self.past_visits.setdefault(pair.id, []).append((event_id, ends))
        self.write(Event.__table__, events)
        self.write(EventParticipant.__table__, participants)

    # Threads and posts ----------------------------------------------------------------------

    def threads_and_posts(self) -> None:
        rng, sizes = self.rng, self.sizes
        clusters = sorted(self.cluster_consultants)
        pairs_of_cluster: dict[int, list[PairInfo]] = {}
        for pair in self.pairs:
            pairs_of_cluster.setdefault(pair.cluster_id, []).append(pair)

        # How many threads, where, and how many posts each.
        total = max(2 * len(self.pairs) + len(clusters), sizes.posts // POSTS_PER_THREAD)
        total = min(total, sizes.posts)
        cluster_threads = max(len(clusters), total // 20)
        pair_threads = total - cluster_threads
        per_pair = [2] * len(self.pairs)
        for i, n in enumerate(
            self.spread(pair_threads - 2 * len(self.pairs), [1.0] * len(self.pairs))
        ):
            per_pair[i] += n
        per_cluster = [1] * len(clusters)
        for i, n in enumerate(self.spread(cluster_threads - len(clusters), [1.0] * len(clusters))):
            per_cluster[i] += n

        # Each thread: (pair or None, cluster id or None, open to network)
        places: list[tuple[PairInfo | None, int | None, bool]] = []
        for pair, n in zip(self.pairs, per_pair, strict=True):
            for k in range(n):
                places.append((pair, None, k == 1 or (k > 1 and rng.random() < 0.3)))
        for cluster_id, n in zip(clusters, per_cluster, strict=True):
            places += [(None, cluster_id, False)] * n
        weights = [min(rng.paretovariate(1.3), 300.0) for _ in places]
        posts_per_thread = [1 + n for n in self.spread(sizes.posts - len(places), weights)]

        # When: each thread's posts in a window of the programme, then ids in time order.
        content_end = seconds(CONTENT_END)
        times: list[list[int]] = []
        order: list[tuple[int, int, int]] = []
        for t, ((pair, _cluster, _open), n) in enumerate(
            zip(places, posts_per_thread, strict=True)
        ):
            lo = pair.start + DAY if pair else 14 * DAY
            hi = pair.content_end if pair else content_end
            span = min(hi - lo - HOUR, int(n * rng.uniform(2, 30) * HOUR))
            first = lo + rng.randrange(max(1, hi - lo - span))
            stamps = sorted(first + rng.randrange(span + 1) for _ in range(n - 1))
            stamps.insert(0, first)
            for i in range(1, n):
                if stamps[i] <= stamps[i - 1]:
                    stamps[i] = stamps[i - 1] + 1
            times.append(stamps)
            order += [(s, t, i) for i, s in enumerate(stamps)]
        order.sort()
        first_post = self.next_ids["post"]
        post_ids = [[0] * n for n in posts_per_thread]
        for offset, (_s, t, i) in enumerate(order):
            post_ids[t][i] = first_post + offset
        self.next_ids["post"] = first_post + len(order)
        del order

        thread_rows, posts, revisions, edits, mentions, subscriptions, moderation = (
            [],
            [None] * sizes.posts,
            [],
            [],
            [],
            [],
            [],
        )
        first_revision = self.next_ids["post_revision"]
        self.next_ids["post_revision"] = first_revision + sizes.posts
        for t, (pair, cluster_id, open_to_network) in enumerate(places):
            thread_id = self.new_id("thread")
            if pair is not None:
                languages = pair.languages
                city = pair.mentor_city[1] if rng.random() < 0.5 else pair.mentee_city[1]
                starters = pair.core + self.cluster_consultants[pair.cluster_id]
                writers = (pair.users() if open_to_network else pair.core) + starters[
                    len(pair.core) :
                ]
                language = languages[0] if rng.random() < 0.7 else self.pick(languages)
                title = self.pick(words.THREAD_TITLES[content_language(language)]).format(city=city)
                consultants = self.cluster_consultants[pair.cluster_id]
            else:
                consultants = self.cluster_consultants[cluster_id]
                core = [u for p in pairs_of_cluster.get(cluster_id, []) for u in p.core]
                starters = consultants + core[:10]
                writers = consultants + core[:40]
                languages, language, city = ["en"], "en", ""
                title = self.pick(words.CLUSTER_THREAD_TITLES)
            language = content_language(language)
            stamps, ids = times[t], post_ids[t]
            n = len(ids)
            changes = 0
            readers: dict[int, int] = {}
            authors = []
            for i in range(n):
                post_id, when = ids[i], stamps[i]
                author = self.pick(starters) if i == 0 else self.pick(writers)
                if i > 0 and rng.random() < 0.5 and authors[-1] == author:
                    author = self.pick(writers)  # conversations go back and forth
                authors.append(author)
                post_language = (
                    language if rng.random() < 0.9 else content_language(self.pick(languages))
                )
                reply_to = None
                blocks = self.blocks(
                    post_language, city, 2 if i == 0 else rng.choice((1, 1, 1, 2, 2, 3))
                )
                if i > 0 and rng.random() < 0.3:
                    j = rng.randrange(i)
                    reply_to = ids[j]
                    if rng.random() < 0.3:
                        blocks.insert(0, ("q", (self.sentence(post_language, city),)))
                if rng.random() < 0.06:
                    people = [u for u in writers if u != author]
                    if people:
                        named = self.pick(people)
                        handle = "".join(ch for ch in self.names[named] if ch.isalnum())
                        blocks.append(("p", (f"@{handle}", self.sentence(post_language, city))))
                        mentions.append(
                            {
                                "id": self.new_id("post_mention"),
                                "post_id": post_id,
                                "user_id": named,
                            }
                        )
                        self.notifications.append(
                            (
                                when,
                                named,
                                NotificationKind.MENTION,
                                pair.id if pair else None,
                                author,
                                "thread",
                                thread_id,
                                url(self.thread_url, thread_id, post_id),
                                title,
                            )
                        )
                body, html = self.render(blocks)
                revision_id = first_revision + post_id - first_post
                revisions.append((revision_id, post_id, body, html, author, when))
                edited_at = deleted_at = None
                hidden, reason = False, ""
                roll = rng.random()
                if roll < 0.02:
                    edited = when + rng.randrange(60, 2 * HOUR)
                    edited_at = at(edited)
                    extra = self.sentence(post_language, city)
                    e_body, e_html = self.render([*blocks, ("p", (extra,))])
                    edits.append((edited, post_id, e_body, e_html, author))
                    changes += 1
                elif roll < 0.025 and i > 0:
                    deleted_at = at(when + rng.randrange(60, DAY))
                    changes += 1
                elif roll < 0.028 and i > 0:
                    hidden, reason = True, "Off topic for this thread."
                    moderation.append(
                        (
                            when + HOUR,
                            self.pick(consultants),
                            ModerationKind.HIDE,
                            thread_id,
                            post_id,
                            reason,
                        )
                    )
                    changes += 1
                posts[post_id - first_post] = (
                    post_id,
                    thread_id,
                    author,
                    reply_to,
                    post_language,
                    at(when),
                    edited_at,
                    deleted_at,
                    hidden,
                    reason,
                )
                readers[author] = post_id
                if pair is not None:
                    kind = ActivityKind.THREAD_STARTED if i == 0 else ActivityKind.POST_REPLIED
                    self.record(
                        when,
                        pair.id,
                        kind,
                        author,
                        "thread",
                        thread_id,
                        title,
                        core_only=not open_to_network,
                    )
            pinned = rng.random() < 0.03
            locked = rng.random() < 0.02
            for flag, action in ((pinned, ModerationKind.PIN), (locked, ModerationKind.LOCK)):
                if flag:
                    moderation.append(
                        (
                            stamps[-1] + HOUR,
                            self.pick(consultants),
                            action,
                            thread_id,
                            None,
                            "Keeping the thread tidy.",
                        )
                    )
                    changes += 1
            for user_id, last_own in readers.items():
                subscriptions.append(
                    {
                        "id": self.new_id("thread_subscription"),
                        "user_id": user_id,
                        "thread_id": thread_id,
                        "state": (
                            SubscriptionState.MUTE
                            if rng.random() < 0.02
                            else SubscriptionState.FOLLOW
                        ),
                        "last_read_post_id": ids[-1] if rng.random() < 0.5 else last_own,
                    }
                )
            thread_rows.append(
                {
                    "id": thread_id,
                    "pair_id": pair.id if pair else None,
                    "cluster_id": cluster_id,
                    "title": title,
                    "language": language,
                    "open_to_network": open_to_network,
                    "pinned": pinned,
                    "locked": locked,
                    "hidden": False,
                    "hidden_reason": "",
                    "created_by_id": authors[0],
                    "created_at": at(stamps[0]),
                    "last_post_at": at(stamps[-1]),
                    "last_post_id": ids[-1],
                    "post_count": n,
                    "change_count": changes,
                }
            )
        del times, post_ids

        post_keys = (
            "id",
            "thread_id",
            "author_id",
            "reply_to_id",
            "language",
            "created_at",
            "edited_at",
            "deleted_at",
            "hidden",
            "hidden_reason",
        )
        self.write(Thread.__table__, thread_rows)
        self.write(
            Post.__table__,
            ({**dict(zip(post_keys, p, strict=True)), "current_revision_id": None} for p in posts),
        )
        del posts
        revision_keys = ("id", "post_id", "body", "body_html", "author_id", "created_at")
        edits.sort()
        self.write(
            PostRevision.__table__,
            (
                dict(zip(revision_keys, (r[0], r[1], r[2], r[3], r[4], at(r[5])), strict=True))
                for r in revisions
            ),
        )
        self.write(
            PostRevision.__table__,
            (
                {
                    "id": self.new_id("post_revision"),
                    "post_id": post_id,
                    "body": body,
                    "body_html": html,
                    "author_id": author,
                    "created_at": at(edited),
                }
                for edited, post_id, body, html, author in edits
            ),
            label="post_revision (edits)",
        )
        del revisions
        # The head of each post: its newest revision (the app's current_revision).
        self.set_heads(Post.__table__, PostRevision.__table__, "post_id", first_post)
        self.lap("post.current_revision_id")
        self.write(PostMention.__table__, mentions)
        self.write(ThreadSubscription.__table__, subscriptions)
        moderation.sort()
        self.write(
            ModerationAction.__table__,
            (
                {
                    "id": self.new_id("moderation_action"),
                    "actor_id": actor,
                    "action": action,
                    "thread_id": thread_id,
                    "post_id": post_id,
                    "reason": reason,
                    "created_at": at(when),
                }
                for when, actor, action, thread_id, post_id, reason in moderation
            ),
        )

    def set_heads(self, owners: Table, revisions: Table, owner_key: str, first: int) -> None:
        """Point ``current_revision_id`` of the owners (from id ``first``) at their newest
        revision: one UPDATE … FROM a grouped subquery (a correlated max() per row can make
        PostgreSQL scan the revisions once per row on tables it has no statistics for yet)."""
        owner = revisions.c[owner_key]
        heads = (
            select(owner.label("owner_id"), func.max(revisions.c.id).label("head_id"))
            .where(owner >= first)
            .group_by(owner)
            .subquery()
        )
        self.conn.execute(
            update(owners)
            .where(owners.c.id == heads.c.owner_id)
            .values(current_revision_id=heads.c.head_id)
        )

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        self.echo(f"  {what:<24}{'':>10}      {now - self.clock:>8.1f} s")
        self.clock = now

    # Tasks ----------------------------------------------------------------------------------

    def tasks(self) -> None:
        rng = self.rng
        lists, tasks, assignees, follow_ups = [], [], [], []
        counts = self.spread(self.sizes.tasks, [rng.uniform(0.5, 1.5) for _ in self.pairs])
        content_end = seconds(CONTENT_END)
        statuses = [TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.DONE]
        for pair, count in zip(self.pairs, counts, strict=True):
            language = content_language(pair.language)
            titles = words.TASK_LISTS[language]
            chosen = sorted(rng.sample(range(len(titles) - 1), rng.randint(2, 4)))
            pair_lists = []  # [row, last position]
            for position, index in enumerate([*chosen, len(titles) - 1]):
                created = pair.start + rng.randrange(1, 20) * DAY
                row = {
                    "id": self.new_id("task_list"),
                    "pair_id": pair.id,
                    "title": titles[index],
                    "position": position,
                    "for_follow_up": index == len(titles) - 1,
                    "created_at": at(created),
                    "updated_at": created,  # moved by its tasks, made a datetime below
                }
                lists.append(row)
                pair_lists.append(row)
            visits = self.past_visits.get(pair.id, [])
            core, everyone = pair.core, pair.users()
            positions = [0] * len(pair_lists)
            made = []
            for _ in range(count):
                follow_up = visits and rng.random() < 0.15
                index = len(pair_lists) - 1 if follow_up else rng.randrange(len(pair_lists) - 1)
                task_list = pair_lists[index]
                if follow_up:
                    event_id, visit_end = self.pick(visits)
                    created = min(visit_end + rng.randrange(HOUR, 10 * DAY), content_end)
                else:
                    event_id = None
                    created = pair.start + rng.randrange(max(1, pair.content_end - pair.start))
                made.append((created, index, event_id))
            made.sort()
            for created, index, event_id in made:
                task_list = pair_lists[index]
                positions[index] += 1
                task_id = self.new_id("task")
                creator = self.pick(core)
                # Most older tasks are done by now; recent ones are still open.
                recent = content_end - created < 120 * DAY
                status = rng.choices(statuses, weights=(4, 2, 4) if recent else (1, 1, 8))[0]
                people = []
                if rng.random() < 0.8:
                    people = rng.sample(core, min(len(core), rng.choice((1, 1, 2))))
                    if rng.random() < 0.1:
                        people.append(self.pick(everyone))
                    people = list(dict.fromkeys(people))
                completed = None
                if status is TaskStatus.DONE:
                    completed = min(created + rng.randrange(HOUR, 40 * DAY), content_end)
                due = (
                    at(created + rng.randrange(3, 60) * DAY).date() if rng.random() < 0.7 else None
                )
                title = self.pick(words.TASK_TITLES[language])
                tasks.append(
                    {
                        "id": task_id,
                        "list_id": task_list["id"],
                        "pair_id": pair.id,
                        "title": title,
                        "notes": self.sentence(language) if rng.random() < 0.5 else "",
                        "status": status,
                        "due_on": due,
                        "position": positions[index],
                        "created_by_id": creator,
                        "created_at": at(created),
                        "completed_at": at(completed) if completed is not None else None,
                    }
                )
                task_list["updated_at"] = max(task_list["updated_at"], completed or created)
                self.record(
                    created, pair.id, ActivityKind.TASK_CREATED, creator, "task", task_id, title
                )
                if people:
                    self.record(
                        created,
                        pair.id,
                        ActivityKind.TASK_ASSIGNED,
                        creator,
                        "task",
                        task_id,
                        title,
                    )
                for user_id in people:
                    assignees.append({"task_id": task_id, "user_id": user_id})
                    if user_id != creator:
                        self.notifications.append(
                            (
                                created,
                                user_id,
                                NotificationKind.TASK_ASSIGNED,
                                pair.id,
                                creator,
                                "task",
                                task_id,
                                url(self.task_url, pair.id, task_id),
                                title,
                            )
                        )
                if completed is not None:
                    self.record(
                        completed,
                        pair.id,
                        ActivityKind.TASK_DONE,
                        people[0] if people else creator,
                        "task",
                        task_id,
                        title,
                    )
                if event_id is not None:
                    follow_ups.append({"event_id": event_id, "task_id": task_id})
        for row in lists:
            row["updated_at"] = at(row["updated_at"])
        self.write(TaskList.__table__, lists)
        self.write(Task.__table__, tasks)
        self.write(task_assignee, assignees)
        self.write(event_follow_up, follow_ups)

    # Plans ----------------------------------------------------------------------------------

    def plans(self) -> None:
        from ..plans.services import outline_title

        rng, sizes = self.rng, self.sizes
        titles: dict[tuple[SectionKind, str], str] = {}

        def section_title(kind: SectionKind, language: str) -> str:
            if (kind, language) not in titles:
                titles[(kind, language)] = outline_title(kind, language)
            return titles[(kind, language)]

        plans, sections, steps, actions, action_factors, comments = (
            [],
            [],
            [],
            [],
            [],
            [],
        )
        # Every source text gets one revision; translations and edits share what is left.
        text_specs = []  # [text id, section row, language, is source, pair, plan row]
        candidates = []
        content_end = seconds(CONTENT_END)
        for pair in self.pairs:
            language = content_language(pair.language)
            creator = self.pick(
                pair.users(Role.MENTEE, Role.PARTNER, side=Side.MENTEE) or pair.core
            )
            created = pair.start + rng.randrange(20, 120) * DAY
            plan = {
                "id": self.new_id("plan"),
                "pair_id": pair.id,
                "title": words.PLAN_TITLES[language].format(city=pair.mentee_city[1]),
                "language": language,
                "status": PlanStatus.DRAFT,
                "version": 1,
                "previous_id": None,
                "created_by_id": creator,
                "created_at": created,
                "updated_at": created,
            }
            plans.append(plan)
            self.record(
                created,
                pair.id,
                ActivityKind.PLAN_CREATED,
                creator,
                "plan",
                plan["id"],
                plan["title"],
            )
            for position, kind in enumerate(OUTLINE):
                section = {
                    "id": self.new_id("plan_section"),
                    "plan_id": plan["id"],
                    "kind": kind,
                    "position": position,
                    "created_at": at(created),
                }
                sections.append(section)
                text_specs.append(
                    [self.new_id("section_text"), section, language, True, pair, plan]
                )
                for other in pair.languages[1:]:
                    other = content_language(other)
                    if other != language:
                        candidates.append((section, other, pair, plan))
        extra = sizes.revisions - len(text_specs)
        for section, other, pair, plan in rng.sample(candidates, min(len(candidates), extra // 2)):
            text_specs.append([None, section, other, False, pair, plan])
        # Translation texts get their ids after the sources', in a stable order.
        for spec in text_specs:
            if spec[0] is None:
                spec[0] = self.new_id("section_text")
        revisions_per_text = [1] * len(text_specs)
        for i, n in enumerate(
            self.spread(
                sizes.revisions - len(text_specs), [2.0 if s[3] else 1.0 for s in text_specs]
            )
        ):
            revisions_per_text[i] += n

        # Source revisions first (translations point at them), then translations.
        made = []  # (time, sequence, text id, parent key, source key, origin, title, blocks, author)
        source_history: dict[int, list[tuple[int, int]]] = {}  # section id: [(time, key)]
        heads: dict[int, tuple[int, int]] = {}  # section id: (time, key) of the source head
        key = 0
        for is_source in (True, False):
            for spec, count in zip(text_specs, revisions_per_text, strict=True):
                text_id, section, language, source, pair, plan = spec
                if source is not is_source:
                    continue
                city = pair.mentee_city[1]
                editors = pair.core + self.cluster_consultants[pair.cluster_id]
                title = section_title(section["kind"], language)
                if source:
                    start = plan["created_at"]
                else:
                    start = source_history[section["id"]][0][0] + rng.randrange(HOUR, 20 * DAY)
                end = max(start + count * HOUR, pair.content_end)
                stamps = sorted(start + rng.randrange(max(1, end - start)) for _ in range(count))
                stamps[0] = start
                for i in range(1, count):
                    stamps[i] = max(stamps[i], stamps[i - 1] + 60)
                blocks = self.blocks(language, city, rng.randint(1, 2))
                parent = None
                for i, when in enumerate(stamps):
                    if i > 0:
                        if len(blocks) > 1 and rng.random() < 0.4:
                            blocks = blocks[:]
                            blocks[rng.randrange(len(blocks))] = self.paragraph_block(
                                language, city
                            )
                        else:
                            blocks = [*blocks, self.paragraph_block(language, city)]
                    origin = (
                        RevisionOrigin.CREATED
                        if i == 0
                        else (RevisionOrigin.MERGE if rng.random() < 0.05 else RevisionOrigin.EDIT)
                    )
                    source_key = None
                    if not source:
                        history = source_history[section["id"]]
                        before = [k for t, k in history if t < when]
                        source_key = before[-1] if before else history[0][1]
                        if rng.random() < 0.2 and len(before) > 1:
                            source_key = before[-2]  # translated from an older text
                    author = self.pick(editors)
                    made.append(
                        (
                            when,
                            key,
                            text_id,
                            parent,
                            source_key,
                            origin,
                            title,
                            list(blocks),
                            author,
                            plan,
                            section,
                        )
                    )
                    if source:
                        source_history.setdefault(section["id"], []).append((when, key))
                        heads[section["id"]] = (when, key)
                    parent = key
                    key += 1
        made.sort(key=lambda m: (m[0], m[1]))
        first = self.next_ids["section_revision"]
        ids = {}
        for offset, m in enumerate(made):
            ids[m[1]] = first + offset
        self.next_ids["section_revision"] = first + len(made)
        revision_rows = []
        for (
            when,
            k,
            text_id,
            parent,
            source_key,
            origin,
            title,
            blocks,
            author,
            plan,
            _section,
        ) in made:
            body, html = self.render(blocks)
            revision_rows.append(
                {
                    "id": ids[k],
                    "text_id": text_id,
                    "parent_id": ids[parent] if parent is not None else None,
                    "source_revision_id": ids[source_key] if source_key is not None else None,
                    "origin": origin,
                    "title": title,
                    "body": body,
                    "body_html": html,
                    "author_id": author,
                    "created_at": at(when),
                }
            )
            plan["updated_at"] = max(plan["updated_at"], when)
            if origin is not RevisionOrigin.CREATED or source_key is not None:
                self.record(
                    when,
                    plan["pair_id"],
                    ActivityKind.PLAN_REVISED,
                    author,
                    "plan",
                    plan["id"],
                    f"{plan['title']} · {title}",
                )
        del made

        # Review, actions and comments.
        by_pair = {p.id: p for p in self.pairs}
        paths = [
            [],
            [("submit", PlanStatus.DRAFT, PlanStatus.IN_REVIEW)],
            [
                ("submit", PlanStatus.DRAFT, PlanStatus.IN_REVIEW),
                ("approve", PlanStatus.IN_REVIEW, PlanStatus.APPROVED),
            ],
            [
                ("submit", PlanStatus.DRAFT, PlanStatus.IN_REVIEW),
                ("request", PlanStatus.IN_REVIEW, PlanStatus.DRAFT),
                ("submit", PlanStatus.DRAFT, PlanStatus.IN_REVIEW),
                ("approve", PlanStatus.IN_REVIEW, PlanStatus.APPROVED),
                ("adopt", PlanStatus.APPROVED, PlanStatus.ADOPTED),
            ],
        ]
        sections_of: dict[int, list[dict]] = {}
        for section in sections:
            sections_of.setdefault(section["plan_id"], []).append(section)
        for plan in plans:
            pair = by_pair[plan["pair_id"]]
            language = plan["language"]
            when = plan["updated_at"]
            for step, from_status, to_status in self.pick(paths):
                when = min(when + rng.randrange(DAY, 10 * DAY), max(when + 1, content_end))
                if step in ("approve", "request"):
                    actor = self.pick(self.cluster_consultants[pair.cluster_id])
                elif step == "adopt":
                    actor = self.pick(pair.users(Role.MENTEE) or pair.core)
                else:
                    actor = self.pick(pair.core)
                steps.append(
                    {
                        "id": self.new_id("plan_review_step"),
                        "plan_id": plan["id"],
                        "from_status": from_status,
                        "to_status": to_status,
                        "actor_id": actor,
                        "note": "Please detail the indicators." if step == "request" else "",
                        "created_at": at(when),
                    }
                )
                plan["status"] = to_status
                plan["updated_at"] = max(plan["updated_at"], when)
                self.record(
                    when,
                    pair.id,
                    ActivityKind.PLAN_STATUS_CHANGED,
                    actor,
                    f"plan_{to_status.value}",
                    plan["id"],
                    plan["title"],
                )
            factors = [f for f, _title in self.key_factors.get(pair.theme, [])]
            for position in range(rng.randint(3, 5)):
                starts = at(pair.start + rng.randrange(90, 400) * DAY).date()
                action_id = self.new_id("plan_action")
                actions.append(
                    {
                        "id": action_id,
                        "plan_id": plan["id"],
                        "position": position,
                        "title": self.pick(words.TASK_TITLES[language]),
                        "description": self.paragraph(language, pair.mentee_city[1]),
                        "lead_organisation_id": pair.mentee_city[0],
                        "partners": pair.mentor_city[1],
                        "starts_on": starts,
                        "ends_on": starts + timedelta(days=rng.randrange(60, 300)),
                        "resources": self.sentence(language, pair.mentee_city[1]),
                        "indicators": self.bullet_list(language),
                        "status": self.pick(ACTION_STATUSES),
                        "created_at": at(plan["created_at"]),
                        "updated_at": at(plan["created_at"]),
                    }
                )
                for factor in rng.sample(factors, min(len(factors), rng.randint(1, 2))):
                    action_factors.append({"action_id": action_id, "key_factor_id": factor})
            everyone = pair.users()
            for _ in range(rng.randint(0, 3)):
                section = self.pick(sections_of[plan["id"]])
                head_time, head_key = heads[section["id"]]
                when = min(head_time + rng.randrange(HOUR, 5 * DAY), content_end)
                body, html = self.render([self.paragraph_block(language, pair.mentee_city[1])])
                comment_id = self.new_id("section_comment")
                resolved = rng.random() < 0.3
                comments.append(
                    {
                        "id": comment_id,
                        "section_id": section["id"],
                        "revision_id": ids[head_key],
                        "parent_id": None,
                        "author_id": self.pick(everyone),
                        "language": language,
                        "body": body,
                        "body_html": html,
                        "created_at": at(when),
                        "resolved_at": at(when + DAY) if resolved else None,
                        "resolved_by_id": self.pick(pair.core) if resolved else None,
                    }
                )
                if rng.random() < 0.4:
                    body, html = self.render(
                        [("p", (self.sentence(language, pair.mentee_city[1]),))]
                    )
                    comments.append(
                        {
                            "id": self.new_id("section_comment"),
                            "section_id": section["id"],
                            "revision_id": ids[head_key],
                            "parent_id": comment_id,
                            "author_id": self.pick(pair.core),
                            "language": language,
                            "body": body,
                            "body_html": html,
                            "created_at": at(when + HOUR),
                            "resolved_at": None,
                            "resolved_by_id": None,
                        }
                    )
            plan["updated_at"] = max(plan["updated_at"], when)
        for plan in plans:
            plan["created_at"] = at(plan["created_at"])
            plan["updated_at"] = at(plan["updated_at"])
        self.write(Plan.__table__, plans)
        self.write(PlanSection.__table__, sections)
        self.write(
            SectionText.__table__,
            sorted(
                (
                    {
                        "id": s[0],
                        "section_id": s[1]["id"],
                        "language": s[2],
                        "current_revision_id": None,
                    }
                    for s in text_specs
                ),
                key=lambda row: row["id"],
            ),
        )
        self.write(SectionRevision.__table__, revision_rows)
        self.set_heads(
            SectionText.__table__,
            SectionRevision.__table__,
            "text_id",
            min(spec[0] for spec in text_specs),
        )
        self.lap("section_text heads")
        self.write(PlanReviewStep.__table__, steps)
        self.write(PlanAction.__table__, actions)
        self.write(plan_action_key_factor, action_factors)
        self.write(SectionComment.__table__, comments)

    # Benchmarks -----------------------------------------------------------------------------

    def assessments(self) -> None:
        rng = self.rng
        ratings = list(Rating)
        rows = []
        for pair in self.pairs:
            language = content_language(pair.language)
            assessors = pair.users(Role.MENTEE, Role.PARTNER, side=Side.MENTEE) or pair.core
            when = pair.start + rng.randrange(30, 120) * DAY
            for factor_id, title in self.key_factors.get(pair.theme, []):
                for _round in range(rng.choice((1, 1, 2))):
                    when += rng.randrange(HOUR, 3 * DAY)
                    author = self.pick(assessors)
                    rating = rng.choice(ratings[:4])
                    rows.append(
                        {
                            "id": self.new_id("assessment_rating"),
                            "pair_id": pair.id,
                            "key_factor_id": factor_id,
                            "rating": rating,
                            "target": ratings[min(3, ratings.index(rating) + rng.randint(0, 2))],
                            "priority": self.pick(list(Priority)),
                            "evidence": self.sentence(language, pair.mentee_city[1]),
                            "language": language,
                            "author_id": author,
                            "created_at": at(when),
                        }
                    )
                    self.record(
                        when,
                        pair.id,
                        ActivityKind.ASSESSMENT_UPDATED,
                        author,
                        "assessment",
                        factor_id,
                        title,
                    )
        self.write(AssessmentRating.__table__, rows)

    # Notifications and the activity stream -------------------------------------------------

    def write_notifications(self) -> None:
        self.notifications.sort(key=lambda n: n[0])
        read_before = seconds(CONTENT_END) - 30 * DAY
        keys = (
            "user_id",
            "kind",
            "pair_id",
            "actor_id",
            "subject_type",
            "subject_id",
            "url",
            "title",
        )
        self.write(
            Notification.__table__,
            (
                {
                    "id": self.new_id("notification"),
                    **dict(zip(keys, n[1:], strict=True)),
                    "title": n[8][:300],
                    "detail": "",
                    "created_at": at(n[0]),
                    "read_at": at(n[0] + DAY) if n[0] < read_before else None,
                    "emailed_at": None,
                }
                for n in self.notifications
            ),
        )

    def write_activity(self) -> None:
        """The timeline's activity stream, ids in time order (as if recorded as it happened)."""
        self.activity.sort(key=lambda a: (a[0], a[1]))
        self.write(
            Activity.__table__,
            (
                {
                    "id": self.new_id("activity"),
                    "pair_id": pair_id,
                    "kind": kind,
                    "actor_id": actor,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "title": title,
                    "core_only": core_only,
                    "created_at": at(when),
                }
                for when, _seq, pair_id, kind, actor, subject_type, subject_id, title, core_only in self.activity
            ),
        )

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids written here, and gather the
        planner's statistics of the tables (a benchmark may start right after)."""
        if self.conn.dialect.name != "postgresql":
            return
        tables = [t.name for t in Base.metadata.sorted_tables if t.name in self.inserted]
        for name in tables:
            if "id" in Base.metadata.tables[name].c:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 (our table names)
                        f"(SELECT max(id) FROM {name}))"
                    )
                )
        self.conn.execute(text(f"ANALYZE {', '.join(tables)}"))
        self.lap("sequences, ANALYZE")


def synthesize(sizes: Sizes, echo: Callable[[str], None] = print) -> dict[str, int]:
    """Make the synthetic programme in the app's database; returns rows written per table."""
    return Synth(sizes, echo).run()
