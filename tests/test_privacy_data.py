"""Data export and account erasure (issue 5, item 6): the ZIP holds the person's own data and
no one else's; erasure anonymises the account everywhere while what they wrote stays readable
as a former member's; the erased account can neither sign in nor use an old cookie."""

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from conftest import PASSWORD, count_queries, make_user, outbox
from workspace import db, mail
from workspace.auth import services as accounts
from workspace.models import (
    Activity,
    ActivityKind,
    Attachment,
    AuditAction,
    AuditEntry,
    CalendarFeedToken,
    Consent,
    EmailPreference,
    EventKind,
    EventParticipant,
    Invitation,
    Membership,
    Notification,
    NotificationKind,
    Post,
    PostMention,
    PostRevision,
    Role,
    SectionComment,
    SectionPresence,
    SectionRevision,
    Side,
    SubscriptionState,
    ThreadSubscription,
    User,
    cluster_consultant,
    utcnow,
)
from workspace.notifications.services import notify
from workspace.plans import comments as plan_comments
from workspace.plans import services as plans
from workspace.tasks import services as tasks
from workspace.threads import services as threads
from workspace.timeline import services as timeline

HOST = "workspace.test"


def everyone(world) -> list[User]:
    return [
        world.admin,
        world.consultant,
        world.other_consultant,
        world.mentor,
        world.mentee,
        world.partner,
        world.network_mentor,
        world.network_mentee,
        world.other_pair_member,
        world.nobody,
    ]


def fill(world):
    """The mentor's traces everywhere, mixed with other people's."""
    mentor, mentee, partner = world.mentor, world.mentee, world.partner
    mentor.locale, mentor.timezone = "fr", "Europe/Rome"
    mentor.email_preference = EmailPreference.DAILY
    mentor.organisation = world.pair.mentor_city
    # A thread the mentor started and edited; others reply and mention the mentor.
    thread = threads.start_thread(
        mentor, pair=world.pair, title="Study visit agenda", body="First draft", language="en"
    )
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    threads.edit_post(first, mentor, "Second draft of the agenda")
    threads.reply(thread, mentee, "Looks good to me, @MonaMentor", "en")
    threads.reply(thread, partner, "Agreed", "en")
    threads.set_state(mentor, thread, SubscriptionState.FOLLOW)
    db.session.add(
        Attachment(
            post=first,
            filename="agenda.pdf",
            content_type="application/pdf",
            size=1234,
            stored_name="f" * 64,
            uploaded_by=mentor,
        )
    )
    # A plan the mentee started; the mentor revises a section and comments on it.
    plan = plans.create_plan(world.pair, "Action plan", "en", mentee)
    section = plan.sections[0]
    text = section.texts[0]
    result = plans.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context and needs",
        body="Housing is the first need.",
        author=mentor,
    )
    assert result.status == "saved"
    comment = plan_comments.add_comment(section, mentor, "Should we add figures?", "en")
    plan_comments.add_comment(section, mentee, "Yes, from the census.", "en", parent=comment)
    plans.heartbeat(section, mentor, "en")
    # Tasks: one the mentee assigns to the mentor and the partner, one the mentor creates.
    task_list = tasks.create_list(world.pair, "Preparation", mentee)
    tasks.create_task(task_list, "Book the rooms", mentee, assignees=[mentor, partner])
    tasks.create_task(task_list, "Write the invitation", mentor, due_on=date(2026, 12, 1))
    tasks.create_task(task_list, "Someone else's task", mentee, assignees=[partner])
    # An event the mentor takes part in, with the mentee.
    starts = datetime(2026, 12, 3, 9, tzinfo=UTC)
    event = timeline.create_event(
        world.pair,
        mentee,
        kind=EventKind.MEETING,
        title="Kick-off meeting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    event.participants.extend(
        [
            EventParticipant(user_id=mentor.id, side=Side.MENTOR),
            EventParticipant(user_id=mentee.id, side=Side.MENTEE),
        ]
    )
    db.session.add(Consent(user=mentor, pair=world.pair, notice_version="2026-11-22", locale="fr"))
    db.session.add(
        CalendarFeedToken(user_id=mentor.id, token_hash="a" * 64),
    )
    db.session.commit()
    return {"thread": thread, "first": first, "plan": plan, "section": section, "event": event}


def export_zip(client) -> dict:
    response = client.post("/privacy/data/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".zip" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name).decode() for name in archive.namelist()}


# Export ---------------------------------------------------------------------------------


def test_the_export_holds_the_persons_own_data(client, auth, world):
    made = fill(world)
    mentor = auth.as_user(world.mentor)
    files = export_zip(client)
    data = {name: json.loads(text) for name, text in files.items()}
    assert set(data) >= {
        "export.json",
        "profile.json",
        "notification_settings.json",
        "memberships.json",
        "posts.json",
        "post_revisions.json",
        "plan_section_revisions.json",
        "plan_section_comments.json",
        "tasks.json",
        "events.json",
        "notifications.json",
        "thread_subscriptions.json",
        "consents.json",
        "attachments.json",
    }
    profile = data["profile.json"]
    assert (profile["name"], profile["email"]) == ("Mona Mentor", "mentor@example.org")
    assert (profile["language"], profile["timezone"]) == ("fr", "Europe/Rome")
    assert profile["organisation"]["name"] == "Mentorville"
    assert data["notification_settings.json"] == {"email_notifications": "daily"}
    assert [(m["pair_id"], m["role"]) for m in data["memberships.json"]["pairs"]] == [
        (world.pair.id, "mentor")
    ]
    posts = data["posts.json"]
    assert [p["text"] for p in posts] == ["Second draft of the agenda"]  # only the mentor's
    assert posts[0]["thread_title"] == "Study visit agenda"
    assert [r["text"] for r in data["post_revisions.json"]] == [
        "First draft",
        "Second draft of the agenda",
    ]
    revisions = data["plan_section_revisions.json"]
    assert [r["text"] for r in revisions] == ["Housing is the first need."]
    assert revisions[0]["plan_id"] == made["plan"].id
    assert [c["text"] for c in data["plan_section_comments.json"]] == ["Should we add figures?"]
    by_title = {t["title"]: t for t in data["tasks.json"]}
    assert set(by_title) == {"Book the rooms", "Write the invitation"}
    assert by_title["Book the rooms"]["assigned_to_you"] is True
    assert by_title["Book the rooms"]["created_by_you"] is False
    assert sorted(by_title["Book the rooms"]["assignee_person_ids"]) == sorted(
        [world.mentor.id, world.partner.id]
    )
    assert by_title["Write the invitation"]["created_by_you"] is True
    assert by_title["Write the invitation"]["due_on"] == "2026-12-01"
    events = data["events.json"]
    assert [(e["title"], e["you_take_part"], e["your_side"]) for e in events] == [
        ("Kick-off meeting", True, "mentor")
    ]
    kinds = {n["kind"]: n for n in data["notifications.json"]}
    assert kinds["task_assigned"]["from_person_id"] == world.mentee.id  # an id, not a name
    assert [s["state"] for s in data["thread_subscriptions.json"]] == ["follow"]
    assert [(c["notice_version"], c["language"]) for c in data["consents.json"]] == [
        ("2026-11-22", "fr")
    ]
    assert [(a["file_name"], a["size_bytes"]) for a in data["attachments.json"]] == [
        ("agenda.pdf", 1234)
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data_exported"))
    assert (entry.actor_id, entry.subject_user_id) == (mentor.id, mentor.id)


def test_the_export_holds_no_one_elses_personal_data(client, auth, world):
    fill(world)
    # The mentee's reply quotes nobody by name; still, names could leak through snapshots.
    auth.as_user(world.mentor)
    files = export_zip(client)
    everything = "\n".join(files.values()).casefold()
    for person in everyone(world):
        if person.id == world.mentor.id:
            continue
        assert person.name.casefold() not in everything, person.name
        assert person.email.casefold() not in everything, person.email
    # …while the mentor's own are there.
    assert "mona mentor" in everything and "mentor@example.org" in everything


def test_the_your_data_page_explains_and_offers_the_download(client, auth, world):
    auth.as_user(world.mentee)
    assert 'href="/privacy/data"' in client.get("/profile").text
    page = client.get("/privacy/data")
    assert page.status_code == 200
    assert 'action="/privacy/data/export"' in page.text
    assert 'method="post"' in page.text
    assert 'href="/privacy/erase"' in page.text
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0  # GET: no audit


def test_the_export_of_someone_with_nothing_is_still_complete(client, auth, world):
    auth.as_user(world.nobody)
    data = {name: json.loads(text) for name, text in export_zip(client).items()}
    assert data["posts.json"] == [] and data["tasks.json"] == []
    assert data["memberships.json"] == {"pairs": [], "consultant_of_clusters": []}


# Erasure by the person ------------------------------------------------------------------


def rows(model, **where):
    query = select(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return list(db.session.scalars(query))


def others_snapshot(world, erased: User) -> dict:
    """What erasing one person must leave exactly as it was for everyone else."""
    db.session.commit()
    people = [u for u in everyone(world) if u.id != erased.id]
    ids = [u.id for u in people]
    return {
        "users": [
            (u.id, u.name, u.email, u.password_hash, u.locale, u.session_token, u.erased_at)
            for u in db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))
        ],
        "memberships": sorted(
            db.session.execute(
                select(Membership.user_id, Membership.pair_id, Membership.role).where(
                    Membership.user_id.in_(ids)
                )
            ).all()
        ),
        "notifications": sorted(
            db.session.execute(
                select(Notification.id, Notification.user_id).where(Notification.user_id.in_(ids))
            ).all()
        ),
        "subscriptions": sorted(
            db.session.execute(
                select(ThreadSubscription.id, ThreadSubscription.user_id).where(
                    ThreadSubscription.user_id.in_(ids)
                )
            ).all()
        ),
        "consultants": sorted(db.session.execute(select(cluster_consultant)).all()),
    }


def test_a_person_erases_their_own_account(app, client, auth, world):
    made = fill(world)
    mentor = world.mentor
    uid, old_email = mentor.id, mentor.email
    # The mentee mentions the mentor; a pending invitation waits for the mentor's address.
    assert rows(PostMention, user_id=uid)
    db.session.add(
        Invitation(
            email=old_email,
            token_hash="b" * 64,
            pair=world.other_pair,
            role=Role.MENTEE,
            side=Side.MENTEE,
            invited_by=world.admin,
            expires_at=utcnow() + timedelta(days=3),
        )
    )
    db.session.add(
        Activity(
            pair_id=world.pair.id,
            kind=ActivityKind.MEMBER_JOINED,
            actor_id=uid,
            subject_type="membership",
            subject_id=1,
            title="Mona Mentor",
        )
    )
    db.session.commit()
    before = others_snapshot(world, mentor)
    phone = app.test_client()  # another device, signed in too
    phone.post("/signin", data={"email": old_email, "password": PASSWORD})
    assert phone.get("/profile").status_code == 200
    client.post("/signin", data={"email": old_email, "password": PASSWORD})
    old_cookie = client.get_cookie("session", domain=HOST).value

    page = client.get("/privacy/erase")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    wrong = client.post("/privacy/erase", data={"password": "not my password at all"})
    assert wrong.status_code == 200
    # The mentor reads the workspace in French (see fill()).
    assert "Ce n&#39;est pas votre mot de passe. Rien n&#39;a été effacé." in wrong.text
    assert 'aria-invalid="true"' in wrong.text and "password-errors" in wrong.text
    empty = client.post("/privacy/erase", data={"password": ""})
    assert "Saisissez votre mot de passe pour confirmer." in empty.text
    assert db.session.get(User, uid).erased_at is None

    response = client.post("/privacy/erase", data={"password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/signin")
    signin = client.get("/signin")
    assert "Your account has been erased." in signin.text

    user = db.session.get(User, uid)
    assert user.erased_at is not None and not user.is_active
    assert (user.name, user.email) == ("", f"erased-{uid}@invalid")
    assert user.locale is None and user.organisation_id is None
    assert user.email_preference is EmailPreference.OFF
    with app.test_request_context():
        assert str(user.display_name) == "Former member"
    for model in (
        Membership,
        Notification,
        ThreadSubscription,
        SectionPresence,
        CalendarFeedToken,
        PostMention,
    ):
        assert rows(model, user_id=uid) == [], model
    assert rows(Invitation, email=old_email) == []
    assert (
        db.session.execute(
            select(cluster_consultant).where(cluster_consultant.c.user_id == uid)
        ).all()
        == []
    )
    joined = db.session.scalar(select(Activity).where(Activity.kind == ActivityKind.MEMBER_JOINED))
    assert joined.title == "" and joined.actor_id == uid
    # What they wrote stays, under the same (now anonymous) id.
    assert [p.id for p in rows(Post, author_id=uid)] == [made["first"].id]
    assert len(rows(PostRevision, author_id=uid)) == 2
    assert len(rows(SectionRevision, author_id=uid)) == 1
    assert len(rows(SectionComment, author_id=uid)) == 1
    assert rows(Consent, user_id=uid)  # the record of consent given stays
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account_erased"))
    assert (entry.actor_id, entry.subject_user_id) == (uid, uid)
    # Everyone else's rows are untouched.
    assert others_snapshot(world, mentor) == before

    # Every session is over: the other device, and the old cookie replayed.
    assert phone.get("/profile").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old_cookie, domain=HOST)
    for method, path in (
        ("GET", "/profile"),
        ("GET", "/privacy/data"),
        ("POST", "/privacy/data/export"),  # no second export
        ("POST", "/privacy/erase"),  # no second erasure
    ):
        answer = replay.open(path, method=method, data={"password": PASSWORD})
        assert answer.status_code == 302 and "/signin" in answer.headers["Location"], path
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    # Signing in is impossible, by the old address or the new one.
    fresh = app.test_client()
    for email in (old_email, f"erased-{uid}@invalid"):
        answer = fresh.post("/signin", data={"email": email, "password": PASSWORD})
        assert answer.status_code == 200
        assert "The e-mail address or the password is incorrect." in answer.text
    assert accounts.authenticate(f"erased-{uid}@invalid", "") is None
    assert fresh.get("/profile").status_code == 302


def test_what_an_erased_person_wrote_reads_as_a_former_members(client, auth, world):
    made = fill(world)
    thread, section, plan = made["thread"], made["section"], made["plan"]
    from workspace.privacy import erasure

    erasure.erase(world.mentor, actor=world.mentor)
    db.session.commit()
    auth.as_user(world.mentee)
    pages = {
        "thread": client.get(f"/threads/{thread.id}"),
        "post history": client.get(f"/posts/{made['first'].id}/history"),
        "plan history": client.get(
            f"/pairs/{world.pair.id}/plans/{plan.id}/sections/{section.id}/history"
        ),
        "plan": client.get(f"/pairs/{world.pair.id}/plans/{plan.id}"),
        "event": client.get(f"/pairs/{world.pair.id}/events/{made['event'].id}"),
        "tasks": client.get(f"/pairs/{world.pair.id}/tasks"),
        "timeline": client.get(f"/pairs/{world.pair.id}/timeline"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert "Mona Mentor" not in page.text, name
        assert "mentor@example.org" not in page.text, name
    assert "Second draft of the agenda" in pages["thread"].text
    assert "Former member" in pages["thread"].text
    assert "Former member" in pages["post history"].text
    assert "Housing is the first need." in pages["plan"].text
    assert "Former member" in pages["plan history"].text
    assert "Former member" in pages["event"].text  # a participant
    assert "Former member" in pages["tasks"].text  # an assignee of "Book the rooms"
    assert "Former member" in pages["timeline"].text  # "… started the thread"


def test_the_mail_layer_never_writes_to_an_erased_account(app, world):
    from workspace.privacy import erasure

    erasure.erase(world.partner, actor=world.admin)
    db.session.commit()
    partner = db.session.get(User, world.partner.id)
    with app.test_request_context():
        accounts.send_password_reset(partner)
        mail.send(partner.email, "Hello", "Body")
        made = notify(
            [partner],
            NotificationKind.MENTION,
            actor=world.mentor,
            pair=world.pair,
            subject_type="thread",
            subject_id=1,
            url="/",
            title="A thread",
        )
    assert made == [] and outbox(app) == []
    assert rows(Notification, user_id=partner.id) == []


def test_the_only_administrator_cannot_erase_their_account(client, auth, world):
    auth.as_user(world.admin)
    page = client.get("/privacy/erase")
    assert "only programme administrator" in page.text
    answer = client.post("/privacy/erase", data={"password": PASSWORD})
    assert answer.status_code == 200
    assert db.session.get(User, world.admin.id).erased_at is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


# Erasure by the programme administrator -------------------------------------------------


def test_the_administrator_erases_an_account(app, client, auth, world):
    fill(world)
    consultant = world.consultant
    uid, name, email = consultant.id, consultant.name, consultant.email
    before = others_snapshot(world, consultant)
    device = app.test_client()
    device.post("/signin", data={"email": email, "password": PASSWORD})
    assert device.get("/profile").status_code == 200

    auth.as_user(world.admin)
    people = client.get("/admin/people")
    assert people.status_code == 200
    assert name in people.text and f"/admin/people/{uid}/erase" in people.text
    confirm = client.get(f"/admin/people/{uid}/erase")
    assert confirm.status_code == 200 and email in confirm.text
    unticked = client.post(f"/admin/people/{uid}/erase", data={})
    assert unticked.status_code == 200 and "Tick the box to confirm." in unticked.text
    assert db.session.get(User, uid).erased_at is None

    done = client.post(f"/admin/people/{uid}/erase", data={"confirm": "y"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/people")
    listing = client.get("/admin/people")
    assert "The account has been erased." in listing.text
    assert name not in listing.text and f"<td>{email}</td>" not in listing.text
    assert "1 account has been erased" in listing.text
    user = db.session.get(User, uid)
    assert user.erased_at is not None and user.name == "" and user.email.endswith("@invalid")
    assert (
        db.session.execute(
            select(cluster_consultant).where(cluster_consultant.c.user_id == uid)
        ).all()
        == []
    )
    assert device.get("/profile").status_code == 302  # their sessions are over
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account_erased"))
    assert (entry.actor_id, entry.subject_user_id) == (world.admin.id, uid)
    after = others_snapshot(world, consultant)
    before["consultants"] = [r for r in before["consultants"] if r.user_id != uid]
    assert after == before

    # Erasing again changes nothing and writes no second entry.
    again = client.post(f"/admin/people/{uid}/erase", data={"confirm": "y"})
    assert again.status_code == 303
    assert "already been erased" in client.get("/admin/people").text
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == AuditAction.ACCOUNT_ERASED)
        )
        == 1
    )
    assert "was erased on" in client.get(f"/admin/people/{uid}/erase").text
    # With htmx, the write moves the browser on with HX-Redirect.
    htmx = client.post(
        f"/admin/people/{world.nobody.id}/erase",
        data={"confirm": "y"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].endswith("/admin/people")


def test_the_administrator_page_of_their_own_account_sends_them_to_the_password_form(
    client, auth, world
):
    auth.as_user(world.admin)
    answer = client.post(f"/admin/people/{world.admin.id}/erase", data={"confirm": "y"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/privacy/erase")
    assert db.session.get(User, world.admin.id).erased_at is None


def test_the_people_list_runs_a_fixed_number_of_queries(app, client, auth, world):
    auth.as_user(world.admin)
    counts = []
    for batch in range(2):
        for i in range(3 if batch == 0 else 40):
            make_user(
                f"person{batch}-{i}@example.org",
                f"Person {batch}-{i:03d}",
                organisation=world.pair.mentor_city,
            )
        client.get("/admin/people")  # warm up
        with count_queries(app) as statements:
            page = client.get("/admin/people")
        assert page.status_code == 200 and f"Person {batch}-002" in page.text
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6, counts


def test_the_people_list_is_paged_by_keyset(client, auth, world):
    from workspace.privacy.routes import PEOPLE_PAGE_SIZE

    for i in range(PEOPLE_PAGE_SIZE + 5):
        make_user(f"person{i}@example.org", f"Person {i:03d}")
    auth.as_user(world.admin)
    first = client.get("/admin/people").text
    assert "Person 000" in first and "Next page" in first
    last_on_first = max(i for i in range(PEOPLE_PAGE_SIZE + 5) if f"Person {i:03d}<" in first)
    marker = first.split('href="/admin/people?after=')[1].split('"')[0]
    second = client.get(f"/admin/people?after={marker}").text
    assert f"Person {last_on_first:03d}<" not in second
    assert f"Person {PEOPLE_PAGE_SIZE + 4:03d}<" in second
    assert "Next page" not in second
