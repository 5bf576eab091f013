"""The audit log: every place that changes moderation, memberships, consultants, admin
rights or invitations writes exactly one right entry (and nothing when the change is
refused); the administrator browses and filters it, paged, in a fixed number of queries."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from test_threads import start

from conftest import count_queries, link_in, make_user, outbox
from workspace import db
from workspace.labels import AUDIT_ACTIONS
from workspace.models import (
    AuditAction,
    AuditEntry,
    Invitation,
    Membership,
    Post,
    Role,
    User,
    utcnow,
)
from workspace.threads import services

NEW_PASSWORD = "gentle rivers carry old maps"


def log() -> list[tuple]:
    """Every entry as (action, actor id, subject id, pair id, detail), oldest first."""
    return [
        (e.action, e.actor_id, e.subject_user_id, e.pair_id, e.detail)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def _accept_form(name="Nadia Ngo", password=NEW_PASSWORD):
    return {"name": name, "language": "en", "password": password, "confirm": password}


# Moderation ------------------------------------------------------------------------------


def test_hiding_and_restoring_a_post_is_logged(client, auth, world):
    start(world, author=world.mentor, body="Something rude")
    post = db.session.scalar(select(Post))
    auth.as_user(world.consultant)
    response = client.post(
        f"/posts/{post.id}/moderate", data={"action": "hide", "reason": "Personal data"}
    )
    assert response.status_code == 303
    client.post(f"/posts/{post.id}/moderate", data={"action": "restore", "reason": "Edited"})
    c, m, p = world.consultant.id, world.mentor.id, world.pair.id
    assert log() == [
        (AuditAction.MODERATION, c, m, p, f"hide post {post.id}: Personal data"),
        (AuditAction.MODERATION, c, m, p, f"restore post {post.id}: Edited"),
    ]


def test_moderating_a_thread_is_logged(client, auth, world):
    thread = start(world, author=world.mentee)
    auth.as_user(world.admin)
    client.post(f"/threads/{thread.id}/moderate", data={"action": "lock", "reason": "Calm down"})
    assert log() == [
        (
            AuditAction.MODERATION,
            world.admin.id,
            world.mentee.id,
            world.pair.id,
            f"lock thread {thread.id}: Calm down",
        )
    ]


def test_a_cluster_thread_is_logged_without_a_pair(client, auth, world):
    thread = services.start_thread(
        world.consultant, cluster=world.cluster, title="Method", body="Hi", language="en"
    )
    db.session.commit()
    auth.as_user(world.consultant)
    client.post(f"/threads/{thread.id}/moderate", data={"action": "pin", "reason": "Useful"})
    assert log() == [
        (
            AuditAction.MODERATION,
            world.consultant.id,
            world.consultant.id,
            None,
            f"pin thread {thread.id}: Useful",
        )
    ]


def test_bulk_moderation_logs_each_post(client, auth, world):
    thread = start(world)
    for i in range(2):
        services.reply(thread, world.mentee, f"Reply {i}", "en")
    db.session.commit()
    ids = list(db.session.scalars(select(Post.id).where(Post.author_id == world.mentee.id)))
    auth.as_user(world.consultant)
    client.post("/moderation", data={"posts": ids, "action": "hide", "reason": "Duplicates"})
    assert sorted(e[4] for e in log()) == sorted(f"hide post {i}: Duplicates" for i in ids)


def test_refused_moderation_writes_nothing(client, auth, world):
    thread = start(world)
    post = db.session.scalar(select(Post))
    auth.as_user(world.consultant)
    client.post(f"/posts/{post.id}/moderate", data={"action": "hide", "reason": " "})
    client.post(f"/threads/{thread.id}/moderate", data={"action": "lock", "reason": ""})
    client.post("/moderation", data={"posts": [post.id], "action": "hide", "reason": ""})
    auth.as_user(world.mentor)  # a core member may not moderate
    client.post(f"/threads/{thread.id}/moderate", data={"action": "lock", "reason": "No"})
    assert log() == []


# Memberships and consultants, by the administrator --------------------------------------


def test_adding_changing_and_removing_a_member_is_logged(client, auth, world):
    auth.as_user(world.admin)
    url = f"/admin/pairs/{world.pair.id}/members"
    client.post(url, data={"email": world.nobody.email, "position": "partner:mentee"})
    membership = db.session.scalar(select(Membership).where(Membership.user_id == world.nobody.id))
    client.post(f"{url}/{membership.id}", data={"position": "network:mentor"})
    client.post(f"{url}/{membership.id}", data={"position": "network:mentor"})  # no change
    client.post(url, data={"email": world.nobody.email, "position": "mentee:mentee"})
    client.post(f"{url}/{membership.id}/remove", headers={"HX-Request": "true"})
    a, n, p = world.admin.id, world.nobody.id, world.pair.id
    assert log() == [
        (AuditAction.MEMBERSHIP_ADDED, a, n, p, "partner (mentee side)"),
        (
            AuditAction.MEMBERSHIP_CHANGED,
            a,
            n,
            p,
            "partner (mentee side) → network (mentor side)",
        ),
        (AuditAction.MEMBERSHIP_CHANGED, a, n, p, "network (mentor side) → mentee"),
        (AuditAction.MEMBERSHIP_REMOVED, a, n, p, "mentee"),
    ]


def test_refused_membership_changes_write_nothing(client, auth, world):
    auth.as_user(world.admin)
    url = f"/admin/pairs/{world.pair.id}/members"
    client.post(url, data={"email": "stranger@example.org", "position": "mentor:mentor"})
    client.post(url, data={"email": world.nobody.email, "position": "admin:mentor"})
    mentee = db.session.scalar(select(Membership).where(Membership.user_id == world.mentee.id))
    assert client.post(f"{url}/{mentee.id}", data={"position": "boss"}).status_code == 400
    foreign = world.other_pair.memberships[0]
    assert client.post(f"{url}/{foreign.id}", data={"position": "mentee:mentee"}).status_code == 404
    assert client.post(f"{url}/{foreign.id}/remove").status_code == 404
    auth.as_user(world.consultant)  # not the programme admin
    assert client.post(f"{url}/{mentee.id}/remove").status_code == 403
    assert log() == []


def test_consultants_added_and_removed_are_logged(client, auth, world):
    auth.as_user(world.admin)
    url = f"/admin/clusters/{world.cluster.id}/consultants"
    person = make_user("new.consultant@example.org", "Nico Consult")
    client.post(url, data={"email": person.email})
    client.post(url, data={"email": person.email})  # already one: nothing changes
    client.post(url, data={"email": "stranger@example.org"})  # no such account
    client.post(f"{url}/{world.other_consultant.id}/remove")  # not one of this cluster's
    client.post(f"{url}/{person.id}/remove")
    detail = f"cluster {world.cluster.id} (Cluster one)"
    assert log() == [
        (AuditAction.CONSULTANT_ADDED, world.admin.id, person.id, None, detail),
        (AuditAction.CONSULTANT_REMOVED, world.admin.id, person.id, None, detail),
    ]


# Invitations ----------------------------------------------------------------------------


def test_a_pair_invitation_and_its_acceptance_are_logged(app, client, auth, world):
    auth.as_user(world.consultant)
    url = f"/pairs/{world.pair.id}/invite"
    client.post(url, data={"email": "bad", "position": "partner:mentor", "language": "en"})
    assert log() == []
    client.post(
        url, data={"email": "NGO@example.org", "position": "partner:mentor", "language": "en"}
    )
    invitation = db.session.scalar(select(Invitation))
    offer = f"invitation {invitation.id}: pair {world.pair.id} as partner (mentor side)"
    assert log() == [(AuditAction.INVITATION_SENT, world.consultant.id, None, world.pair.id, offer)]
    assert "ngo@example.org" not in log()[0][4].lower()

    auth.as_user(None)
    link = link_in(outbox(app)[0])
    client.post(link, data=_accept_form(password="password1234"))  # too weak: refused
    assert len(log()) == 1
    assert client.post(link, data=_accept_form()).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ngo@example.org"))
    u, p = user.id, world.pair.id
    assert log()[1:] == [
        (AuditAction.INVITATION_ACCEPTED, u, u, p, offer),
        (
            AuditAction.MEMBERSHIP_ADDED,
            u,
            u,
            p,
            f"partner (mentor side), by invitation {invitation.id}",
        ),
    ]


def test_a_member_accepting_a_new_role_is_logged_as_a_change(app, client, auth, world):
    auth.as_user(world.admin)
    client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": world.network_mentee.email, "position": "partner:mentee", "language": "en"},
    )
    invitation = db.session.scalar(select(Invitation))
    auth.as_user(world.network_mentee)
    client.post(link_in(outbox(app)[0]))
    u = world.network_mentee.id
    assert log()[1:] == [
        (
            AuditAction.INVITATION_ACCEPTED,
            u,
            u,
            world.pair.id,
            f"invitation {invitation.id}: pair {world.pair.id} as partner (mentee side)",
        ),
        (
            AuditAction.MEMBERSHIP_CHANGED,
            u,
            u,
            world.pair.id,
            f"network (mentee side) → partner (mentee side), by invitation {invitation.id}",
        ),
    ]


def test_someone_else_cannot_accept_and_nothing_is_logged(app, client, auth, world):
    auth.as_user(world.mentor)
    client.post(
        f"/pairs/{world.pair.id}/invite",
        data={
            "email": world.other_pair_member.email,
            "position": "network:mentor",
            "language": "en",
        },
    )
    auth.as_user(world.nobody)
    assert client.post(link_in(outbox(app)[0])).status_code == 403
    assert [e[0] for e in log()] == [AuditAction.INVITATION_SENT]


def test_consultant_and_admin_invitations_are_logged(app, client, auth, world):
    auth.as_user(world.admin)
    client.post(
        "/admin/invitations",
        data={
            "email": "cons@example.org",
            "offer": f"cluster:{world.cluster.id}",
            "language": "fr",
        },
    )
    client.post(
        "/admin/invitations",
        data={"email": "boss@example.org", "offer": "admin", "language": "en"},
    )
    client.post("/admin/invitations", data={"email": "x@example.org", "offer": "nonsense"})
    first, second = db.session.scalars(select(Invitation).order_by(Invitation.id))
    cluster = f"cluster {world.cluster.id} (Cluster one)"
    a = world.admin.id
    assert log() == [
        (
            AuditAction.INVITATION_SENT,
            a,
            None,
            None,
            f"invitation {first.id}: consultant of {cluster}",
        ),
        (
            AuditAction.INVITATION_SENT,
            a,
            None,
            None,
            f"invitation {second.id}: programme administrator",
        ),
    ]
    auth.as_user(None)
    consultant_mail, admin_mail = outbox(app)
    client.post(link_in(consultant_mail), data=_accept_form(name="Nora Consult"))
    client.post("/signout")
    client.post(link_in(admin_mail), data=_accept_form(name="Sam Second"))
    c = db.session.scalar(select(User.id).where(User.email == "cons@example.org"))
    b = db.session.scalar(select(User.id).where(User.email == "boss@example.org"))
    assert log()[2:] == [
        (
            AuditAction.INVITATION_ACCEPTED,
            c,
            c,
            None,
            f"invitation {first.id}: consultant of {cluster}",
        ),
        (AuditAction.CONSULTANT_ADDED, c, c, None, f"{cluster}, by invitation {first.id}"),
        (
            AuditAction.INVITATION_ACCEPTED,
            b,
            b,
            None,
            f"invitation {second.id}: programme administrator",
        ),
        (AuditAction.ADMIN_GRANTED, b, b, None, f"by invitation {second.id}"),
    ]


# Browsing the log -----------------------------------------------------------------------


def add_entries(world, count: int, start=None, **fields) -> list[AuditEntry]:
    """``count`` entries a minute apart, oldest first."""
    start = start or utcnow() - timedelta(days=1)
    rows = []
    for i in range(count):
        values = {
            "action": AuditAction.MEMBERSHIP_ADDED,
            "actor_id": world.admin.id,
            "subject_user_id": world.nobody.id,
            "pair_id": world.pair.id,
            "detail": f"entry {i}",
            "created_at": start + timedelta(minutes=i),
            **fields,
        }
        rows.append(AuditEntry(**values))
    db.session.add_all(rows)
    db.session.commit()
    return rows


def details(html: str) -> list[str]:
    return re.findall(r'<td class="audit-log__detail">([^<]*)</td>', html)


def test_the_log_shows_newest_first_with_names_labels_and_pairs(client, auth, world):
    add_entries(world, 2)
    add_entries(
        world,
        1,
        action=AuditAction.MODERATION,
        actor_id=world.consultant.id,
        subject_user_id=world.mentor.id,
        detail="hide post 3: Off topic",
    )
    auth.as_user(world.admin)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert details(page.text) == ["hide post 3: Off topic", "entry 1", "entry 0"]
    for text in ("Moderation", "Member added", "Cora Consultant", "Mona Mentor", "Noor Nobody"):
        assert text in page.text
    assert "Mentorville – Menteeburg" in page.text
    assert 'href="/admin/audit"' in page.text and 'aria-current="page"' in page.text
    assert "Older entries" not in page.text


def test_an_erased_account_shows_as_a_former_member(client, auth, world):
    add_entries(world, 1)
    world.nobody.erased_at = utcnow()
    db.session.commit()
    auth.as_user(world.admin)
    page = client.get("/admin/audit").text
    assert "Former member" in page and "Noor Nobody" not in page


def test_every_action_has_a_label():
    assert set(AUDIT_ACTIONS) == set(AuditAction)


def test_filters_by_kind_pair_and_person(client, auth, world):
    add_entries(world, 1, detail="mine")
    add_entries(world, 1, action=AuditAction.MODERATION, detail="moderated")
    add_entries(world, 1, pair_id=world.other_pair.id, detail="other pair")
    add_entries(world, 1, actor_id=world.mentor.id, subject_user_id=None, detail="by mentor")
    add_entries(world, 1, actor_id=None, subject_user_id=world.mentor.id, detail="to mentor")
    auth.as_user(world.admin)
    got = lambda query: details(client.get(f"/admin/audit?{query}").text)  # noqa: E731
    assert got("action=moderation") == ["moderated"]
    assert got(f"pair={world.other_pair.id}") == ["other pair"]
    assert got("person=mona") == ["to mentor", "by mentor"]
    assert got("person=MENTOR%40example") == ["to mentor", "by mentor"]
    assert got("person=%25") == []  # LIKE wildcards are taken literally
    assert got("person=_") == []
    assert got(f"action=membership_added&pair={world.pair.id}&person=noor") == ["mine"]
    page = client.get("/admin/audit?action=consent_given").text
    assert "No entries match these filters." in page and "Clear the filters" in page


def test_filters_by_dates_in_the_readers_time_zone(client, auth, world):
    # 23:30 UTC on 15 March is already 16 March in Brussels, the admin's zone.
    late = datetime(2022, 3, 15, 23, 30, tzinfo=UTC)
    add_entries(world, 1, start=late - timedelta(days=2), detail="early")
    add_entries(world, 1, start=late, detail="late")
    auth.as_user(world.admin)
    got = lambda query: details(client.get(f"/admin/audit?{query}").text)  # noqa: E731
    assert got("date_from=2022-03-16") == ["late"]
    assert got("date_to=2022-03-15") == ["early"]
    assert got("date_from=2022-03-13&date_to=2022-03-16") == ["late", "early"]
    assert got("date_from=2022-03-14&date_to=2022-03-14") == ["early"]
    assert got("date_from=2022-03-15&date_to=2022-03-15") == []


def test_invalid_filters_give_field_errors(client, auth, world):
    add_entries(world, 1)
    auth.as_user(world.admin)
    for query, field in [
        ("date_from=2023-02-29", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("date_from=0001-01-01", "date_from"),
        ("date_to=9999-12-31", "date_to"),
        ("date_from=2022-05-02&date_to=2022-05-01", "date_to"),
        ("pair=abc", "pair"),
        ("action=everything", "action"),
        ("person=" + "x" * 200, "person"),
    ]:
        page = client.get(f"/admin/audit?{query}")
        assert page.status_code == 200, query
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page.text
        ), query
        assert f'id="{field}-errors"' in page.text, query
        assert details(page.text) == [], query
    page = client.get("/admin/audit?date_from=2023-02-29")
    assert "Enter a real date as year-month-day, such as 2022-03-15." in page.text
    assert (
        "This date is before"
        in client.get("/admin/audit?date_from=2022-05-02&date_to=2022-05-01").text
    )


def test_pages_of_fifty_by_keyset(client, auth, world):
    rows = add_entries(world, 60)
    add_entries(world, 3, action=AuditAction.MODERATION)
    auth.as_user(world.admin)
    first = client.get("/admin/audit?action=membership_added").text
    assert details(first) == [f"entry {i}" for i in range(59, 9, -1)]
    match = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert match, first
    link = match.group(1).replace("&amp;", "&")
    assert "action=membership_added" in link and f"before={rows[10].id}" in link
    second = client.get(link).text
    assert details(second) == [f"entry {i}" for i in range(9, -1, -1)]
    assert 'rel="next"' not in second and "Latest entries" in second
    assert client.get("/admin/audit?before=nonsense").status_code == 200


def test_the_page_runs_a_fixed_number_of_queries(app, client, auth, world):
    auth.as_user(world.admin)
    counts = []
    for n in (5, 55):  # 5, then 60 entries in all
        people = [make_user(f"p{n}-{i}@example.org") for i in range(n)]
        db.session.commit()
        for person in people:
            add_entries(world, 1, actor_id=person.id, subject_user_id=person.id)
        with count_queries(app) as queries:
            assert client.get("/admin/audit").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5, counts


def test_only_the_programme_admin_sees_the_log(client, auth, world):
    for user in (world.consultant, world.mentor):
        auth.as_user(user)
        assert client.get("/admin/audit").status_code == 403
    auth.as_user(None)
    assert client.get("/admin/audit").status_code == 302


def test_an_invitation_entry_never_holds_the_address(app, client, auth, world):
    auth.as_user(world.admin)
    client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": "private.person@example.org", "position": "mentor:mentor", "language": "en"},
    )
    assert log() and all("private" not in entry[4] for entry in log())
    assert "private.person" not in "".join(details(client.get("/admin/audit").text))
    assert db.session.scalar(select(Invitation)).role is Role.MENTOR
