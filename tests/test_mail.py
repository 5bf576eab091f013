"""Mail over a real SMTP conversation, or to the outbox folder when no server is set."""

import logging

from conftest import link_in, make_user, outbox
from workspace import mail


def test_invitation_travels_over_smtp(app, client, auth, world, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    auth.as_user(world.mentee)
    response = client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": "ngo@example.org", "position": "network:mentee", "language": "it"},
    )
    assert response.status_code == 303
    (message,) = smtp_server.mailbox.messages
    (envelope,) = smtp_server.mailbox.envelopes
    assert envelope.rcpt_tos == ["ngo@example.org"]
    assert message["To"] == "ngo@example.org"
    assert "invito" in message["Subject"].lower()  # in the invitation's language
    link = link_in(message)
    assert link.startswith("/invitations/")
    assert outbox(app) == []  # nothing written locally when SMTP is configured

    auth.as_user(None)
    assert client.get(link).status_code == 200


def test_without_smtp_mail_goes_to_the_outbox_and_the_log(app, caplog):
    with app.test_request_context(), caplog.at_level(logging.INFO, logger="workspace"):
        mail.send("ana@example.org", "Subject line", "Body with a secret link /x/token")
    (message,) = outbox(app)
    assert message["Subject"] == "Subject line"
    assert "Subject line" in caplog.text
    assert "token" not in caplog.text  # bodies carry one-time links: never in the log


def test_password_reset_over_smtp(app, client, session, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    make_user("ana@example.org", locale="nl")
    client.post("/password/forgot", data={"email": "ana@example.org"})
    (message,) = smtp_server.mailbox.messages
    assert "wachtwoord" in message["Subject"].lower()
    assert client.get(link_in(message)).status_code == 200
