"""Accounts: sign in and out, sessions ended everywhere, password rules, reset, profile."""

import pytest
from sqlalchemy import select

from conftest import PASSWORD, link_in, make_user, outbox
from workspace.auth import services
from workspace.models import User


def test_sign_in_with_right_password(client, session):
    make_user("ana@example.org")
    session.commit()
    response = client.post("/signin", data={"email": " ANA@example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location.endswith("/")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.org", "wrong password here"), ("nobody@example.org", PASSWORD)],
)
def test_sign_in_refused_with_the_same_message(client, session, email, password):
    make_user("ana@example.org")
    session.commit()
    response = client.post("/signin", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "The e-mail address or the password is incorrect." in response.text
    assert client.get("/").status_code == 302


def test_next_stays_on_our_origin(client, session):
    make_user("ana@example.org")
    session.commit()
    data = {"email": "ana@example.org", "password": PASSWORD}
    response = client.post("/signin?next=//evil.example/x", data=data)
    assert response.location == "/"
    client.post("/signout")
    response = client.post("/signin?next=/profile", data=data)
    assert response.location == "/profile"


def test_signed_out_user_is_sent_to_sign_in(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/signin?next=" in response.location


def test_sign_out_ends_every_session(app, session):
    user = make_user("ana@example.org")
    session.commit()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/signin", data={"email": "ana@example.org", "password": PASSWORD})
        assert device.get("/profile").status_code == 200
    old_cookie = laptop.get_cookie("session", domain="workspace.test").value

    laptop.post("/signout")
    assert laptop.get("/profile").status_code == 302
    assert phone.get("/profile").status_code == 302  # the other device is out too

    replay = app.test_client()
    replay.set_cookie("session", old_cookie, domain="workspace.test")
    assert replay.get("/profile").status_code == 302
    assert session.get(User, user.id) is not None


def test_password_change_ends_other_sessions_but_not_this_one(app, session):
    make_user("ana@example.org", "Ana Lopez")
    session.commit()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/signin", data={"email": "ana@example.org", "password": PASSWORD})
    old_cookie = laptop.get_cookie("session", domain="workspace.test").value

    new = "gentle rivers carry old maps"
    response = laptop.post(
        "/profile/password",
        data={"current_password": PASSWORD, "password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert laptop.get("/profile").status_code == 200
    assert phone.get("/profile").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old_cookie, domain="workspace.test")
    assert replay.get("/profile").status_code == 302
    fresh = app.test_client()
    fresh.post("/signin", data={"email": "ana@example.org", "password": new})
    assert fresh.get("/profile").status_code == 200


def test_password_change_needs_the_current_password(client, auth, session):
    auth.as_user(make_user("ana@example.org"))
    session.commit()
    new = "gentle rivers carry old maps"
    response = client.post(
        "/profile/password",
        data={"current_password": "not my password", "password": new, "confirm": new},
    )
    assert "This is not your current password." in response.text


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012", "too common"),
        ("qwertyuiop12", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
    ],
)
def test_weak_passwords_are_refused(app, password, problem):
    with app.test_request_context():
        assert problem in services.password_problem(password)


def test_the_users_own_address_is_refused_as_password(app):
    with app.test_request_context():
        mine = ["ana.lopez@example.org", "Ana Lopez"]
        assert services.password_problem("ana.lopez@example.org", mine)
        assert services.password_problem("lopezlopezlopez", mine)


def test_good_password_is_accepted(app):
    with app.test_request_context():
        assert services.password_problem("gentle rivers carry old maps") is None


def test_passwords_are_hashed_with_argon2(session):
    user = make_user("ana@example.org")
    user.password_hash = services.hash_password("gentle rivers carry old maps")
    assert user.password_hash.startswith("$argon2id$")
    assert "gentle" not in user.password_hash


def test_password_reset_by_mail(app, client, session):
    make_user("ana@example.org", locale="fr")
    session.commit()
    response = client.post("/password/forgot", data={"email": "ana@example.org"})
    assert response.status_code == 302
    (mail,) = outbox(app)
    assert mail["To"] == "ana@example.org"
    assert "mot de passe" in mail["Subject"].lower()  # in the recipient's language
    link = link_in(mail)

    new = "gentle rivers carry old maps"
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": new, "confirm": new})
    assert response.status_code == 302
    assert (
        client.post("/signin", data={"email": "ana@example.org", "password": new}).status_code
        == 302
    )
    # Single use: the link is spent once the password changed.
    client.post("/signout")
    assert client.get(link).status_code == 404


def test_password_reset_for_unknown_address_says_the_same(app, client, session):
    make_user("ana@example.org")
    session.commit()
    known = client.post(
        "/password/forgot", data={"email": "ana@example.org"}, follow_redirects=True
    )
    unknown = client.post(
        "/password/forgot", data={"email": "zed@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    flash = "If an account uses this address"
    assert flash in known.text and flash in unknown.text
    assert len(outbox(app)) == 1


def test_expired_or_forged_reset_token_is_refused(app, client, session):
    user = make_user("ana@example.org")
    session.commit()
    assert client.get("/password/reset/not-a-token").status_code == 404
    app.config["PASSWORD_RESET_SECONDS"] = -1
    with app.test_request_context():
        token = services.reset_token(user)
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_profile_saves_language_time_zone_and_mail_choice(client, auth, session):
    user = auth.as_user(make_user("ana@example.org"))
    session.commit()
    response = client.post(
        "/profile",
        data={
            "name": "Ana López",
            "language": "nl",
            "timezone": "Europe/Rome",
            "email_preference": "daily",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(User, user.id)
    assert (saved.name, saved.locale, saved.timezone, saved.email_preference.value) == (
        "Ana López",
        "nl",
        "Europe/Rome",
        "daily",
    )
    assert 'lang="nl"' in client.get("/profile").text


def test_profile_refuses_an_unknown_time_zone(client, auth, session):
    auth.as_user(make_user("ana@example.org"))
    session.commit()
    response = client.post(
        "/profile",
        data={
            "name": "Ana",
            "language": "en",
            "timezone": "Mars/Olympus",
            "email_preference": "off",
        },
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text


def test_sign_in_is_rate_limited_per_account_without_revealing_it(app, session):
    make_user("ana@example.org")
    session.commit()
    answers = []
    for i in range(12):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i}"  # many addresses, one account
        answers.append(
            client.post(
                "/signin", data={"email": "ana@example.org", "password": "wrong"}
            ).status_code
        )
    assert answers[:10] == [200] * 10
    assert answers[10:] == [429, 429]
    # An unknown account is limited the same way.
    for i in range(11):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{i}"
        last = client.post("/signin", data={"email": "zed@example.org", "password": "wrong"})
    assert last.status_code == 429
    assert "Too many attempts" in last.text


def test_sign_in_is_rate_limited_per_address(app):
    client = app.test_client()
    codes = [
        client.post("/signin", data={"email": f"u{i}@example.org", "password": "x"}).status_code
        for i in range(21)
    ]
    assert codes[-1] == 429 and codes[:20] == [200] * 20


def test_users_are_stored_with_lowercase_unique_email(session):
    make_user("ana@example.org")
    session.commit()
    assert session.scalar(select(User.email)) == "ana@example.org"


def test_a_spoofed_forwarded_for_does_not_dodge_the_limit(app):
    client = app.test_client()
    codes = [
        client.post(
            "/signin",
            data={"email": f"u{i}@example.org", "password": "x"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(21)
    ]
    assert codes[-1] == 429


def test_a_configured_proxy_is_trusted_for_the_client_address(database_url, tmp_path):
    from conftest import make_test_app

    app = make_test_app(database_url, tmp_path / "proxied", FORWARDED_PROXIES=1)
    client = app.test_client()
    codes = [
        client.post(
            "/signin",
            data={"email": f"u{i}@example.org", "password": "x"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(21)
    ]
    assert codes[-1] == 200  # 21 different clients behind the proxy
    app.extensions["db_engine"].dispose()
