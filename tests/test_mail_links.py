"""Links in mails always point at PUBLIC_URL: a forged Host header can't send someone a
password-reset or invitation link to another site (which would then receive the token)."""

import re

import pytest

from conftest import make_test_app, make_user, outbox

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(
        database_url, tmp_path / "instance", PUBLIC_URL="https://mentoring.example.org/ws"
    )
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


def test_a_reset_asked_with_a_forged_host_links_to_the_public_url(app, client, session):
    make_user("ana@example.org")
    session.commit()
    response = client.post("/password/forgot", data={"email": "ana@example.org"}, headers=FORGED)
    assert response.status_code == 302
    (mail,) = outbox(app)
    (link,) = links(mail)
    assert link.startswith("https://mentoring.example.org/ws/password/reset/"), link
    assert "evil.example" not in mail.get_content()
    # The token in it is a working one.
    assert client.get(link.removeprefix("https://mentoring.example.org/ws")).status_code == 200


def test_an_invitation_sent_with_a_forged_host_links_to_the_public_url(app, client, auth, world):
    auth.as_user(world.mentor)
    # The browser sends its cookie to whatever host the forged request names.
    cookie = client.get_cookie("session", domain="workspace.test").value
    client.set_cookie("session", cookie, domain="evil.example")
    response = client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": "ngo@example.org", "position": "network:mentor", "language": "en"},
        headers=FORGED,
    )
    assert response.status_code == 303
    (mail,) = outbox(app)
    (link,) = links(mail)
    assert link.startswith("https://mentoring.example.org/ws/invitations/"), link
    assert "evil.example" not in mail.get_content()
