"""IDOR: a member (or the consultant) of one pair sends every state-changing request the app has
for another pair's objects — with the victim's ids under their own pair's URL and under the
victim pair's URL. Each answers 404 (or 403) and no row of any table changes (issue 5, item 1)."""

import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from workspace import attachments, db
from workspace.models import Base, Event, EventKind
from workspace.plans import actions, comments
from workspace.plans import services as plans
from workspace.tasks import services as tasks
from workspace.threads import services as threads

HX = {"HX-Request": "true"}


def build_victim(w) -> SimpleNamespace:
    """Objects of every kind in the other pair, and a plan of the attacker's own pair."""
    owner = w.other_pair_member
    v = SimpleNamespace()
    v.list = tasks.create_list(w.other_pair, "Theirs", owner)
    v.task = tasks.create_task(v.list, "Their task", owner, assignees=[owner])
    v.thread = threads.start_thread(
        owner, pair=w.other_pair, title="Their talk", body="Their words", language="en"
    )
    v.post = threads.reply(v.thread, owner, "Their reply", "en")
    v.plan = plans.create_plan(w.other_pair, "Their plan", "en", owner)
    db.session.flush()
    v.section = v.plan.sections[0]
    v.revision = plans.text_for(v.section, "en").current_revision
    v.comment = comments.add_comment(v.section, owner, "Their remark", "en")
    v.action = actions.add_action(v.plan, title="Their action")
    start = datetime(2022, 5, 10, 8, tzinfo=UTC)
    v.event = Event(
        pair_id=w.other_pair.id,
        kind=EventKind.STUDY_VISIT_ONSITE,
        title="Their visit",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        timezone="Europe/Brussels",
    )
    db.session.add(v.event)
    db.session.flush()
    pdf = b"%PDF-1.4\nminutes\n%%EOF\n"
    v.post_file = attachments.save(
        FileStorage(io.BytesIO(pdf), filename="their.pdf"), post=v.post, user=owner
    )
    v.event_file = attachments.save(
        FileStorage(io.BytesIO(pdf), filename="agenda.pdf"), event=v.event, user=owner
    )
    v.own_plan = plans.create_plan(w.pair, "Mine", "en", w.mentor)
    db.session.commit()
    return v


# (name, url(w, v, pair_id, plan_id) or url(w, v), form data(w, v)) — the form data is what a
# real edit of the object would send, so a missing check would really change the row.
EVENT_FORM = {
    "kind": "workshop",
    "title": "Hijacked",
    "description": "x",
    "language": "en",
    "timezone": "Europe/Riga",
    "starts_at": "2022-01-20T10:00",
    "ends_at": "2022-01-20T12:30",
    "place": "Here",
    "online_url": "",
}

TASK_ROUTES = [
    (
        "tasks.edit",
        "/tasks/{v.task.id}",
        lambda w, v: {
            "title": "Hijacked",
            "notes": "x",
            "task_list": v.list.id,
            "assignees": [w.other_pair_member.id],
        },
    ),
    ("tasks.set_status", "/tasks/{v.task.id}/status", lambda w, v: {"status": "done"}),
    ("tasks.move", "/tasks/{v.task.id}/move", lambda w, v: {"direction": "up"}),
    ("tasks.reassign", "/tasks/{v.task.id}/assignees", lambda w, v: {"assignees": []}),
    ("tasks.delete", "/tasks/{v.task.id}/delete", lambda w, v: {}),
    (
        "tasks.rename_list",
        "/tasks/lists/{v.list.id}",
        lambda w, v: {f"rename{v.list.id}-title": "Hijacked"},
    ),
    ("tasks.move_list", "/tasks/lists/{v.list.id}/move", lambda w, v: {"direction": "left"}),
    ("tasks.delete_list", "/tasks/lists/{v.list.id}/delete", lambda w, v: {}),
    (
        "tasks.create",
        "/tasks/lists/{v.list.id}/tasks",
        lambda w, v: {f"list{v.list.id}-title": "Planted"},
    ),
    ("timeline.edit", "/events/{v.event.id}/edit", lambda w, v: EVENT_FORM),
    (
        "timeline.add_follow_up",
        "/events/{v.event.id}/follow-ups",
        lambda w, v: {"title": "Planted"},
    ),
    (
        "timeline.participants",
        "/events/{v.event.id}/participants",
        lambda w, v: {"people": [w.other_pair_member.id]},
    ),
    (
        "timeline.record_visit",
        "/events/{v.event.id}/visit",
        lambda w, v: {"agenda": "x", "what_was_seen": "x", "findings": "x"},
    ),
]

SECTION = "/sections/{v.section.id}"
PLAN_ROUTES = [
    ("plans.submit", "/submit", lambda w, v: {"review-note": ""}),
    ("plans.approve", "/approve", lambda w, v: {"review-note": "ok"}),
    ("plans.request_changes", "/request-changes", lambda w, v: {"review-note": "no"}),
    ("plans.adopt", "/adopt", lambda w, v: {"review-note": ""}),
    ("plans.start_new_version", "/new-version", lambda w, v: {}),
    ("plans.add_section", "/sections", lambda w, v: {"title": "Planted"}),
    ("plans.create_action", "/actions", lambda w, v: {"title": "Planted", "status": "planned"}),
]
PLAN_CHILD_ROUTES = [
    (
        "plans.edit_section",
        SECTION + "/edit",
        lambda w, v: {"title": "Hijacked", "body": "Hijacked", "base_revision_id": v.revision.id},
    ),
    ("plans.remove_section", SECTION + "/delete", lambda w, v: {}),
    ("plans.move_section", SECTION + "/move", lambda w, v: {"direction": "down"}),
    (
        "plans.translate",
        SECTION + "/translations/fr",
        lambda w, v: {"title": "Détourné", "body": "x", "source_revision_id": v.revision.id},
    ),
    ("plans.restore", SECTION + "/revisions/{v.revision.id}/restore", lambda w, v: {}),
    (
        "plans.comment",
        SECTION + "/comments",
        lambda w, v: {
            f"section-{v.section.id}-comment-body": "Planted",
            f"section-{v.section.id}-comment-language": "en",
        },
    ),
    (
        "plans.reply_to_comment",
        "/comments/{v.comment.id}/replies",
        lambda w, v: {
            f"comment-{v.comment.id}-reply-body": "Planted",
            f"comment-{v.comment.id}-reply-language": "en",
        },
    ),
    ("plans.resolve_comment", "/comments/{v.comment.id}/resolve", lambda w, v: {"lang": "en"}),
    ("plans.reopen_comment", "/comments/{v.comment.id}/reopen", lambda w, v: {"lang": "en"}),
    (
        "plans.update_action",
        "/actions/{v.action.id}",
        lambda w, v: {"title": "Hijacked", "status": "done"},
    ),
    ("plans.delete_action", "/actions/{v.action.id}/delete", lambda w, v: {}),
    ("plans.move_action", "/actions/{v.action.id}/move", lambda w, v: {"direction": "up"}),
]
# Routes without a pair in their URL: the object alone decides.
GLOBAL_ROUTES = [
    ("threads.edit_post", "/posts/{v.post.id}/edit", lambda w, v: {"body": "Hijacked"}),
    ("threads.delete_post", "/posts/{v.post.id}/delete", lambda w, v: {}),
    (
        "threads.moderate_post",
        "/posts/{v.post.id}/moderate",
        lambda w, v: {"action": "hide", "reason": "Spam"},
    ),
    (
        "threads.moderate_thread",
        "/threads/{v.thread.id}/moderate",
        lambda w, v: {"action": "hide", "reason": "Spam"},
    ),
    (
        "threads.reply",
        "/threads/{v.thread.id}/reply",
        lambda w, v: {"body": "Planted", "language": "en"},
    ),
    (
        "threads.mark_read",
        "/threads/{v.thread.id}/read",
        lambda w, v: {"up_to": v.thread.last_post_id},
    ),
    ("threads.subscribe", "/threads/{v.thread.id}/subscription", lambda w, v: {"state": "follow"}),
    ("attachments.remove", "/attachments/{v.post_file.id}/remove", lambda w, v: {}),
    ("attachments.remove(event)", "/attachments/{v.event_file.id}/remove", lambda w, v: {}),
]


def _cases():
    for name, tail, data in TASK_ROUTES:
        yield pytest.param("{w.pair.id}", "", tail, data, id=f"{name}-own pair")
        yield pytest.param("{w.other_pair.id}", "", tail, data, id=f"{name}-their pair")
    plan_urls = {
        "own pair, their plan": ("{w.pair.id}", "/plans/{v.plan.id}"),
        "their pair": ("{w.other_pair.id}", "/plans/{v.plan.id}"),
    }
    for name, tail, data in PLAN_ROUTES:
        for label, (pair, plan) in plan_urls.items():
            yield pytest.param(pair, plan, tail, data, id=f"{name}-{label}")
    plan_urls["own plan"] = ("{w.pair.id}", "/plans/{v.own_plan.id}")
    for name, tail, data in PLAN_CHILD_ROUTES:
        for label, (pair, plan) in plan_urls.items():
            yield pytest.param(pair, plan, tail, data, id=f"{name}-{label}")
    for name, tail, data in GLOBAL_ROUTES:
        yield pytest.param(None, "", tail, data, id=name)


def snapshot() -> dict[str, list]:
    """Every row of every table, all columns: nothing may change, in any table."""
    db.session.expire_all()
    result = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result


@pytest.mark.parametrize(("pair", "plan", "tail", "data"), list(_cases()))
def test_another_pairs_objects_cannot_be_changed(client, auth, world, pair, plan, tail, data):
    v = build_victim(world)
    url = tail if pair is None else "/pairs/" + pair + plan + "/" + tail.lstrip("/")
    url = url.format(w=world, v=v).rstrip("/")
    before = snapshot()
    # The mentor may change all of this in their own pair; the consultant too, and moderates.
    # one plain and one htmx request keeps the run short; both paths go through the same check
    for attacker, headers in ((world.mentor, {}), (world.consultant, HX)):
        auth.as_user(attacker)
        response = client.post(url, data=data(world, v), headers=headers)
        assert response.status_code in (403, 404), (attacker.email, url, response.status)
        assert snapshot() == before, (attacker.email, url)


def test_bulk_moderation_ignores_another_clusters_posts(client, auth, world):
    v = build_victim(world)
    before = snapshot()
    auth.as_user(world.consultant)
    response = client.post(
        "/moderation", data={"posts": [v.post.id], "action": "hide", "reason": "Spam"}
    )
    assert response.status_code < 500
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "tail", "data"),
    [TASK_ROUTES[0], TASK_ROUTES[1], PLAN_CHILD_ROUTES[0], PLAN_CHILD_ROUTES[9]],
    ids=lambda p: p if isinstance(p, str) and "/" not in p else "",
)
def test_the_same_requests_work_in_the_own_pair(client, auth, world, name, tail, data):
    """Control: the form data above really changes rows when sent by the objects' own pair, so
    the refusals above are the pair check at work, not a bad request."""
    v = build_victim(world)
    pair = "/pairs/{w.other_pair.id}" + ("/plans/{v.plan.id}" if name.startswith("plans") else "")
    url = (pair + tail).format(w=world, v=v)
    before = snapshot()
    auth.as_user(world.other_pair_member)
    response = client.post(url, data=data(world, v))
    assert response.status_code in (200, 303), response.status
    assert snapshot() != before
