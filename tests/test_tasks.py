"""Task lists and tasks: services, the board inline and without JavaScript, live polling,
"my work"."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from conftest import add_member, count_queries
from workspace import db
from workspace.models import (
    Activity,
    ActivityKind,
    Notification,
    NotificationKind,
    Role,
    Task,
    TaskList,
    TaskStatus,
)
from workspace.tasks import services

HX = {"HX-Request": "true"}


@pytest.fixture
def board(app, world):
    """A list with two tasks in pair A: one assigned to the mentee, one to a network member."""
    todo = services.create_list(world.pair, "Study visit to Menteeburg", world.mentor)
    first = services.create_task(
        todo, "Book the meeting room", world.mentor, assignees=[world.mentee]
    )
    second = services.create_task(
        todo,
        "Collect the NGOs' questions",
        world.mentor,
        due_on=date(2022, 3, 1),
        assignees=[world.network_mentee],
    )
    db.session.commit()
    return todo, first, second


def tasks_page(pair_id):
    return f"/pairs/{pair_id}/tasks"


# Services -------------------------------------------------------------------------------


def test_create_task_records_activity_and_notifies_assignees_only(app, world):
    todo = services.follow_up_list(world.pair, world.mentor)
    task = services.create_task(
        todo,
        "Send the findings",
        world.mentor,
        notes="From the study visit",
        assignees=[world.mentee, world.partner],
    )
    assert task.id and task.pair_id == world.pair.id
    assert services.follow_up_list(world.pair, world.mentee).id == todo.id  # get, not create
    db.session.commit()
    kinds = db.session.scalars(select(Activity.kind).where(Activity.subject_id == task.id))
    assert sorted(kinds) == sorted([ActivityKind.TASK_CREATED, ActivityKind.TASK_ASSIGNED])
    notes = db.session.scalars(select(Notification)).all()
    assert {n.user_id for n in notes} == {world.mentee.id, world.partner.id}
    assert {n.kind for n in notes} == {NotificationKind.TASK_ASSIGNED}
    assert notes[0].url.endswith(f"/pairs/{world.pair.id}/tasks#task-{task.id}")
    assert todo.title == "Follow-up" and todo.for_follow_up


def test_follow_up_list_is_titled_in_the_actors_language(app, world):
    world.mentor.locale = "fr"
    todo = services.follow_up_list(world.pair, world.mentor)
    assert todo.title != "" and todo.for_follow_up


def test_assignees_must_be_members_of_the_pair(app, world):
    todo = services.create_list(world.pair, "List", world.mentor)
    with pytest.raises(services.NotAMember):
        services.create_task(todo, "X", world.mentor, assignees=[world.other_pair_member])
    with pytest.raises(services.NotAMember):  # a consultant is not a member
        services.create_task(todo, "X", world.mentor, assignees=[world.consultant])


# The board ------------------------------------------------------------------------------


def test_board_page_and_fragment(client, auth, world, board):
    todo, first, second = board
    auth.as_user(world.mentor)
    page = client.get(tasks_page(world.pair.id))
    assert page.status_code == 200 and "<html" in page.text
    assert "Book the meeting room" in page.text and page.headers["ETag"]
    fragment = client.get(tasks_page(world.pair.id), headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="task-poll"' in fragment.text and "Book the meeting room" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_create_task_without_htmx_redirects(client, auth, world, board):
    todo, *_ = board
    auth.as_user(world.mentee)
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/lists/{todo.id}/tasks",
        data={
            f"list{todo.id}-title": "Translate the questionnaire",
            f"list{todo.id}-due_on": "2022-05-02",
            f"list{todo.id}-assignees": [str(world.mentor.id), str(world.partner.id)],
        },
    )
    assert response.status_code == 303
    task = db.session.scalar(select(Task).where(Task.title == "Translate the questionnaire"))
    assert task.due_on == date(2022, 5, 2) and task.created_by_id == world.mentee.id
    assert {u.id for u in task.assignees} == {world.mentor.id, world.partner.id}
    assert response.location.endswith(f"/pairs/{world.pair.id}/tasks#task-{task.id}")
    assert "Translate the questionnaire" in client.get(response.location).text


def test_create_task_with_htmx_returns_the_board(client, auth, world, board):
    todo, *_ = board
    auth.as_user(world.consultant)
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/lists/{todo.id}/tasks",
        data={f"list{todo.id}-title": "Invite the housing NGO"},
        headers=HX,
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "Invite the housing NGO" in response.text
    assert 'hx-swap-oob="innerHTML:#task-status"' in response.text  # the announcement


def test_create_task_errors_come_back_with_the_form(client, auth, world, board):
    todo, *_ = board
    auth.as_user(world.mentor)
    for headers in ({}, HX):
        response = client.post(
            f"/pairs/{world.pair.id}/tasks/lists/{todo.id}/tasks",
            data={f"list{todo.id}-title": ""},
            headers=headers,
        )
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.text
    assert len(db.session.scalars(select(Task)).all()) == 2


def test_another_pairs_user_cannot_be_assigned(client, auth, world, board):
    todo, first, _ = board
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/lists/{todo.id}/tasks",
        data={
            f"list{todo.id}-title": "Sneaky",
            f"list{todo.id}-assignees": [str(world.other_pair_member.id)],
        },
    )
    assert response.status_code == 200 and "not a valid choice" in response.text
    assert db.session.scalar(select(Task).where(Task.title == "Sneaky")) is None
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/{first.id}/assignees",
        data={"assignees": [str(world.other_pair_member.id)]},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Only members of this pair can be assigned tasks." in response.text
    assert [u.id for u in db.session.get(Task, first.id).assignees] == [world.mentee.id]


def test_complete_and_reopen(client, auth, world, board):
    _, first, _ = board
    auth.as_user(world.partner)
    url = f"/pairs/{world.pair.id}/tasks/{first.id}/status"
    response = client.post(url, data={"status": "done"})
    assert response.status_code == 303
    task = db.session.get(Task, first.id)
    assert task.status is TaskStatus.DONE and task.completed_at is not None
    done = db.session.scalars(select(Activity).where(Activity.kind == ActivityKind.TASK_DONE))
    assert [a.subject_id for a in done] == [first.id]
    response = client.post(url, data={"status": "open"}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="task-{first.id}-toggle"' in response.text and "Mark done" in response.text
    task = db.session.get(Task, first.id)
    assert task.status is TaskStatus.OPEN and task.completed_at is None
    assert client.post(url, data={"status": "bogus"}).status_code == 400


def test_network_members_see_tasks_but_cannot_manage_them(client, auth, world, board):
    todo, first, second = board
    auth.as_user(world.network_mentor)
    page = client.get(tasks_page(world.pair.id))
    assert page.status_code == 200 and "Book the meeting room" in page.text
    assert "Add the task" not in page.text and "Mark done" not in page.text
    create = f"/pairs/{world.pair.id}/tasks/lists/{todo.id}/tasks"
    assert client.post(create, data={f"list{todo.id}-title": "X"}).status_code == 403
    status = f"/pairs/{world.pair.id}/tasks/{first.id}/status"
    assert client.post(status, data={"status": "done"}).status_code == 403
    assert client.post(f"/pairs/{world.pair.id}/tasks/lists", data={}).status_code == 403


def test_an_assignee_in_the_network_completes_their_own_task(client, auth, world, board):
    _, first, second = board
    auth.as_user(world.network_mentee)
    page = client.get(tasks_page(world.pair.id))
    assert f'id="task-{second.id}-toggle"' in page.text
    assert f'id="task-{first.id}-toggle"' not in page.text
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/{second.id}/status", data={"status": "done"}
    )
    assert response.status_code == 303
    assert db.session.get(Task, second.id).status is TaskStatus.DONE
    # … but may not reassign or move it
    url = f"/pairs/{world.pair.id}/tasks/{second.id}"
    assert client.post(url + "/assignees", data={"assignees": []}).status_code == 403
    assert client.post(url + "/move", data={"direction": "up"}).status_code == 403


def test_reassign_notifies_only_the_newly_assigned(client, auth, world, board):
    _, first, _ = board
    auth.as_user(world.mentor)
    before = len(db.session.scalars(select(Notification)).all())
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/{first.id}/assignees",
        data={"assignees": [str(world.mentee.id), str(world.partner.id)]},
    )
    assert response.status_code == 303
    assert {u.id for u in db.session.get(Task, first.id).assignees} == {
        world.mentee.id,
        world.partner.id,
    }
    new = db.session.scalars(select(Notification).order_by(Notification.id)).all()[before:]
    assert [(n.user_id, n.kind) for n in new] == [
        (world.partner.id, NotificationKind.TASK_ASSIGNED)
    ]
    response = client.post(
        f"/pairs/{world.pair.id}/tasks/{first.id}/assignees", data={}, headers=HX
    )
    assert response.status_code == 200 and "Not assigned" in response.text
    assert db.session.get(Task, first.id).assignees == []


def test_reorder(client, auth, world, board):
    todo, first, second = board
    auth.as_user(world.mentee)

    def order():
        db.session.expire_all()
        return [t.id for t in db.session.get(TaskList, todo.id).tasks]

    assert order() == [first.id, second.id]
    url = f"/pairs/{world.pair.id}/tasks/{second.id}/move"
    response = client.post(url, data={"direction": "up"})
    assert response.status_code == 303
    assert order() == [second.id, first.id]
    response = client.post(url, data={"direction": "up"}, headers=HX)  # already first
    assert response.status_code == 200 and order() == [second.id, first.id]
    response = client.post(url, data={"direction": "down"}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.index(f'id="task-{first.id}"') < response.text.index(
        f'id="task-{second.id}"'
    )
    assert order() == [first.id, second.id]


def test_lists_create_rename_delete(client, auth, world, board):
    todo, *_ = board
    auth.as_user(world.mentor)
    base = f"/pairs/{world.pair.id}/tasks/lists"
    response = client.post(base, data={"newlist-title": "Action plan"})
    assert response.status_code == 303
    made = db.session.scalar(select(TaskList).where(TaskList.title == "Action plan"))
    response = client.post(f"{base}/{made.id}", data={f"rename{made.id}-title": "Plan"}, headers=HX)
    assert response.status_code == 200 and "Plan" in response.text
    assert db.session.get(TaskList, made.id).title == "Plan"
    response = client.post(f"{base}/{made.id}", data={f"rename{made.id}-title": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    todo_id = todo.id
    response = client.post(f"{base}/{todo_id}/delete")
    assert response.status_code == 303
    assert db.session.scalar(select(TaskList).where(TaskList.id == todo_id)) is None
    assert db.session.scalars(select(Task)).all() == []
    # another pair's list is not found through this pair
    theirs = services.create_list(world.other_pair, "Theirs", world.other_pair_member)
    db.session.commit()
    assert client.post(f"{base}/{theirs.id}/delete").status_code == 404


def test_edit_a_task(client, auth, world, board):
    todo, first, _ = board
    auth.as_user(world.mentor)
    other = services.create_list(world.pair, "Later", world.mentor)
    db.session.commit()
    url = f"/pairs/{world.pair.id}/tasks/{first.id}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "title": "Book the big room",
            "notes": "Thirty people",
            "due_on": "2022-06-01",
            "task_list": str(other.id),
            "assignees": [str(world.partner.id)],
        },
    )
    assert response.status_code == 303
    task = db.session.get(Task, first.id)
    assert (task.title, task.notes, task.due_on, task.list_id) == (
        "Book the big room",
        "Thirty people",
        date(2022, 6, 1),
        other.id,
    )
    assert [u.id for u in task.assignees] == [world.partner.id]
    assert client.post(url, data={"title": ""}).status_code == 200
    first_id = first.id
    assert client.post(url + "/delete").status_code == 303
    assert db.session.scalar(select(Task).where(Task.id == first_id)) is None


def test_overdue_tasks_are_marked_with_text(client, auth, world, board):
    todo, first, second = board  # second was due on 1 March 2022
    auth.as_user(world.mentor)
    services.create_task(todo, "Far ahead", world.mentor, due_on=date.today() + timedelta(9))
    db.session.commit()
    page = client.get(tasks_page(world.pair.id)).text
    assert page.count("task--overdue") == 1 and page.count(">Overdue<") == 1
    assert f'id="task-{second.id}" class="task task--open task--overdue"' in page
    db.session.get(Task, second.id).status = TaskStatus.DONE
    page = client.get(tasks_page(world.pair.id)).text
    assert "Overdue" not in page


def test_overdue_is_measured_in_the_readers_time_zone(client, auth, world, board):
    """UTC+14 and UTC-11 are always on different dates: a task due on the date in Pago Pago
    is overdue for a reader in Kiritimati, not for one in Pago Pago."""
    todo, *_ = board
    pago_today = datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()
    services.create_task(todo, "Due in Pago Pago today", world.mentor, due_on=pago_today)
    db.session.execute(delete(Task).where(Task.title != "Due in Pago Pago today"))
    auth.as_user(world.mentor)
    for zone, overdue in (("Pacific/Kiritimati", True), ("Pacific/Pago_Pago", False)):
        world.mentor.timezone = zone
        page = client.get(tasks_page(world.pair.id)).text
        assert ("task--overdue" in page) is overdue, zone


def test_board_query_count_does_not_grow_with_tasks(client, auth, world, app):
    auth.as_user(world.mentor)

    def fill(n):
        for i in range(2):
            todo = services.create_list(world.pair, f"List {n}-{i}", world.mentor)
            for j in range(n // 2):
                task = Task(
                    task_list=todo,
                    pair_id=world.pair.id,
                    title=f"Task {j}",
                    position=j,
                    due_on=date(2022, 1, 1) + timedelta(days=j % 400),
                )
                task.assignees = [world.mentee, world.partner][: j % 3]
                if j % 2:  # half of them done: the board shows only the latest few
                    task.status = TaskStatus.DONE
                    task.completed_at = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(hours=j)
                db.session.add(task)
        db.session.commit()

    def queries():
        client.get(tasks_page(world.pair.id))  # warm-up
        with count_queries(app) as statements:
            response = client.get(tasks_page(world.pair.id))
        assert response.status_code == 200
        return len(statements)

    fill(10)
    small = queries()
    fill(490)
    assert len(db.session.scalars(select(Task)).all()) == 500
    assert queries() == small
    page = client.get(tasks_page(world.pair.id)).text
    # 2 lists of 5, 2 of 245 tasks: open ones a page (TASK_PAGE) per list, done ones at most
    # DONE_SHOWN per list
    assert page.count("task task--done") == 2 * 2 + 2 * services.DONE_SHOWN
    assert page.count("task task--open") == 2 * 3 + 2 * services.TASK_PAGE
    assert "Show all 122 done tasks" in page


def test_polling_answers_304_after_one_lookup_until_something_changes(client, auth, world, board):
    todo, first, _ = board
    auth.as_user(world.mentor)
    url = tasks_page(world.pair.id)
    etag = client.get(url, headers=HX).headers["ETag"]
    with count_queries(client.application) as statements:
        unchanged = client.get(url, headers={**HX, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.text == ""
    assert len([s for s in statements if "task" in s.lower()]) == 1  # the one indexed lookup
    # A change by someone else changes the ETag; the poll gets the new board.
    auth.as_user(world.mentee)
    client.post(f"/pairs/{world.pair.id}/tasks/{first.id}/status", data={"status": "done"})
    auth.as_user(world.mentor)
    changed = client.get(url, headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "<html" not in changed.text and "Reopen" in changed.text
    # deleting a list that is not the newest still changes the ETag
    services.create_list(world.pair, "Newest", world.mentor)
    db.session.commit()
    etag = client.get(url, headers=HX).headers["ETag"]
    client.post(f"/pairs/{world.pair.id}/tasks/lists/{todo.id}/delete")
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 200
    # A plain page load is never answered 304 (the page also shows the unread count …).
    etag = client.get(url, headers=HX).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_polling_is_refused_to_outsiders(client, auth, world, board):
    auth.as_user(world.mentor)
    etag = client.get(tasks_page(world.pair.id), headers=HX).headers["ETag"]
    auth.as_user(world.other_pair_member)
    response = client.get(tasks_page(world.pair.id), headers={**HX, "If-None-Match": etag})
    assert response.status_code == 404


# My work --------------------------------------------------------------------------------


def test_my_work_lists_open_tasks_assigned_and_created(client, auth, world, board):
    todo, first, second = board
    theirs = services.create_list(world.other_pair, "Elsewhere's list", world.other_pair_member)
    add_member(world.other_pair, world.mentee, Role.MENTEE)
    db.session.flush()
    services.create_task(
        theirs,
        "Overdue elsewhere",
        world.other_pair_member,
        due_on=date(2021, 5, 1),
        assignees=[world.mentee],
    )
    services.create_task(todo, "Finished", world.mentor, assignees=[world.mentee])
    done = db.session.scalar(select(Task).where(Task.title == "Finished"))
    done.status = TaskStatus.DONE
    db.session.commit()
    auth.as_user(world.mentee)
    page = client.get("/my-work")
    assert page.status_code == 200
    assigned = page.text.split('id="assigned-heading"')[1].split('id="created-heading"')[0]
    assert "Overdue elsewhere" in assigned and "Book the meeting room" in assigned
    assert assigned.index("Overdue elsewhere") < assigned.index("Book the meeting room")
    assert "Overdue" in assigned and "Elsewhere" in assigned and "Mentorville" in assigned
    assert "Finished" not in page.text and "Collect the NGOs" not in assigned
    auth.as_user(world.mentor)
    created = client.get("/my-work").text.split('id="created-heading"')[1]
    assert "Book the meeting room" in created and "Collect the NGOs" in created
    assert "Overdue elsewhere" not in created


def test_my_work_hides_tasks_of_pairs_one_left(client, auth, world, board):
    _, first, _ = board
    membership = next(m for m in world.pair.memberships if m.user_id == world.mentee.id)
    db.session.delete(membership)
    auth.as_user(world.mentee)
    assert "Book the meeting room" not in client.get("/my-work").text


def test_my_work_query_count_is_fixed(client, auth, world, app):

    auth.as_user(world.mentee)

    def fill(n):
        todo = services.create_list(world.pair, f"List {n}", world.mentor)
        for j in range(n):
            services.create_task(
                todo,
                f"Task {j}",
                world.mentor,
                assignees=[world.mentee, world.partner],
                due_on=date(2022, 1, 1) + timedelta(days=j),
            )
        db.session.commit()

    def queries():
        with count_queries(app) as statements:
            assert client.get("/my-work").status_code == 200
        return len(statements)

    fill(3)
    small = queries()
    fill(60)
    assert queries() == small


def test_my_work_pages_each_task_list_by_keyset(client, auth, world, app, monkeypatch):
    """Overdue, then by due date, undated last; each task once across the pages, and every
    page the same queries."""
    monkeypatch.setattr(services, "MY_WORK_LIMIT", 2)
    todo = services.create_list(world.pair, "Many", world.mentor)
    today = services.today()
    dues = [None, today - timedelta(days=3), today + timedelta(days=2), None, today]
    dues += [today - timedelta(days=3), today + timedelta(days=2)]
    for n, due in enumerate(dues):
        services.create_task(
            todo, f"Paged task {n}", world.mentor, due_on=due, assignees=[world.mentee]
        )
    db.session.commit()
    tasks = db.session.scalars(select(Task).where(Task.title.startswith("Paged task"))).all()
    expected = [
        t.title for t in sorted(tasks, key=lambda t: (t.due_on is None, t.due_on or today, t.id))
    ]
    auth.as_user(world.mentee)
    full = client.get("/my-work").text
    assert 'id="threads-heading"' in full and "list=assigned" in full
    url, seen, counts = "/my-work?list=assigned", [], []
    while url:
        with count_queries(app) as statements:
            page = client.get(url).text
        counts.append(len(statements))
        assert 'id="created-heading"' not in page and 'id="threads-heading"' not in page
        seen += re.findall(r">(Paged task \d)</a>", page)
        assert ("First page" in page) is (len(seen) > 2)
        nxt = re.search(r'<a href="([^"]+)">Next page</a>', page)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == expected
    assert len(set(counts[1:])) == 1, counts  # the first page has no task to start after
    auth.as_user(world.mentor)
    created = client.get("/my-work?list=created").text
    assert "Paged task" in created and 'id="assigned-heading"' not in created


def test_nav_links(client, auth, world):
    """The nav links: "My work" in the header, "Tasks" in the pair's sections."""
    auth.as_user(world.mentor)
    page = client.get(f"/pairs/{world.pair.id}").text
    assert f'href="/pairs/{world.pair.id}/tasks"' in page and 'href="/my-work"' in page


# Demo content ---------------------------------------------------------------------------


def test_demo_task_lists(client, auth, session):
    from workspace.demo import load as load_network
    from workspace.demo.tasks import load
    from workspace.models import Pair, User

    load_network()  # the network's loader adds each area's demo content
    pairs = session.scalars(select(Pair).order_by(Pair.id)).all()
    assert session.scalar(select(func.count()).select_from(Task)) >= 4 * 2 * 4
    assert load(pairs) == 0  # idempotent
    for pair in pairs:
        lists = session.scalars(select(TaskList).where(TaskList.pair_id == pair.id)).all()
        assert len(lists) == 2 and all(4 <= len(tl.tasks) <= 8 for tl in lists)
        tasks = [t for tl in lists for t in tl.tasks]
        assert any(t.is_done for t in tasks) and any(t.is_overdue(date.today()) for t in tasks)
        assert all(t.assignees and 2021 <= t.due_on.year <= 2022 for t in tasks)
        members = {m.user_id for m in pair.memberships}
        assert all(u.id in members for t in tasks for u in t.assignees)
    brussels = session.scalars(select(TaskList).where(TaskList.pair_id == pairs[0].id)).first()
    assert "Bruxelles" in brussels.title  # pair 1 works in French
    mentee = next(m.user for m in pairs[0].memberships if m.role is Role.MENTEE)
    auth.as_user(session.get(User, mentee.id))
    page = client.get(f"/pairs/{pairs[0].id}/tasks")
    assert page.status_code == 200 and "Rédiger le compte rendu" in page.text
    assert "Rédiger le compte rendu" in client.get("/my-work").text


def _event(pair, title, starts):
    from workspace.models import Event, EventKind

    event = Event(
        pair_id=pair.id,
        kind=EventKind.WORKSHOP,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    db.session.add(event)
    return event


def _thread(pair, title, last_post_id, open_to_network=False):
    from workspace.models import Thread

    thread = Thread(
        pair_id=pair.id,
        title=title,
        last_post_id=last_post_id,
        post_count=last_post_id,
        open_to_network=open_to_network,
    )
    db.session.add(thread)
    return thread


def test_my_work_shows_upcoming_events_and_unread_threads(client, auth, world):
    from workspace.models import ThreadSubscription, utcnow

    _event(world.pair, "Transfer workshop", utcnow() + timedelta(days=3))
    _event(world.pair, "Kick-off meeting", utcnow() - timedelta(days=300))
    _event(world.other_pair, "Their workshop", utcnow() + timedelta(days=3))
    _thread(world.pair, "Core team planning", 7)
    _thread(world.pair, "Open to the network", 4, open_to_network=True)
    read = _thread(world.pair, "Already read", 9)
    _thread(world.other_pair, "Their thread", 3)
    db.session.flush()
    db.session.add(
        ThreadSubscription(user_id=world.mentee.id, thread_id=read.id, last_read_post_id=9)
    )
    auth.as_user(world.mentee)
    page = client.get("/my-work").text
    events = page.split('id="events-heading"')[1].split('id="threads-heading"')[0]
    threads = page.split('id="threads-heading"')[1]
    assert "Transfer workshop" in events and "Kick-off" not in events and "Their" not in events
    assert "Core team planning" in threads and "Open to the network" in threads
    assert "Already read" not in threads and "Their thread" not in threads
    auth.as_user(world.network_mentor)
    threads = client.get("/my-work").text.split('id="threads-heading"')[1]
    assert "Open to the network" in threads and "Core team planning" not in threads
    auth.as_user(world.consultant)  # consults the pair's cluster
    threads = client.get("/my-work").text.split('id="threads-heading"')[1]
    assert "Core team planning" in threads and "Their thread" not in threads


def test_move_a_list(client, auth, world, board):
    todo, *_ = board
    later = services.create_list(world.pair, "Later", world.mentor)
    db.session.commit()
    auth.as_user(world.mentee)
    url = tasks_page(world.pair.id)
    etag = client.get(url, headers=HX).headers["ETag"]

    def order():
        db.session.expire_all()
        return [tl.id for tl in services.board(world.pair)]

    assert order() == [todo.id, later.id]
    page = client.get(url).text
    assert (
        f'id="list-{todo.id}-up" class="button button--small button--secondary" aria-disabled'
        in (page)
    )
    move = f"/pairs/{world.pair.id}/tasks/lists/{later.id}/move"
    response = client.post(move, data={"direction": "up"})
    assert response.status_code == 303 and response.location.endswith(f"#list-{later.id}")
    assert order() == [later.id, todo.id]
    # The live poll sees the change.
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 200
    response = client.post(move, data={"direction": "up"}, headers=HX)  # already first
    assert response.status_code == 200 and order() == [later.id, todo.id]
    response = client.post(move, data={"direction": "down"}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.index(f'id="list-{todo.id}"') < response.text.index(
        f'id="list-{later.id}"'
    )
    assert order() == [todo.id, later.id]
    assert client.post(move, data={"direction": "left"}).status_code == 400
    auth.as_user(world.network_mentee)
    assert client.post(move, data={"direction": "up"}).status_code == 403
    assert f"/lists/{later.id}/move" not in client.get(url).text


def _done_list(world, done=60, todo=3):
    task_list = services.create_list(world.pair, "Long list", world.mentor)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    tasks = []
    for i in range(done + todo):
        task = Task(task_list=task_list, pair_id=world.pair.id, title=f"Item {i}", position=i)
        if i < done:  # finished in an order unlike their ids: latest first is i = 1, 3, ...
            task.status = TaskStatus.DONE
            task.completed_at = start + timedelta(hours=(i % 2) * 1000 + i)
        db.session.add(task)
        tasks.append(task)
    db.session.commit()
    return task_list, tasks


def _finished_order(tasks):
    done = [t for t in tasks if t.is_done]
    return sorted(done, key=lambda t: (t.completed_at, t.id), reverse=True)


def test_done_tasks_are_collapsed_on_the_board(client, auth, world):
    task_list, tasks = _done_list(world)
    auth.as_user(world.mentee)
    page = client.get(tasks_page(world.pair.id)).text
    latest = _finished_order(tasks)[: services.DONE_SHOWN]
    shown = [t.id for t in tasks if f'id="task-{t.id}"' in page]
    assert sorted(shown) == sorted([t.id for t in latest] + [t.id for t in tasks[60:]])
    # latest finished first
    positions = [page.index(f'id="task-{t.id}"') for t in latest]
    assert positions == sorted(positions)
    assert "Done (60)" in page and "Show all 60 done tasks" in page
    assert f'href="/pairs/{world.pair.id}/tasks/lists/{task_list.id}/done"' in page
    # done tasks have no up/down: their order is when they were finished
    assert f'id="task-{latest[0].id}-up"' not in page and f'id="task-{tasks[60].id}-up"' in page


def test_the_done_page_is_paged_by_keyset(client, auth, world):
    task_list, tasks = _done_list(world)
    expected = [t.id for t in _finished_order(tasks)]
    auth.as_user(world.network_mentor)  # sees the pair: may read the list
    url = f"/pairs/{world.pair.id}/tasks/lists/{task_list.id}/done"
    first = client.get(url)
    assert first.status_code == 200
    found = [int(i) for i in re.findall(r'id="task-(\d+)"', first.text)]
    assert found == expected[: services.DONE_PAGE]
    assert "Reopen" not in first.text  # not theirs to change
    more = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    assert more == f"{url}?before={expected[services.DONE_PAGE - 1]}"
    second = client.get(more).text
    assert [int(i) for i in re.findall(r'id="task-(\d+)"', second)] == expected[
        services.DONE_PAGE :
    ]
    assert 'rel="next"' not in second
    other = services.create_list(world.pair, "Other", world.mentor)
    db.session.commit()
    assert client.get(f"/pairs/{world.pair.id}/tasks/lists/{other.id}/done").status_code == 200
    assert client.get(f"{url}?before=999999").status_code == 404
    auth.as_user(world.mentor)
    assert "Reopen" in client.get(url).text


def test_moving_an_open_task_passes_over_done_ones(client, auth, world):
    task_list, tasks = _done_list(world, done=2, todo=2)
    a, b = tasks[2], tasks[3]
    tasks[1].position = 3  # done, between the two open ones in the list's order
    a.position, b.position = 2, 4
    db.session.commit()
    assert services.move(b, -1)
    db.session.commit()
    db.session.expire_all()
    open_order = [t.id for t in db.session.get(TaskList, task_list.id).tasks if not t.is_done]
    assert open_order == [b.id, a.id]
    assert not services.move(db.session.get(Task, b.id), -1)


def _open_list(world, todo=47, done=3):
    """A list with ``todo`` open tasks (positions unlike their ids) and a few done ones."""
    task_list = services.create_list(world.pair, "Open list", world.mentor)
    tasks = []
    for i in range(todo + done):
        task = Task(
            task_list=task_list,
            pair_id=world.pair.id,
            title=f"Open {i}",
            position=(i * 7) % (todo + done) // 2,  # ties on position: the id breaks them
        )
        if i >= todo:
            task.status = TaskStatus.DONE
            task.completed_at = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(hours=i)
        elif i % 3 == 0:
            task.status = TaskStatus.IN_PROGRESS
        db.session.add(task)
        tasks.append(task)
    db.session.commit()
    expected = [t.id for t in sorted(tasks[:todo], key=lambda t: (t.position, t.id))]
    return task_list, expected


def _ids(html, done=False):
    """The ids of the tasks shown, to do (or done)."""
    return [
        int(m.group(1))
        for m in re.finditer(r'id="task-(\d+)" class="task task--(\w+)', html)
        if (m.group(2) == "done") is done
    ]


def _next(html):
    found = re.search(r'href="([^"]+)" rel="next"', html)
    return found and found.group(1).replace("&amp;", "&")


def test_the_board_pages_open_tasks_by_keyset(client, auth, world):
    task_list, expected = _open_list(world)
    auth.as_user(world.mentee)
    board = client.get(tasks_page(world.pair.id)).text
    assert _ids(board) == expected[: services.TASK_PAGE]
    assert len(_ids(board, done=True)) == 3  # the done ones still fold as before
    url = f"/pairs/{world.pair.id}/tasks/lists/{task_list.id}/todo"
    more = _next(board)
    assert more == f"{url}?after={expected[services.TASK_PAGE - 1]}"
    assert f'hx-get="{more.replace("&", "&amp;")}"' in board  # appended in place with htmx
    # the last row of a page that has more after it can still move down
    last = expected[services.TASK_PAGE - 1]
    assert f'id="task-{last}-down" class="button button--small button--secondary">' in board
    # With htmx: just the next rows, and the link to the ones after them.
    seen = _ids(board)
    while more:
        fragment = client.get(more, headers=HX)
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "Vary" in fragment.headers and 'id="task-poll"' not in fragment.text
        rows = _ids(fragment.text)
        assert 0 < len(rows) <= services.TASK_PAGE
        seen += rows
        more = _next(fragment.text)
    assert seen == expected  # none twice, none left out, in order
    assert (
        f'id="task-{expected[-1]}-down" class="button button--small button--secondary" aria-disabled'
        in fragment.text
    )
    # Without JavaScript: the same pages, each a whole page.
    seen, more = [], f"{url}"
    while more:
        page = client.get(more)
        assert page.status_code == 200 and "<html" in page.text
        assert 'id="task-poll"' not in page.text and "hx-disable" in page.text
        seen += _ids(page.text)
        assert _ids(page.text, done=True) == []
        more = _next(page.text)
    assert seen == expected
    assert client.get(f"{url}?after=999999").status_code == 404


def test_a_page_of_open_tasks_takes_a_fixed_number_of_queries(client, auth, world, app):
    auth.as_user(world.mentor)
    small, _ = _open_list(world, todo=3, done=1)
    big, expected = _open_list(world, todo=120, done=10)

    def queries(url):
        client.get(url, headers=HX)  # warm-up
        with count_queries(app) as statements:
            assert client.get(url, headers=HX).status_code == 200
        return len(statements)

    base = f"/pairs/{world.pair.id}/tasks/lists"
    first = queries(f"{base}/{small.id}/todo")
    assert queries(f"{base}/{big.id}/todo") == first
    assert queries(f"{base}/{big.id}/todo?after={expected[50]}") == first + 1  # the mark


def test_reassign_panel_is_loaded_when_opened(client, auth, world, board):
    todo, first, _ = board
    auth.as_user(world.mentor)
    page = client.get(tasks_page(world.pair.id)).text
    url = f"/pairs/{world.pair.id}/tasks/{first.id}/assignees"
    # the board carries no checkboxes per task: the panel asks for them when opened
    assert f'hx-get="{url}" hx-trigger="toggle once"' in page
    assert f'id="task-{first.id}-who-' not in page
    fragment = client.get(url, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="task-{first.id}-who-{world.mentee.id}" name="assignees"' in fragment.text
    assert f'value="{world.mentee.id}" checked' in fragment.text
    assert f'hx-post="{url}"' in fragment.text
    whole = client.get(url)  # without JavaScript, the link in the panel leads here
    assert whole.status_code == 200 and "<html" in whole.text and "hx-post" not in whole.text
    response = client.post(url, data={"assignees": [str(world.partner.id)]})
    assert response.status_code == 303
    assert [u.id for u in db.session.get(Task, first.id).assignees] == [world.partner.id]
