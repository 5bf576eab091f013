"""Sessions, redirects, cookies and headers (issue 5, items 3 and 4), beyond what
tests/test_auth.py and tests/test_app.py already hold:

- ``?next=`` on sign-in and on the language switch never leaves our origin, however encoded;
- a password reset ends every session, an old cookie replayed from another client included;
- the session cookie is HttpOnly, SameSite=Lax, and Secure under HTTPS (direct, configured,
  or behind the trusted proxy), HSTS only under HTTPS;
- every GET of the access matrix, for an admin, a network member and a visitor, with and
  without htmx, carries the security headers, ``no-store`` when signed in, and
  ``Vary: HX-Request`` whenever page and fragment differ; so do error pages, static files
  and downloads.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from access_rules import matrix_path
from sqlalchemy import select
from test_access import AREAS, MATRIX

from conftest import (
    PASSWORD,
    AuthActions,
    build_world,
    link_in,
    make_test_app,
    make_user,
    outbox,
)
from workspace import db
from workspace.extensions import limiter
from workspace.models import User

HOST = "workspace.test"
HX = {"HX-Request": "true"}

# Each is refused as a ?next= target: the browser would leave our origin (or run script).
HOSTILE_NEXT = [
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "https:evil.example",
    "HTTP://evil.example/",
    "//evil.example@workspace.test",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "evil.example",
]
# The same, as an attacker would put them in a link: percent-encoded in the query string.
ENCODED_NEXT = [
    "%2F%2Fevil.example",
    "%2F%5Cevil.example",
    "%5C%5Cevil.example",
    "https%3A%2F%2Fevil.example",
    "javascript%3Aalert(1)",
    "%2F%09%2Fevil.example",
    "%20%2F%2Fevil.example",
    "%252F%252Fevil.example",  # double-encoded: must not be decoded twice
    "/%2F%2Fevil.example",
]


def stays_home(location: str | None) -> bool:
    """Where a browser goes with this Location: our origin, never another host or script."""
    if location is None:
        return True
    # Browsers read "///host", "/\\host" and "/<tab>/host" as another host; Python's urljoin
    # does not, so those are refused here first.
    if location.startswith("//") or "\\" in location or any(ord(c) < 33 for c in location):
        return False
    resolved = urlsplit(urljoin(f"http://{HOST}/", location))
    return resolved.scheme == "http" and resolved.netloc == HOST


def assert_safe_redirect(response, where):
    assert response.status_code in (302, 303), (where, response.status)
    location = response.headers["Location"]
    assert stays_home(location), (where, location)
    assert location.startswith("/") and not location.startswith("//"), (where, location)


def test_the_origin_check_itself():
    assert stays_home("/profile?x=1") and stays_home("/%2F%2Fevil.example")
    for target in HOSTILE_NEXT[:14]:
        assert not stays_home(target), target


def test_sign_in_form_never_redirects_off_site(client, session):
    targets = [("plain", t) for t in HOSTILE_NEXT] + [("raw", t) for t in ENCODED_NEXT]
    for i, _target in enumerate(targets):
        make_user(f"ana{i}@example.org")  # each account and address signs in only twice
    session.commit()
    for i, (kind, target) in enumerate(targets):
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{i}"
        data = {"email": f"ana{i}@example.org", "password": PASSWORD}
        if kind == "raw":  # percent-encoded by the attacker, as it stands in a link
            response = client.post(f"/signin?next={target}", data=data)
        else:  # ?next= after a redirect to sign-in
            response = client.post("/signin", query_string={"next": target}, data=data)
        assert_safe_redirect(response, target)
        assert response.headers["Location"] == "/" or kind == "raw", target
        client.post("/signout")
        # ... and in the form, as the sign-in page carries it on
        response = client.post("/signin", data={**data, "next": target})
        assert_safe_redirect(response, target)
        client.post("/signout")


def test_the_sign_in_page_of_a_signed_in_user_never_redirects_off_site(client, auth, session):
    auth.as_user(make_user("ana@example.org"))
    for target in HOSTILE_NEXT:
        assert_safe_redirect(client.get("/signin", query_string={"next": target}), target)
    for raw in ENCODED_NEXT:
        assert_safe_redirect(client.get(f"/signin?next={raw}"), raw)
    # Control: a path of ours is honoured, query string and all.
    response = client.get("/signin", query_string={"next": "/profile?tab=1"})
    assert response.headers["Location"] == "/profile?tab=1"


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_the_language_switch_never_redirects_off_site(client, auth, session, signed_in):
    if signed_in:
        auth.as_user(make_user("ana@example.org"))
    for target in HOSTILE_NEXT:
        response = client.post("/language", data={"language": "fr", "next": target})
        assert_safe_redirect(response, target)
        response = client.post("/language", query_string={"next": target}, data={"language": "nl"})
        assert_safe_redirect(response, target)
    for raw in ENCODED_NEXT:
        response = client.post(
            "/language",
            data=f"language=it&next={raw}",
            content_type="application/x-www-form-urlencoded",
        )
        assert_safe_redirect(response, raw)
    response = client.post("/language", data={"language": "en", "next": "/glossary?q=a"})
    assert response.headers["Location"] == "/glossary?q=a"


# Sessions ---------------------------------------------------------------------------------


def test_a_password_reset_ends_every_session(app, session):
    make_user("ana@example.org")
    session.commit()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/signin", data={"email": "ana@example.org", "password": PASSWORD})
        assert device.get("/profile").status_code == 200
    old_cookie = phone.get_cookie("session", domain=HOST).value

    stranger = app.test_client()  # the reset is asked and done from a third browser
    stranger.post("/password/forgot", data={"email": "ana@example.org"})
    link = link_in(outbox(app)[-1])
    new = "gentle rivers carry old maps"
    assert stranger.post(link, data={"password": new, "confirm": new}).status_code == 302

    assert laptop.get("/profile").status_code == 302
    assert phone.get("/profile").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old_cookie, domain=HOST)
    assert replay.get("/profile").status_code == 302
    assert replay.post("/profile", data={"name": "Hijacked"}).status_code == 302
    # The old password is spent, the new one works.
    assert (
        stranger.post(
            "/signin", data={"email": "ana@example.org", "password": PASSWORD}
        ).status_code
        == 200
    )
    assert (
        stranger.post("/signin", data={"email": "ana@example.org", "password": new}).status_code
        == 302
    )


def test_a_replayed_cookie_after_sign_out_cannot_write(app, session):
    """Not only reading: an old cookie can't post either (the token is checked, not only
    the signature)."""
    make_user("ana@example.org", "Ana")
    session.commit()
    laptop = app.test_client()
    laptop.post("/signin", data={"email": "ana@example.org", "password": PASSWORD})
    old_cookie = laptop.get_cookie("session", domain=HOST).value
    laptop.post("/signout")
    replay = app.test_client()
    replay.set_cookie("session", old_cookie, domain=HOST)
    response = replay.post(
        "/profile",
        data={"name": "Hijacked", "language": "en", "timezone": "UTC", "email_preference": "off"},
    )
    assert response.status_code == 302 and "/signin" in response.location
    session.expire_all()
    assert session.scalar(select(User.name)) == "Ana"


# Cookies and HSTS -------------------------------------------------------------------------


def _sign_in_cookie(client, **kwargs) -> str:
    response = client.post(
        "/signin", data={"email": "ana@example.org", "password": PASSWORD}, **kwargs
    )
    assert response.status_code == 302, response.text[:300]
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def _flags(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def _samesite(cookie: str) -> str:
    return re.search(r"SameSite=(\w+)", cookie).group(1)


def test_cookie_over_plain_http_is_http_only_and_lax_but_not_secure(client, session):
    make_user("ana@example.org")
    session.commit()
    cookie = _sign_in_cookie(client)
    assert "httponly" in _flags(cookie) and _samesite(cookie) == "Lax"
    assert "secure" not in _flags(cookie)  # a local http:// install must still work
    assert "Strict-Transport-Security" not in client.get("/signin").headers


def test_cookie_is_secure_and_hsts_sent_over_https(client, session):
    make_user("ana@example.org")
    session.commit()
    cookie = _sign_in_cookie(client, base_url=f"https://{HOST}")
    assert {"httponly", "secure"} <= _flags(cookie) and _samesite(cookie) == "Lax"
    response = client.get("/", base_url=f"https://{HOST}")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600
    assert (
        "Strict-Transport-Security"
        in client.get("/static/css/workspace.css", base_url=f"https://{HOST}").headers
    )


@pytest.mark.parametrize(
    "config",
    [
        {"PREFERRED_URL_SCHEME": "https"},
        {"PUBLIC_URL": "https://mentoring.example.org"},
        {"SESSION_COOKIE_SECURE": True},
    ],
    ids=["preferred-scheme", "public-url", "explicit"],
)
def test_cookie_is_secure_when_the_workspace_is_configured_for_https(
    database_url, tmp_path, config
):
    """Even on a request that reached us as http:// (TLS ended before an untrusted hop)."""
    app = make_test_app(database_url, tmp_path / "instance", **config)
    with app.app_context():
        make_user("ana@example.org")
        db.session.commit()
        cookie = _sign_in_cookie(app.test_client())
        assert {"httponly", "secure"} <= _flags(cookie) and _samesite(cookie) == "Lax"
    app.extensions["db_engine"].dispose()


def test_behind_the_configured_proxy_https_is_recognised(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance", FORWARDED_PROXIES=1)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    with app.app_context():
        make_user("ana@example.org")
        db.session.commit()
        client = app.test_client()
        cookie = _sign_in_cookie(client, headers=forwarded)
        assert "secure" in _flags(cookie)
        assert "Strict-Transport-Security" in client.get("/", headers=forwarded).headers
        # The proxy said http: no HSTS on that answer.
        assert "Strict-Transport-Security" not in client.get("/signin").headers
    app.extensions["db_engine"].dispose()


def test_a_spoofed_forwarded_proto_is_ignored_without_a_trusted_proxy(client, session):
    make_user("ana@example.org")
    session.commit()
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    cookie = _sign_in_cookie(client, headers=spoofed)
    assert "secure" not in _flags(cookie)
    response = client.get("/", headers=spoofed)
    assert "Strict-Transport-Security" not in response.headers
    assert "evil.example" not in response.text


# Headers on every response ----------------------------------------------------------------


def check_security_headers(response, where, signed_in: bool):
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, where
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    # Pages allow our own origin; downloads nothing at all (and are sandboxed).
    assert directives["default-src"] in (["'self'"], ["'none'"]), where
    # frame-ancestors never falls back to default-src: it must be there, always.
    assert directives["frame-ancestors"] == ["'none'"], where
    if directives["default-src"] == ["'self'"]:
        assert directives["connect-src"] == ["'self'"], where
        assert directives["script-src"] == ["'self'"], where
    else:
        assert "sandbox" in directives and "script-src" not in directives, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "'unsafe-hashes'" not in csp and "*" not in csp.replace("*.", ""), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    if signed_in and not response.request.path.startswith("/static/"):
        assert "no-store" in headers.get("Cache-Control", ""), where


@pytest.fixture
def world(app):
    world = build_world()
    for area in AREAS:
        if hasattr(area, "populate"):
            area.populate(world)
    db.session.commit()
    return world


def _path(path, world) -> str:
    return matrix_path(path, world)


def matrix_gets(world):
    for endpoint, requests in MATRIX.items():
        for method, path, _data, _expect in requests:
            if method == "GET":
                yield endpoint, _path(path, world)


def _varies_on_htmx(response) -> bool:
    return "hx-request" in {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("role", ["admin", "network_mentor", "consultant", "signed_out"])
def test_every_get_of_the_matrix_carries_the_headers(client, auth, world, role):
    """Every GET route, as page and as htmx fragment: the security headers, no-store when
    signed in, and Vary: HX-Request on both answers whenever they differ."""
    user = None if role == "signed_out" else getattr(world, role)
    auth.as_user(user)
    gets = list(matrix_gets(world))
    assert len({endpoint for endpoint, _ in gets}) > 40  # the matrix, not a sample
    fragments = 0
    for endpoint, path in gets:
        page = client.get(path)
        fragment = client.get(path, headers=HX)
        for response, kind in ((page, "page"), (fragment, "htmx")):
            check_security_headers(response, (endpoint, path, kind), user is not None)
        if page.status_code != 200 or fragment.status_code != 200:
            continue
        if page.data == fragment.data:
            continue
        if b"<html" not in page.data or b"<html" in fragment.data:
            # Bodies differ without being page and fragment: a timestamp, a fresh token.
            again = client.get(path)
            if again.data != page.data:
                continue
        fragments += 1
        assert _varies_on_htmx(page), (endpoint, path, "the page must say Vary: HX-Request")
        assert _varies_on_htmx(fragment), (endpoint, path, "the fragment too")
    if role != "signed_out":
        assert fragments > 5  # the check above really ran


def test_downloads_and_feeds_carry_the_headers(client, auth, world):
    """The plan exports (PDF, DOCX), attachments and calendar feeds are in the matrix GETs
    above; this pins that they were really served (not refused) to a member."""
    auth.as_user(world.mentor)
    served = {}
    for endpoint, path in matrix_gets(world):
        if endpoint in {
            "plans.export_pdf",
            "plans.export_docx",
            "attachments.download",
            "timeline.user_feed",
            "timeline.pair_feed",
        }:
            response = client.get(path)
            if response.status_code == 200:
                served[endpoint] = response.headers.get("Content-Type")
                check_security_headers(
                    response, path, signed_in=endpoint.startswith(("plans", "att"))
                )
    assert {"plans.export_pdf", "plans.export_docx", "attachments.download"} <= served.keys()
    assert any(endpoint.startswith("timeline.") for endpoint in served), served


def test_static_files_carry_the_headers(client, auth, session):
    for path in ("/static/css/workspace.css", "/static/js/workspace.js", "/static/nothing.js"):
        response = client.get(path)
        check_security_headers(response, path, signed_in=False)
        response.close()
    vendored = re.search(r'src="(/static/vendor/htmx[^"]+)"', client.get("/signin").text)
    response = client.get(vendored.group(1))
    assert response.status_code == 200
    check_security_headers(response, "htmx", signed_in=False)
    response.close()


@pytest.fixture
def error_app(database_url, tmp_path):
    """An app with a route that fails, CSRF on, and a small request size limit."""
    app = make_test_app(
        database_url, tmp_path / "errors", WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=4096
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with app.app_context():
        yield app
    limiter.reset()
    app.extensions["db_engine"].dispose()


def test_error_pages_carry_the_headers_and_are_friendly(error_app, session):
    world = build_world()
    client = error_app.test_client()
    AuthActions(client).as_user(world.mentor)
    cases = {
        400: lambda h: client.post("/language", data={"language": "fr"}, headers=h),  # no CSRF
        403: lambda h: client.get("/admin/", headers=h),
        404: lambda h: client.get(f"/pairs/{world.other_pair.id}", headers=h),
        405: lambda h: client.get("/signout", headers=h),
        413: lambda h: client.post(
            "/signin", data={"email": "x" * 10_000, "password": "x"}, headers=h
        ),
        500: lambda h: client.get("/boom", headers=h),
    }
    for status, request in cases.items():
        for headers in ({}, HX):
            response = request(headers)
            where = (status, bool(headers))
            assert response.status_code == status, (where, response.text[:200])
            check_security_headers(response, where, signed_in=True)
            assert "Traceback" not in response.text and "secret internals" not in response.text
            assert "<h1" in response.text, where
    # 429 after too many sign-in attempts, signed out.
    visitor = error_app.test_client()
    for _ in range(21):
        response = visitor.post("/signin", data={"email": "a@example.org", "password": "x"})
    assert response.status_code in (400, 429)  # CSRF is on: refused either way
    check_security_headers(response, 429, signed_in=False)


def test_a_500_names_an_incident_that_the_log_records(error_app, session, caplog):
    client = error_app.test_client()
    with caplog.at_level("DEBUG"):
        response = client.get("/boom")
    assert response.status_code == 500
    incident = re.search(r"\b([0-9a-f]{8})\b", response.text)
    assert incident, response.text
    records = [r for r in caplog.records if incident.group(1) in r.getMessage()]
    assert records and records[0].exc_info is not None  # the traceback is in the log ...
    assert "Traceback" not in response.text  # ... never on the page
    assert "RuntimeError" not in response.text


def test_htmx_keeps_no_history_and_runs_no_script_from_responses(client, auth, session):
    """tests/test_app.py checks selfRequestsOnly, allowEval and the indicator styles; the rest
    of the htmx configuration item 4 asks for, on a personal page."""
    import json

    auth.as_user(make_user("ana@example.org"))
    html = client.get("/profile").text
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1))
    assert config["selfRequestsOnly"] is True and config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0  # personal pages are not kept in localStorage
    assert config["includeIndicatorStyles"] is False
