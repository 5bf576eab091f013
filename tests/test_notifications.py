"""In-app notifications and their e-mails: immediate or a daily digest, in the recipient's
language, grouped by pair and kind."""

from sqlalchemy import select

from conftest import count_queries
from workspace.models import EmailPreference, Notification, NotificationKind
from workspace.notifications.services import notify


def _notify(world, recipients, kind=NotificationKind.TASK_ASSIGNED, title="Book the rooms"):
    return notify(
        recipients,
        kind,
        actor=world.mentee,
        pair=world.pair,
        subject_type="task",
        subject_id=7,
        url=f"/pairs/{world.pair.id}",
        title=title,
    )


def test_notify_skips_the_actor_and_duplicates(app, world, session):
    made = _notify(world, [world.mentor, world.mentee, world.mentor, world.partner])
    assert [n.user for n in made] == [world.mentor, world.partner]


def test_unread_count_in_the_header_and_the_list(client, auth, world, session):
    _notify(world, [world.mentor])
    _notify(world, [world.mentor], NotificationKind.MENTION, "Agenda of the visit")
    auth.as_user(world.mentor)
    page = client.get("/").text
    assert '<span class="badge">2' in page
    listing = client.get("/notifications/").text
    assert "Manu Mentee assigned you the task “Book the rooms”" in listing
    assert "Manu Mentee mentioned you in “Agenda of the visit”" in listing
    assert listing.count("notification--unread") == 2


def test_mark_one_and_all_read(client, auth, world, session):
    first, second = (_notify(world, [world.mentor])[0] for _ in range(2))
    session.commit()
    auth.as_user(world.mentor)
    fragment = client.post(f"/notifications/{first.id}/read", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.count("notification--unread") == 1
    assert client.post("/notifications/read-all").status_code == 303
    unread = session.scalars(select(Notification).where(Notification.read_at.is_(None))).all()
    assert unread == []
    assert 'class="badge"' not in client.get("/").text


def test_someone_elses_notification_cannot_be_touched(client, auth, world, session):
    (note,) = _notify(world, [world.mentor])
    session.commit()
    auth.as_user(world.partner)
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    session.refresh(note)
    assert note.read_at is None


def test_list_is_paged_by_keyset_with_fixed_queries(app, client, auth, world, session):
    for i in range(65):
        _notify(world, [world.mentor], title=f"Task {i}")
    session.commit()
    auth.as_user(world.mentor)
    with count_queries(app) as queries:
        first = client.get("/notifications/").text
    assert "Task 64" in first and "Task 34" not in first
    older = first.split('href="/notifications/?before=')[1].split('"')[0]
    second = client.get(f"/notifications/?before={older}").text
    assert "Task 34" in second and "Task 64" not in second
    assert len(queries) <= 5


def test_immediate_mail_in_the_recipients_language(app, world, session, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    world.mentor.email_preference = EmailPreference.IMMEDIATE
    world.mentor.locale = "nl"
    session.commit()
    _notify(world, [world.mentor, world.partner])
    (message,) = smtp_server.mailbox.messages  # the partner chose no mail (the default)
    assert message["To"] == world.mentor.email
    body = message.get_content()
    assert "Book the rooms" in body and "Beste" in body
    assert f"/pairs/{world.pair.id}" in body


def test_daily_digest_groups_by_pair_and_kind(app, runner, world, session, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    world.mentor.email_preference = EmailPreference.DAILY
    world.mentor.locale = "fr"
    session.commit()
    _notify(world, [world.mentor], title="Réserver les salles")
    _notify(world, [world.mentor], NotificationKind.MENTION, "Ordre du jour")
    _notify(world, [world.mentor], title="Traduire le rapport")
    session.commit()
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 digests sent" in result.output
    (message,) = smtp_server.mailbox.messages
    body = message.get_content()
    assert "Bonjour" in body
    assert body.index(world.pair.name) < body.index("Ordre du jour")
    # Grouped by kind: the two task assignments stand together.
    tasks = [body.index("Réserver les salles"), body.index("Traduire le rapport")]
    assert not (min(tasks) < body.index("Ordre du jour") < max(tasks))
    # Sent once: a second run finds nothing new.
    assert "0 digests sent" in runner.invoke(args=["notify", "digest"]).output
