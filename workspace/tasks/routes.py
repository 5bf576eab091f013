"""Task lists of a pair (inline with htmx, and with plain forms), and "my work"."""

from babel import dates as babel_dates
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask import render_template as render_page
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import db, policy
from ..htmx import render, wants_fragment
from ..links import IdLinks
from ..models import Pair, Task, TaskList, TaskStatus, utcnow
from ..page_cache import cached_page
from . import services
from .forms import STATUSES, AssigneesForm, EditTaskForm, ListForm, TaskForm

bp = Blueprint("tasks", __name__)

POLL_SECONDS = 5


# Loading --------------------------------------------------------------------------------


def _list_or_404(pair: Pair, list_id: int) -> TaskList:
    task_list = db.session.get(TaskList, list_id)
    if task_list is None or task_list.pair_id != pair.id:
        abort(404)
    return task_list


def _task_or_404(pair_id: int, task_id: int, may) -> Task:
    """The task in the pair the URL names: 404 for outsiders and strangers' ids, 403 when
    ``may(user, task)`` says no."""
    pair = policy.pair_or_404(pair_id)
    task = db.session.get(Task, task_id)
    if task is None or task.pair_id != pair.id:
        abort(404)
    if not may(current_user, task):
        abort(403)
    return task


def _may_manage(user, task: Task) -> bool:
    return policy.can_manage_tasks(user, task.pair)


# The board ------------------------------------------------------------------------------


def _etag(pair: Pair) -> str:
    return services.board_etag(
        pair.id,
        get_locale(),
        services.today(),
        current_user.id,
        policy.can_manage_tasks(current_user, pair),
    )


# What every task row needs, worked out once per page rather than once per row: a url_for
# per row and action, or a gettext or date format per row, would cost more than the rest.
# A task's actions (status, move, assignees, delete) are paths under its URL, and a list's
# under its own. _SLOT stands for a list's id in the add-task fields rendered once.
_SLOT = 999_999_999


def _label(rows) -> None:
    """The rows' due-date and assignee labels: each sentence translated once, each distinct
    date and set of names formatted once."""
    locale = get_locale()
    due = _("Due %(date)s", date="%(date)s")
    assigned = _("Assigned to %(names)s", names="%(names)s")
    nobody = _("Not assigned")
    dates: dict = {}
    names: dict = {}
    for row in rows:
        if row.due_on is not None:
            if (label := dates.get(row.due_on)) is None:
                label = dates[row.due_on] = due % {
                    "date": babel_dates.format_date(row.due_on, "medium", locale=locale)
                }
            row.due_label = label
        if row.assignees:
            key = tuple(u.id for u in row.assignees)
            if (label := names.get(key)) is None:
                joined = ", ".join(str(u.display_name) for u in row.assignees)
                label = names[key] = assigned % {"names": joined}
            row.assigned_label = label
        else:
            row.assigned_label = nobody


def _rows_context(pair: Pair) -> dict:
    """What the ``task_items`` block needs besides its rows."""
    return {
        "pair": pair,
        "manage": policy.can_manage_tasks(current_user, pair),
        "today": services.today(),
        "statuses": {status: str(label) for status, label in STATUSES.items()},
        "task_url": IdLinks("tasks.edit", "task_id", pair_id=pair.id),
        "list_links": IdLinks("tasks.rename_list", "list_id", pair_id=pair.id),
    }


def _board(pair: Pair, *, task_forms=None, list_form=None, rename_forms=None, message=None):
    """The task page, or to htmx its ``task_board`` block."""
    members = services.members(pair)
    lists = services.board(pair)
    columns = services.columns(pair, lists)
    _label(row for column in columns for row in (*column.tasks, *column.done))
    etag = _etag(pair)
    body, headers = render(
        "tasks/index.html",
        "task_board",
        columns=columns,
        task_forms=task_forms or {},
        blank_task_form=TaskForm(members, formdata=None, prefix=f"list{_SLOT}"),
        slot=str(_SLOT),
        list_form=list_form or ListForm(formdata=None, prefix="newlist"),
        rename_forms=rename_forms or {},
        message=message,
        fragment=wants_fragment(),
        etag=etag,
        poll_seconds=POLL_SECONDS,
        list_page=None,
        **_rows_context(pair),
    )
    headers["ETag"] = f'"{etag}"'
    headers["Cache-Control"] = "private, no-cache"
    return body, headers


def _done(pair: Pair, message: str, anchor: str | None = None):
    """After a change: to htmx the updated board, otherwise Post/Redirect/Get."""
    db.session.commit()
    if wants_fragment():
        return _board(pair, message=message)
    flash(message, "success")
    return redirect(url_for("tasks.index", pair_id=pair.id, _anchor=anchor), code=303)


@bp.get("/pairs/<int:pair_id>/tasks")
@cached_page
@login_required
def index(pair_id: int):
    pair = policy.pair_or_404(pair_id)
    if wants_fragment() and request.if_none_match:
        # The live poll: one indexed lookup, and nothing more when nothing changed.
        etag = _etag(pair)
        if request.if_none_match.contains(etag):
            return "", 304, {"ETag": f'"{etag}"', "Vary": "HX-Request"}
    return _board(pair)


@bp.post("/pairs/<int:pair_id>/tasks/lists")
@login_required
def create_list(pair_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_tasks)
    form = ListForm(prefix="newlist")
    if not form.validate():
        return _board(pair, list_form=form)
    task_list = services.create_list(pair, form.title.data, current_user)
    return _done(pair, _("List “%(title)s” added.", title=task_list.title), f"list-{task_list.id}")


@bp.post("/pairs/<int:pair_id>/tasks/lists/<int:list_id>")
@login_required
def rename_list(pair_id: int, list_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_tasks)
    task_list = _list_or_404(pair, list_id)
    form = ListForm(prefix=f"rename{task_list.id}")
    if not form.validate():
        return _board(pair, rename_forms={task_list.id: form})
    services.rename_list(task_list, form.title.data)
    return _done(pair, _("List renamed to “%(title)s”.", title=task_list.title), f"list-{list_id}")


@bp.post("/pairs/<int:pair_id>/tasks/lists/<int:list_id>/move")
@login_required
def move_list(pair_id: int, list_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_tasks)
    task_list = _list_or_404(pair, list_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    services.move_list(task_list, -1 if direction == "up" else 1)
    message = (
        _("List “%(title)s” moved up.") if direction == "up" else _("List “%(title)s” moved down.")
    ) % {"title": task_list.title}
    return _done(pair, message, f"list-{list_id}")


@bp.get("/pairs/<int:pair_id>/tasks/lists/<int:list_id>/todo")
@login_required
def todo(pair_id: int, list_id: int):
    """A list's tasks still to do, in order, paged by keyset (``after`` a task)."""
    return _list_page(pair_id, list_id, "todo")


@bp.get("/pairs/<int:pair_id>/tasks/lists/<int:list_id>/done")
@login_required
def done(pair_id: int, list_id: int):
    """All the done tasks of a list, latest first, paged by keyset (``before`` a task)."""
    return _list_page(pair_id, list_id, "done")


def _list_page(pair_id: int, list_id: int, group: str):
    """One page of a list's tasks to do or done: the board's rows on a page of their own,
    or to htmx just the rows (``task_items``), which the board appends in place of its
    "next page" link."""
    pair = policy.pair_or_404(pair_id)
    task_list = _list_or_404(pair, list_id)
    key = "after" if group == "todo" else "before"
    mark = None
    if (mark_id := request.args.get(key, type=int)) is not None:
        mark = db.session.get(Task, mark_id)
        if mark is None or mark.list_id != task_list.id:
            abort(404)
    page = services.todo_page if group == "todo" else services.done_page
    tasks, more = page(pair, task_list, mark)
    _label(tasks)
    column = services.Column(task_list)
    if group == "todo":
        column.tasks = tasks
    else:
        column.done = tasks
    next_url = None
    if more:
        next_url = url_for(
            request.endpoint, pair_id=pair.id, list_id=task_list.id, **{key: tasks[-1].id}
        )
    body, headers = render(
        "tasks/index.html",
        "task_items",
        columns=[column],
        list_page=None if wants_fragment() else group,
        first_page=mark is None,
        page_next=next_url,  # the page's own pager
        next_url=next_url,  # the block's "next page" link (htmx appends the block)
        # for the block alone (on the page it takes them from the loop over columns)
        tl=task_list,
        group=group,
        items=tasks,
        **_rows_context(pair),
    )
    return body, headers


@bp.post("/pairs/<int:pair_id>/tasks/lists/<int:list_id>/delete")
@login_required
def delete_list(pair_id: int, list_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_tasks)
    task_list = _list_or_404(pair, list_id)
    title = task_list.title
    services.delete_list(task_list)
    return _done(pair, _("List “%(title)s” deleted.", title=title))


@bp.post("/pairs/<int:pair_id>/tasks/lists/<int:list_id>/tasks")
@login_required
def create(pair_id: int, list_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_manage_tasks)
    task_list = _list_or_404(pair, list_id)
    form = TaskForm(services.members(pair), prefix=f"list{task_list.id}")
    if not form.validate():
        return _board(pair, task_forms={task_list.id: form})
    task = services.create_task(
        task_list,
        form.title.data,
        current_user,
        notes=form.notes.data or "",
        due_on=form.due_on.data,
        assignees=form.chosen(),
    )
    return _done(pair, _("Task “%(title)s” added.", title=task.title), f"task-{task.id}")


@bp.route("/pairs/<int:pair_id>/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def edit(pair_id: int, task_id: int):
    task = _task_or_404(pair_id, task_id, _may_manage)
    pair = task.pair
    lists = services.board(pair)
    form = EditTaskForm(services.members(pair), lists, obj=task)
    if not form.is_submitted():
        form.task_list.data = task.list_id
        form.assignees.data = [u.id for u in task.assignees]
    if form.validate_on_submit():
        services.update_task(
            task,
            current_user,
            title=form.title.data,
            notes=form.notes.data or "",
            due_on=form.due_on.data,
            task_list=next(tl for tl in lists if tl.id == form.task_list.data),
        )
        services.assign(task, form.chosen(), current_user)
        db.session.commit()
        flash(_("Task “%(title)s” saved.", title=task.title), "success")
        return redirect(url_for("tasks.index", pair_id=pair.id, _anchor=f"task-{task.id}"), 303)
    return render_page("tasks/edit.html", pair=pair, task=task, form=form)


@bp.post("/pairs/<int:pair_id>/tasks/<int:task_id>/delete")
@login_required
def delete(pair_id: int, task_id: int):
    task = _task_or_404(pair_id, task_id, _may_manage)
    pair, title = task.pair, task.title
    services.delete_task(task)
    return _done(pair, _("Task “%(title)s” deleted.", title=title))


@bp.post("/pairs/<int:pair_id>/tasks/<int:task_id>/status")
@login_required
def set_status(pair_id: int, task_id: int):
    task = _task_or_404(pair_id, task_id, policy.can_update_task)
    try:
        status = TaskStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    services.set_status(task, status, current_user)
    messages = {
        TaskStatus.OPEN: _("“%(title)s” is to do again."),
        TaskStatus.IN_PROGRESS: _("“%(title)s” is in progress."),
        TaskStatus.DONE: _("“%(title)s” is done."),
    }
    return _done(task.pair, messages[status] % {"title": task.title}, f"task-{task.id}")


@bp.route("/pairs/<int:pair_id>/tasks/<int:task_id>/assignees", methods=["GET", "POST"])
@login_required
def reassign(pair_id: int, task_id: int):
    """The assignees form (to htmx: the form alone, which the board loads into the task's
    "Reassign" panel when it is first opened), and saving it."""
    task = _task_or_404(pair_id, task_id, _may_manage)
    members = services.members(task.pair)
    if request.method == "GET":
        return render(
            "tasks/assignees.html",
            "assignees_form",
            pair=task.pair,
            task=task,
            members=members,
            chosen={u.id for u in task.assignees},
            fragment=wants_fragment(),
        )
    form = AssigneesForm(members)
    if not form.validate():  # someone who is not (or no longer) a member of the pair
        return _board(task.pair, message=_("Only members of this pair can be assigned tasks."))
    services.assign(task, form.chosen(), current_user)
    names = ", ".join(str(u.display_name) for u in task.assignees) or _("nobody")
    message = _("“%(title)s” is assigned to %(names)s.", title=task.title, names=names)
    return _done(task.pair, message, f"task-{task.id}")


@bp.post("/pairs/<int:pair_id>/tasks/<int:task_id>/move")
@login_required
def move(pair_id: int, task_id: int):
    task = _task_or_404(pair_id, task_id, _may_manage)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    services.move(task, -1 if direction == "up" else 1)
    message = (
        _("“%(title)s” moved up.") if direction == "up" else _("“%(title)s” moved down.")
    ) % {"title": task.title}
    return _done(task.pair, message, f"task-{task.id}")


# My work --------------------------------------------------------------------------------


# The task lists of "My work", each paged on its own with ?list=<name>.
MY_WORK_LISTS = {"assigned": services.assigned_to, "created": services.created_by}


@bp.get("/my-work")
@login_required
def my_work():
    """Everything of mine; ``?list=assigned|created&after=<task id>`` is one of the two task
    lists alone, a page on (keyset)."""
    today = services.today()
    only = request.args.get("list")
    if only not in MY_WORK_LISTS:
        only = None
    after = None
    if only and (after_id := request.args.get("after", type=int)):
        after = db.session.get(Task, after_id)  # gone since: start again from the top
    lists = {}
    for name, tasks_of in MY_WORK_LISTS.items():
        if only in (None, name):
            tasks = tasks_of(current_user, today, after)
            more = len(tasks) > services.MY_WORK_LIMIT
            tasks = tasks[: services.MY_WORK_LIMIT]
            lists[name] = (tasks, tasks[-1].id if more else None)
    return render_page(
        "tasks/my_work.html",
        today=today,
        only=only,
        first_page=after is None,
        lists=lists,
        events=[] if only else services.upcoming_events(current_user, utcnow()),
        threads=[] if only else services.unread_threads(current_user),
        statuses=STATUSES,
    )
