"""Task lists and tasks: the changes, with their activity entries and notifications.

Other areas call ``create_task`` and ``follow_up_list`` (follow-up tasks from a study visit).
Every function here adds to the session and flushes; the caller commits once.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_babel import force_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import activity, db
from ..models import (
    ActivityKind,
    Event,
    Membership,
    NotificationKind,
    Pair,
    Role,
    SubscriptionState,
    Task,
    TaskList,
    TaskStatus,
    Thread,
    ThreadSubscription,
    User,
    cluster_consultant,
    task_assignee,
    utcnow,
)
from ..notifications.services import notify

SUBJECT = "task"
MY_WORK_LIMIT = 50  # tasks a page of "My work"
DONE_SHOWN = 5  # done tasks shown per list on the board; the rest on the list's done page
DONE_PAGE = 50


class NotAMember(ValueError):
    """An assignee who is not a member of the task's pair."""


def today() -> date:
    """Today in the current user's time zone: what "overdue" is measured against."""
    return datetime.now(get_timezone()).date()


# Reading --------------------------------------------------------------------------------


def board(pair: Pair) -> list[TaskList]:
    """The pair's lists in order (one query; their tasks: ``columns``)."""
    return list(
        db.session.scalars(
            select(TaskList)
            .where(TaskList.pair_id == pair.id)
            .order_by(TaskList.position, TaskList.id)
            .execution_options(populate_existing=True)  # after a change in this request
        )
    )


TASK_PAGE = 20  # open tasks per page of a list: the board shows each list's first page


@dataclass(slots=True, eq=False)
class TaskRow:
    """A task as the board shows it: plain columns, lighter than a ``Task`` object. It has
    the ``pair`` and ``assignees`` that ``policy.can_update_task`` reads; the labels are
    filled in by the view."""

    id: int
    list_id: int
    title: str
    notes: str
    status: TaskStatus
    due_on: date | None
    completed_at: datetime | None
    pair: Pair
    assignees: list[User] = field(default_factory=list)
    due_label: str = ""
    assigned_label: str = ""

    @property
    def is_done(self) -> bool:
        return self.status is TaskStatus.DONE

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and not self.is_done


_ROW = (
    Task.id,
    Task.list_id,
    Task.title,
    Task.notes,
    Task.status,
    Task.due_on,
    Task.completed_at,
)


def _rows(pair: Pair, records) -> list[TaskRow]:
    return [TaskRow(*record[: len(_ROW)], pair) for record in records]


def _with_assignees(rows: Sequence[TaskRow]) -> None:
    """Fills in the rows' assignees, by name, in one query."""
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    for task_id, user in db.session.execute(
        select(task_assignee.c.task_id, User)
        .join(User, User.id == task_assignee.c.user_id)
        .where(task_assignee.c.task_id.in_(by_id))
        .order_by(User.name, User.id)
    ):
        by_id[task_id].assignees.append(user)


@dataclass
class Column:
    """One list on the board: the first page of its tasks still to do, in order; the
    latest done ones; and how many of each there are."""

    task_list: TaskList
    tasks: list[TaskRow] = field(default_factory=list)
    todo_count: int = 0
    done: list[TaskRow] = field(default_factory=list)
    done_count: int = 0

    @property
    def more_todo(self) -> bool:
        return self.todo_count > len(self.tasks)

    @property
    def more_done(self) -> bool:
        return self.done_count > len(self.done)


def _finished():
    """When a done task was finished (its creation stands in for a missing completion)."""
    return func.coalesce(Task.completed_at, Task.created_at)


def _is_done():
    return case((Task.status == TaskStatus.DONE, 1), else_=0)


def columns(pair: Pair, lists: Sequence[TaskList]) -> list[Column]:
    """The board's tasks in two queries however many there are: per list the first
    TASK_PAGE tasks to do and the DONE_SHOWN latest done (with how many there are of
    each), then their assignees."""
    group = (Task.list_id, _is_done())
    ranked = (
        select(
            Task.id.label("id"),
            func.row_number()
            .over(partition_by=group, order_by=(Task.position, Task.id))
            .label("todo_rank"),
            func.row_number()
            .over(partition_by=group, order_by=(_finished().desc(), Task.id.desc()))
            .label("done_rank"),
            func.count(Task.id).over(partition_by=group).label("total"),
        )
        .where(Task.pair_id == pair.id)
        .subquery()
    )
    records = db.session.execute(
        select(*_ROW, ranked.c.done_rank, ranked.c.total)
        .join(ranked, ranked.c.id == Task.id)
        .where(
            or_(
                and_(Task.status != TaskStatus.DONE, ranked.c.todo_rank <= TASK_PAGE),
                and_(Task.status == TaskStatus.DONE, ranked.c.done_rank <= DONE_SHOWN),
            )
        )
        .order_by(Task.list_id, Task.position, Task.id)
    ).all()
    rows = _rows(pair, records)
    _with_assignees(rows)
    result = {tl.id: Column(tl) for tl in lists}
    done: list[tuple[int, TaskRow]] = []
    for row, record in zip(rows, records, strict=True):
        column = result.get(row.list_id)
        if column is None:
            continue
        if row.is_done:
            column.done_count = record.total
            done.append((record.done_rank, row))
        else:
            column.todo_count = record.total
            column.tasks.append(row)
    for _rank, row in sorted(done, key=lambda item: item[0]):
        result[row.list_id].done.append(row)
    return list(result.values())


def _page(pair: Pair, query, size: int) -> tuple[list[TaskRow], bool]:
    rows = _rows(pair, db.session.execute(query.limit(size + 1)))
    rows, more = rows[:size], len(rows) > size
    _with_assignees(rows)
    return rows, more


def todo_page(
    pair: Pair, task_list: TaskList, after: Task | None = None
) -> tuple[list[TaskRow], bool]:
    """A list's tasks still to do, in order, TASK_PAGE at a time after ``after`` (keyset);
    and whether there are more."""
    query = (
        select(*_ROW)
        .where(Task.list_id == task_list.id, Task.status != TaskStatus.DONE)
        .order_by(Task.position, Task.id)
    )
    if after is not None:
        query = query.where(
            or_(
                Task.position > after.position,
                and_(Task.position == after.position, Task.id > after.id),
            )
        )
    return _page(pair, query, TASK_PAGE)


def done_page(
    pair: Pair, task_list: TaskList, before: Task | None = None
) -> tuple[list[TaskRow], bool]:
    """A list's done tasks, latest finished first, DONE_PAGE at a time after ``before``
    (keyset); and whether there are more."""
    query = (
        select(*_ROW)
        .where(Task.list_id == task_list.id, Task.status == TaskStatus.DONE)
        .order_by(_finished().desc(), Task.id.desc())
    )
    if before is not None:
        mark = before.completed_at or before.created_at
        query = query.where(or_(_finished() < mark, and_(_finished() == mark, Task.id < before.id)))
    return _page(pair, query, DONE_PAGE)


def board_etag(pair_id: int, *variant) -> str:
    """A validator for the pair's task board: one lookup on (pair_id, updated_at).

    The count catches a deleted list, the newest ``updated_at`` any other change (every
    change touches its list). ``variant`` adds what else shapes the page for this reader
    (language, today's date, their rights)."""
    count, newest = db.session.execute(
        select(func.count(TaskList.id), func.max(TaskList.updated_at)).where(
            TaskList.pair_id == pair_id
        )
    ).one()
    raw = "|".join(str(part) for part in (pair_id, count, newest, *variant))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def members(pair: Pair) -> list[User]:
    """The people tasks can be assigned to: the pair's members, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.pair_id == pair.id)
            .order_by(User.name, User.id)
        )
    )


def _visible_pairs(user: User):
    """A condition on Task.pair_id: the pairs the user sees (DESIGN §2), or None for all."""
    if user.is_admin:
        return None
    return or_(
        Task.pair_id.in_(select(Membership.pair_id).where(Membership.user_id == user.id)),
        Task.pair_id.in_(
            select(Pair.id).where(
                Pair.cluster_id.in_(
                    select(cluster_consultant.c.cluster_id).where(
                        cluster_consultant.c.user_id == user.id
                    )
                )
            )
        ),
    )


def _my_work_query(user: User, on: date, after: Task | None = None):
    """Open tasks in the pairs the user sees, overdue first, then by due date, undated last
    (which is the order of (due date, id) with undated last: overdue means due before
    ``on``); paged by keyset after the task ``after``."""
    overdue_first = case((Task.due_on < on, 0), else_=1)
    query = (
        select(Task)
        .where(Task.status != TaskStatus.DONE)
        .options(
            joinedload(Task.task_list),
            joinedload(Task.pair).joinedload(Pair.mentor_city),
            joinedload(Task.pair).joinedload(Pair.mentee_city),
            selectinload(Task.assignees),
        )
        .order_by(overdue_first, Task.due_on.is_(None), Task.due_on, Task.id)
        .limit(MY_WORK_LIMIT + 1)
    )
    if (visible := _visible_pairs(user)) is not None:
        query = query.where(visible)
    if after is not None:
        if after.due_on is None:
            query = query.where(Task.due_on.is_(None), Task.id > after.id)
        else:
            query = query.where(
                or_(
                    Task.due_on.is_(None),
                    Task.due_on > after.due_on,
                    and_(Task.due_on == after.due_on, Task.id > after.id),
                )
            )
    return query


def assigned_to(user: User, on: date, after: Task | None = None) -> list[Task]:
    """Open tasks assigned to the user in the pairs they see: overdue first, then by due
    date; a page of MY_WORK_LIMIT, and one more if there are more."""
    query = _my_work_query(user, on, after).where(
        Task.id.in_(select(task_assignee.c.task_id).where(task_assignee.c.user_id == user.id))
    )
    return list(db.session.scalars(query).unique())


def created_by(user: User, on: date, after: Task | None = None) -> list[Task]:
    """Open tasks the user created, in the pairs they see, in the same order and pages."""
    query = _my_work_query(user, on, after).where(Task.created_by_id == user.id)
    return list(db.session.scalars(query).unique())


def _my_pair_ids(user: User):
    """The pairs that are "mine": where I am a member or the consultant (not every pair an
    admin could open)."""
    return (
        select(Membership.pair_id)
        .where(Membership.user_id == user.id)
        .union(
            select(Pair.id)
            .join(cluster_consultant, cluster_consultant.c.cluster_id == Pair.cluster_id)
            .where(cluster_consultant.c.user_id == user.id)
        )
    )


def upcoming_events(user: User, now: datetime, limit: int = 10) -> list[Event]:
    """The next events in my pairs (events are seen by everyone who sees the pair)."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.pair_id.in_(_my_pair_ids(user)), Event.ends_at >= now)
            .options(
                joinedload(Event.pair).joinedload(Pair.mentor_city),
                joinedload(Event.pair).joinedload(Pair.mentee_city),
            )
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def unread_threads(user: User, limit: int = 20) -> list[Thread]:
    """Threads I may see with posts I have not read, newest first, muted ones left out.

    Pair threads of my pairs (a support-network member only those open to the network),
    and cluster threads of the clusters I consult or am in the core team of a pair of."""
    core_pairs = select(Membership.pair_id).where(
        Membership.user_id == user.id, Membership.role != Role.NETWORK
    )
    network_pairs = select(Membership.pair_id).where(
        Membership.user_id == user.id, Membership.role == Role.NETWORK
    )
    consulted = select(cluster_consultant.c.cluster_id).where(
        cluster_consultant.c.user_id == user.id
    )
    consulted_pairs = select(Pair.id).where(Pair.cluster_id.in_(consulted))
    core_clusters = select(Pair.cluster_id).where(Pair.id.in_(core_pairs))
    sub = ThreadSubscription
    return list(
        db.session.scalars(
            select(Thread)
            .outerjoin(sub, and_(sub.thread_id == Thread.id, sub.user_id == user.id))
            .where(
                or_(
                    Thread.pair_id.in_(core_pairs),
                    Thread.pair_id.in_(consulted_pairs),
                    and_(Thread.pair_id.in_(network_pairs), Thread.open_to_network.is_(True)),
                    Thread.cluster_id.in_(consulted),
                    Thread.cluster_id.in_(core_clusters),
                ),
                Thread.hidden.is_(False),
                Thread.last_post_id > func.coalesce(sub.last_read_post_id, 0),
                or_(sub.state.is_(None), sub.state != SubscriptionState.MUTE),
            )
            .options(
                joinedload(Thread.pair).joinedload(Pair.mentor_city),
                joinedload(Thread.pair).joinedload(Pair.mentee_city),
                joinedload(Thread.cluster),
            )
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
            .limit(limit)
        )
    )


# Lists ----------------------------------------------------------------------------------


def create_list(pair: Pair, title: str, actor: User, *, for_follow_up: bool = False) -> TaskList:
    last = db.session.scalar(select(func.max(TaskList.position)).where(TaskList.pair_id == pair.id))
    task_list = TaskList(
        pair_id=pair.id,
        title=title.strip()[:200],
        position=(last or 0) + 1,
        for_follow_up=for_follow_up,
    )
    db.session.add(task_list)
    db.session.flush()
    return task_list


def rename_list(task_list: TaskList, title: str) -> None:
    task_list.title = title.strip()[:200]
    task_list.touch()


def move_list(task_list: TaskList, offset: int) -> bool:
    """Moves the list up (-1) or down (+1) on the board; False at either end."""
    siblings = board(task_list.pair)
    here = siblings.index(task_list)
    there = here + offset
    if not 0 <= there < len(siblings):
        return False
    siblings[here], siblings[there] = siblings[there], siblings[here]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    task_list.touch()  # for the live poll
    db.session.flush()
    return True


def delete_list(task_list: TaskList) -> None:
    """Deletes the list with its tasks; the poll sees the pair's list count drop."""
    db.session.delete(task_list)
    db.session.flush()


def follow_up_list(pair: Pair, actor: User) -> TaskList:
    """The pair's list for follow-up tasks (from study visits), created on first use with a
    title in the actor's language."""
    existing = db.session.scalar(
        select(TaskList)
        .where(TaskList.pair_id == pair.id, TaskList.for_follow_up.is_(True))
        .order_by(TaskList.id)
        .limit(1)
    )
    if existing is not None:
        return existing
    with force_locale(actor.locale or "en"):
        title = _("Follow-up")
    return create_list(pair, title, actor, for_follow_up=True)


# Tasks ----------------------------------------------------------------------------------


def _check_members(pair_id: int, users: Sequence[User]) -> None:
    if not users:
        return
    ids = {u.id for u in users}
    found = set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.pair_id == pair_id, Membership.user_id.in_(ids)
            )
        )
    )
    if ids - found:
        raise NotAMember(sorted(ids - found))


def task_url(task: Task) -> str:
    return url_for("tasks.index", pair_id=task.pair_id, _anchor=f"task-{task.id}", _external=False)


def _announce_assignment(task: Task, newly: Sequence[User], actor: User) -> None:
    if not newly:
        return
    activity.record(task.pair_id, ActivityKind.TASK_ASSIGNED, actor, SUBJECT, task.id, task.title)
    notify(
        newly,
        NotificationKind.TASK_ASSIGNED,
        actor=actor,
        pair=task.pair,
        subject_type=SUBJECT,
        subject_id=task.id,
        url=task_url(task),
        title=task.title,
    )


def create_task(
    task_list: TaskList,
    title: str,
    actor: User,
    *,
    notes: str = "",
    due_on: date | None = None,
    assignees: Sequence[User] = (),
) -> Task:
    """Adds a task at the end of the list, records it on the timeline and tells the
    assignees (who must be members of the pair: NotAMember otherwise)."""
    _check_members(task_list.pair_id, assignees)
    last = db.session.scalar(select(func.max(Task.position)).where(Task.list_id == task_list.id))
    task = Task(
        task_list=task_list,
        pair_id=task_list.pair_id,
        title=title.strip()[:300],
        notes=notes.strip(),
        due_on=due_on,
        position=(last or 0) + 1,
        created_by_id=actor.id,
        assignees=list(dict.fromkeys(assignees)),
    )
    db.session.add(task)
    task_list.touch()
    db.session.flush()
    activity.record(task.pair_id, ActivityKind.TASK_CREATED, actor, SUBJECT, task.id, task.title)
    _announce_assignment(task, task.assignees, actor)
    db.session.flush()
    return task


def update_task(
    task: Task,
    actor: User,
    *,
    title: str,
    notes: str,
    due_on: date | None,
    task_list: TaskList | None = None,
) -> None:
    task.title = title.strip()[:300]
    task.notes = notes.strip()
    task.due_on = due_on
    task.task_list.touch()
    if task_list is not None and task_list.id != task.list_id:
        last = db.session.scalar(
            select(func.max(Task.position)).where(Task.list_id == task_list.id)
        )
        task.task_list = task_list
        task.position = (last or 0) + 1
        task_list.touch()
    db.session.flush()


def assign(task: Task, users: Sequence[User], actor: User) -> list[User]:
    """Makes ``users`` the task's assignees; records and notifies those newly assigned."""
    _check_members(task.pair_id, users)
    before = {u.id for u in task.assignees}
    task.assignees = list(dict.fromkeys(users))
    newly = [u for u in task.assignees if u.id not in before]
    task.task_list.touch()
    db.session.flush()
    _announce_assignment(task, newly, actor)
    return newly


def set_status(task: Task, status: TaskStatus, actor: User) -> bool:
    """Changes the status; records TASK_DONE when it becomes done. False if unchanged."""
    if task.status is status:
        return False
    task.status = status
    task.completed_at = utcnow() if status is TaskStatus.DONE else None
    task.task_list.touch()
    db.session.flush()
    if status is TaskStatus.DONE:
        activity.record(task.pair_id, ActivityKind.TASK_DONE, actor, SUBJECT, task.id, task.title)
    return True


def move(task: Task, offset: int) -> bool:
    """Moves the task up (-1) or down (+1) among the list's tasks that are done, or not,
    like it (the board shows the two apart); False at either end."""
    everything = list(task.task_list.tasks)
    alike = [t for t in everything if t.is_done == task.is_done]
    here = alike.index(task)
    there = here + offset
    if not 0 <= there < len(alike):
        return False
    a, b = everything.index(task), everything.index(alike[there])
    everything[a], everything[b] = everything[b], everything[a]
    for position, sibling in enumerate(everything, start=1):
        sibling.position = position
    task.task_list.touch()
    db.session.flush()
    return True


def delete_task(task: Task) -> None:
    task_list = task.task_list
    task_list.touch()
    task_list.tasks.remove(task)  # delete-orphan
    db.session.flush()
