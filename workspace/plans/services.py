"""Plans and their section texts: creating a plan from the outline, saving a text without ever
losing an update, restoring, and reading a plan in one language."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import abort
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from .. import activity, db, policy
from ..models import (
    Activity,
    ActivityKind,
    Pair,
    Plan,
    PlanAction,
    PlanSection,
    PlanStatus,
    RevisionOrigin,
    SectionKind,
    SectionPresence,
    SectionRevision,
    SectionText,
    User,
    utcnow,
)
from ..threads.markdown import render
from .merge import normalise, three_way, three_way_title

# The default outline of the method (DESIGN §5), in order.
OUTLINE = {
    SectionKind.CONTEXT: _l("Context and needs"),
    SectionKind.ASSESSMENT: _l("Benchmark self-assessment"),
    SectionKind.VISION: _l("Vision and objectives"),
    SectionKind.ACTIONS: _l("Actions"),
    SectionKind.NETWORK: _l("Local support network and governance"),
    SectionKind.RESOURCES: _l("Resources"),
    SectionKind.MONITORING: _l("Monitoring and indicators"),
    SectionKind.RISKS: _l("Risks"),
}


def outline_title(kind: SectionKind, language: str) -> str:
    """The outline's title for a section, in the plan's language where the UI has it."""
    with force_locale(language):
        return str(OUTLINE[kind])


# Loading --------------------------------------------------------------------------------


def plan_or_404(pair: Pair, plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.pair_id != pair.id:
        abort(404)
    return plan


def load_plan(pair_id: int, plan_id: int, may=None) -> Plan:
    """The plan in the pair the URL names, for a route: 404 for outsiders and other pairs'
    plans, 403 when ``may(user, plan)`` says no."""
    plan = plan_or_404(policy.pair_or_404(pair_id), plan_id)
    if may is not None and not may(current_user, plan):
        abort(403)
    return plan


@dataclass(frozen=True)
class NextVersion:
    """The version started from an adopted plan, as its page links to it."""

    id: int
    version: int


@cache
def _plan_page_query():
    # Built once: building a statement with aliases costs more than running it.
    following, after = aliased(Plan), aliased(Plan)
    first_following = (
        select(func.min(following.id))
        .where(following.pair_id == Plan.pair_id, following.previous_id == Plan.id)
        .correlate(Plan)
        .scalar_subquery()
    )
    return (
        select(Plan, after.id, after.version)
        .join(Plan.pair)
        .outerjoin(after, after.id == first_following)
        .where(Plan.id == bindparam("plan_id"), Plan.pair_id == bindparam("pair_id"))
        .options(
            contains_eager(Plan.pair).options(
                joinedload(Pair.mentor_city), joinedload(Pair.mentee_city)
            )
        )
    )


def load_plan_page(pair_id: int, plan_id: int) -> tuple[Plan, NextVersion | None]:
    """The plan for its page, with its pair and the pair's cities (the page's title and nav)
    and, for an adopted plan, the version that follows it: one query. 404 as load_plan."""
    row = db.session.execute(_plan_page_query(), {"plan_id": plan_id, "pair_id": pair_id}).first()
    policy.pair_or_404(pair_id)  # the pair just loaded: no query when the plan was found
    if row is None:
        abort(404)
    plan, next_id, next_number = row
    following_version = None
    if next_id is not None and plan.status is PlanStatus.ADOPTED:
        following_version = NextVersion(next_id, next_number)
    return plan, following_version


def section_or_404(plan: Plan, section_id: int) -> PlanSection:
    section = db.session.get(PlanSection, section_id)
    if section is None or section.plan_id != plan.id:
        abort(404)
    return section


def text_for(section: PlanSection, language: str) -> SectionText | None:
    return db.session.scalar(
        select(SectionText).where(
            SectionText.section_id == section.id, SectionText.language == language
        )
    )


def text_or_new(section: PlanSection, language: str) -> SectionText:
    """The section's text in ``language``, created empty (no revision yet) for a first
    translation."""
    text = text_for(section, language)
    if text is None:
        text = SectionText(section=section, language=language)
        db.session.add(text)
        db.session.flush()
    return text


# Creating -------------------------------------------------------------------------------


def create_plan(pair: Pair, title: str, language: str, author: User) -> Plan:
    """A new draft with the default outline; each section starts with an empty revision
    titled in the plan's language."""
    plan = Plan(pair=pair, title=title.strip(), language=language, created_by=author)
    db.session.add(plan)
    for position, kind in enumerate(OUTLINE):
        add_section(plan, kind, outline_title(kind, language), author, position=position)
    db.session.flush()
    return plan


def add_section(
    plan: Plan,
    kind: SectionKind,
    title: str,
    author: User | None,
    *,
    position: int | None = None,
    body: str = "",
) -> PlanSection:
    if position is None:
        position = max((s.position for s in plan.sections), default=-1) + 1
    section = PlanSection(plan=plan, kind=kind, position=position)
    text = SectionText(section=section, language=plan.language)
    db.session.add_all([section, text])
    _first_revision(text, title, body, author)
    plan.touch()
    return section


def _first_revision(
    text: SectionText,
    title: str,
    body: str,
    author: User | None,
    source_revision: SectionRevision | None = None,
) -> SectionRevision:
    revision = SectionRevision(
        text=text,
        origin=RevisionOrigin.CREATED,
        title=title.strip(),
        body=normalise(body),
        body_html=render(normalise(body)),
        author=author,
        source_revision=source_revision,
    )
    db.session.add(revision)
    db.session.flush()
    text.current_revision = revision
    return revision


def start_new_version(adopted: Plan, author: User) -> Plan:
    """A new draft from an adopted plan: its sections, translations and actions copied as
    first revisions. A translation that was up to date stays up to date."""
    plan = Plan(
        pair_id=adopted.pair_id,
        title=adopted.title,
        language=adopted.language,
        version=adopted.version + 1,
        previous=adopted,
        created_by=author,
    )
    db.session.add(plan)
    texts = db.session.scalars(
        select(SectionText)
        .join(PlanSection)
        .where(PlanSection.plan_id == adopted.id)
        .options(selectinload(SectionText.current_revision))
    ).all()
    by_section: dict[int, list[SectionText]] = {}
    for text in texts:
        by_section.setdefault(text.section_id, []).append(text)
    for old in adopted.sections:
        section = PlanSection(plan=plan, kind=old.kind, position=old.position)
        db.session.add(section)
        old_texts = sorted(by_section.get(old.id, []), key=lambda t: t.language != plan.language)
        new_source = None
        old_source_id = None
        for old_text in old_texts:
            head = old_text.current_revision
            if head is None:
                continue
            text = SectionText(section=section, language=old_text.language)
            db.session.add(text)
            if old_text.language == plan.language:
                new_source = _first_revision(text, head.title, head.body, author)
                old_source_id = head.id
            else:
                up_to_date = head.source_revision_id == old_source_id
                _first_revision(
                    text, head.title, head.body, author, new_source if up_to_date else None
                )
    for old in db.session.scalars(
        select(PlanAction).where(PlanAction.plan_id == adopted.id).order_by(PlanAction.position)
    ):
        db.session.add(
            PlanAction(
                plan=plan,
                position=old.position,
                title=old.title,
                description=old.description,
                lead_organisation_id=old.lead_organisation_id,
                partners=old.partners,
                starts_on=old.starts_on,
                ends_on=old.ends_on,
                resources=old.resources,
                indicators=old.indicators,
                status=old.status,
                key_factors=list(old.key_factors),
            )
        )
    db.session.flush()
    return plan


# Saving without lost updates ------------------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    """What became of a save.

    ``status``: "saved" (on top of the revision the editor started from), "merged" (someone
    saved in between and the edits did not overlap), "unchanged" (nothing to save), or
    "conflict" (overlapping edits: nothing written; ``head`` is what is there now).
    """

    status: str
    revision: SectionRevision | None
    head: SectionRevision | None = None

    @property
    def conflict(self) -> bool:
        return self.status == "conflict"


class _Moved(Exception):
    """The text's head moved between reading it and claiming it: try again."""


def save_text(
    text: SectionText,
    *,
    base_revision_id: int | None,
    title: str,
    body: str,
    author: User,
    origin: RevisionOrigin = RevisionOrigin.EDIT,
    source_revision_id: int | None = None,
) -> SaveResult:
    """Save an edit made from revision ``base_revision_id``.

    The head is claimed with a compare-and-set UPDATE, so of two concurrent writers exactly
    one moves it; the other reads the new head and merges three-way, or reports a conflict.
    A translation passes the source revision it now translates."""
    title, body = title.strip(), normalise(body)
    for _attempt in range(5):
        try:
            return _save_once(
                text, base_revision_id, title, body, author, origin, source_revision_id
            )
        except _Moved:
            continue
    # Five writers in a row got in first: let this one resolve by hand.
    head = db.session.get(SectionRevision, _head_id(text))
    return SaveResult("conflict", None, head)


def _head_id(text: SectionText) -> int | None:
    # A fresh read, past the session's identity map.
    return db.session.execute(
        select(SectionText.current_revision_id).where(SectionText.id == text.id)
    ).scalar_one()


def _save_once(text, base_id, title, body, author, origin, source_revision_id) -> SaveResult:
    head_id = _head_id(text)
    head = db.session.get(SectionRevision, head_id) if head_id else None
    base = db.session.get(SectionRevision, base_id) if base_id else None
    if base_id is not None and (base is None or base.text_id != text.id):
        abort(400)
    base_title, base_body = (base.title, base.body) if base else ("", "")
    head_title, head_body = (head.title, head.body) if head else ("", "")

    if head_id == base_id:
        if (
            head is not None
            and (title, body) == (head_title, head_body)
            and source_revision_id in (None, head.source_revision_id)
        ):
            return SaveResult("unchanged", head)
        status, parent = "saved", head
    else:
        merged_body = three_way(base_body, body, head_body)
        merged_title = three_way_title(base_title, title, head_title)
        if not merged_body.clean or merged_title is None:
            return SaveResult("conflict", None, head)
        title, body = merged_title, merged_body.text
        if (title, body) == (head_title, head_body) and source_revision_id in (
            None,
            head.source_revision_id,
        ):
            return SaveResult("unchanged", head)
        status, parent, origin = "merged", head, RevisionOrigin.MERGE

    _claim(text, head_id)
    revision = SectionRevision(
        text=text,
        parent=parent,
        origin=origin,
        title=title,
        body=body,
        body_html=render(body),
        author=author,
        source_revision_id=(
            source_revision_id
            if source_revision_id is not None
            else (parent.source_revision_id if parent is not None else None)
        ),
    )
    db.session.add(revision)
    db.session.flush()
    text.current_revision = revision
    text.section.plan.touch()
    db.session.flush()
    return SaveResult(status, revision, head)


def _claim(text: SectionText, expected_head_id: int | None) -> None:
    """Lock the text's row if its head is still ``expected_head_id`` (PostgreSQL waits for a
    concurrent writer's commit and re-checks; SQLite writers already run one at a time)."""
    head_is = (
        SectionText.current_revision_id.is_(None)
        if expected_head_id is None
        else SectionText.current_revision_id == expected_head_id
    )
    claimed = db.session.execute(
        update(SectionText)
        .where(SectionText.id == text.id, head_is)
        .values(current_revision_id=SectionText.current_revision_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise _Moved


def restore(text: SectionText, revision: SectionRevision, author: User) -> SaveResult:
    """Bring back an earlier revision as a new one on top of the head."""
    head_id = _head_id(text)
    return save_text(
        text,
        base_revision_id=head_id,
        title=revision.title,
        body=revision.body,
        author=author,
        origin=RevisionOrigin.RESTORE,
        source_revision_id=revision.source_revision_id,
    )


# Reading a plan in one language ---------------------------------------------------------


@dataclass(frozen=True)
class ReadSection:
    """A section as read in one language.

    ``state``: "source" (the plan's own language), "current" (an up-to-date translation),
    "outdated" (a translation of an older source revision) or "missing" (no translation:
    the source text is shown). ``revision`` is what is shown; ``source`` the source head.
    """

    section: PlanSection
    state: str
    language: str  # of the text shown, for lang=
    revision: SectionRevision
    source: SectionRevision
    translation: SectionRevision | None

    @property
    def title(self) -> str:
        return self.revision.title

    @property
    def body_html(self) -> str:
        return self.revision.body_html

    @property
    def falls_back(self) -> bool:
        return self.state == "missing"


def current_revisions(plan: Plan, languages: set[str]) -> dict[tuple[int, str], SectionRevision]:
    """The head revision of every section text of the plan in ``languages``, in one query."""
    rows = db.session.execute(
        select(SectionText, SectionRevision)
        .join(PlanSection, PlanSection.id == SectionText.section_id)
        .join(SectionRevision, SectionRevision.id == SectionText.current_revision_id)
        .where(PlanSection.plan_id == plan.id, SectionText.language.in_(languages))
    ).all()
    return {(text.section_id, text.language): revision for text, revision in rows}


@cache
def _read_plan_query(translated: bool):
    # Built once: building a statement with aliases costs more than running it.
    def text_in(language: str):
        """A section's text in the language bound as ``language``, and its head revision."""
        text, revision = aliased(SectionText), aliased(SectionRevision)
        on_section = and_(text.section_id == PlanSection.id, text.language == bindparam(language))
        return text, on_section, revision, revision.id == text.current_revision_id

    source_text, on_source, source, on_head = text_in("source_language")
    query = (
        select(PlanSection, source)
        .join(source_text, on_source)
        .join(source, on_head)
        .where(PlanSection.plan_id == bindparam("plan_id"))
        .order_by(PlanSection.position, PlanSection.id)
    )
    if not translated:
        return query
    translated_text, on_translated, translation, on_translation = text_in("language")
    return (
        query.add_columns(translation)
        .outerjoin(translated_text, on_translated)
        .outerjoin(translation, on_translation)
    )


def read_plan(plan: Plan, language: str) -> list[ReadSection]:
    """The plan's sections in ``language``: translations where there are, else the source,
    each with its state. One query, whatever the number of sections and revisions."""
    arguments = {"plan_id": plan.id, "source_language": plan.language, "language": language}
    if language == plan.language:
        rows = db.session.execute(_read_plan_query(False), arguments)
        return [
            ReadSection(section, "source", language, head, head, None) for section, head in rows
        ]
    read = []
    for section, head, translated in db.session.execute(_read_plan_query(True), arguments):
        if translated is None:
            read.append(ReadSection(section, "missing", plan.language, head, head, None))
        else:
            state = "current" if translated.source_revision_id == head.id else "outdated"
            read.append(ReadSection(section, state, language, translated, head, translated))
    return read


def languages_of(plan: Plan) -> list[str]:
    """The languages a plan is read and translated in: its own first, then the pair's other
    working languages."""
    others = [code for code in plan.pair.working_languages if code != plan.language]
    return [plan.language, *others]


def default_language(plan: Plan, ui_language: str) -> str:
    """The language a plan opens in: the reader's own if the plan is read in it."""
    return ui_language if ui_language in languages_of(plan) else plan.language


# The pair's plans and their sections ----------------------------------------------------


def plans_of(pair: Pair) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan).where(Plan.pair_id == pair.id).order_by(Plan.updated_at.desc(), Plan.id)
        )
    )


def move_section(section: PlanSection, step: int) -> bool:
    """Swap the section with its neighbour above (-1) or below (+1); False at either end."""
    plan = section.plan
    ordered = sorted(plan.sections, key=lambda s: (s.position, s.id))
    # Renumber first: sections added at equal positions still move one step at a time.
    for position, each in enumerate(ordered):
        each.position = position
    index = ordered.index(section)
    other = index + step
    if not 0 <= other < len(ordered):
        return False
    ordered[index].position, ordered[other].position = other, index
    plan.touch()
    return True


def remove_section(section: PlanSection) -> None:
    """Only sections added to the outline can go; the outline's own stay."""
    if section.kind is not SectionKind.CUSTOM:
        abort(400)
    section.plan.touch()
    db.session.delete(section)


# History --------------------------------------------------------------------------------

HISTORY_PAGE = 25


def history(
    text: SectionText, before: int | None = None
) -> tuple[list[SectionRevision], int | None]:
    """A page of the text's revisions, newest first, with their authors (two queries); and
    the id to pass as ``before`` for the next page, or None."""
    query = (
        select(SectionRevision)
        .where(SectionRevision.text_id == text.id)
        .options(selectinload(SectionRevision.author))
        .order_by(SectionRevision.id.desc())
        .limit(HISTORY_PAGE + 1)
    )
    if before is not None:
        query = query.where(SectionRevision.id < before)
    revisions = list(db.session.scalars(query))
    more = len(revisions) > HISTORY_PAGE
    revisions = revisions[:HISTORY_PAGE]
    return revisions, (revisions[-1].id if more else None)


def revision_or_404(text: SectionText, revision_id: int | None) -> SectionRevision:
    revision = db.session.get(SectionRevision, revision_id) if revision_id else None
    if revision is None or revision.text_id != text.id:
        abort(404)
    return revision


# Activity -------------------------------------------------------------------------------

COALESCE = timedelta(minutes=10)


def record_revision(plan: Plan, section_title: str, author: User) -> None:
    """A PLAN_REVISED entry on the pair's timeline, at most one per section and author in
    ten minutes: a long edit saved often is one entry, not twenty."""
    title = f"{plan.title} · {section_title}"[:300]
    recent = db.session.scalar(
        select(Activity.id).where(
            Activity.pair_id == plan.pair_id,
            Activity.kind == ActivityKind.PLAN_REVISED,
            Activity.subject_type == "plan",
            Activity.subject_id == plan.id,
            Activity.actor_id == author.id,
            Activity.title == title,
            Activity.created_at >= utcnow() - COALESCE,
        )
    )
    if recent is None:
        activity.record(plan.pair_id, ActivityKind.PLAN_REVISED, author, "plan", plan.id, title)


# Who has a section open -----------------------------------------------------------------

PRESENCE_WINDOW = timedelta(seconds=30)


def heartbeat(section: PlanSection, user: User, language: str) -> None:
    """Note that the user has the section's editor open (in ``language``) now."""
    presence = db.session.scalar(
        select(SectionPresence).where(
            SectionPresence.section_id == section.id, SectionPresence.user_id == user.id
        )
    )
    if presence is not None:
        presence.language, presence.seen_at = language, utcnow()
        return
    try:
        # Two tabs of one user may both insert first: the loser just refreshes the row.
        with db.session.begin_nested():
            db.session.add(
                SectionPresence(section_id=section.id, user_id=user.id, language=language)
            )
    except IntegrityError:
        db.session.execute(
            update(SectionPresence)
            .where(SectionPresence.section_id == section.id, SectionPresence.user_id == user.id)
            .values(language=language, seen_at=utcnow())
        )


def leave(section: PlanSection, user: User) -> None:
    db.session.execute(
        delete(SectionPresence).where(
            SectionPresence.section_id == section.id, SectionPresence.user_id == user.id
        )
    )


def also_editing(section: PlanSection, user: User) -> list[SectionPresence]:
    """The others seen in the section's editors (any language) within the window."""
    return list(
        db.session.scalars(
            select(SectionPresence)
            .join(User, User.id == SectionPresence.user_id)
            .where(
                SectionPresence.section_id == section.id,
                SectionPresence.user_id != user.id,
                SectionPresence.seen_at >= utcnow() - PRESENCE_WINDOW,
            )
            .options(selectinload(SectionPresence.user))
            .order_by(User.name)
        )
    )
