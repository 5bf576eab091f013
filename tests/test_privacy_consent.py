"""Consent of support-network members, the public notices and the register of who sees
which pair (issue 5, item 6)."""

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from conftest import add_member, count_queries, link_in, make_pair, make_user, outbox
from workspace.models import (
    AuditAction,
    AuditEntry,
    Cluster,
    Consent,
    Invitation,
    Membership,
    Role,
    Side,
    User,
)
from workspace.privacy.notices import PRIVACY_NOTICE_VERSION, text_language

NEW_PASSWORD = "gentle rivers carry old maps"
CONSENT_LABEL = "I agree to be in this workspace as described in the privacy notice"


def _invite(client, auth, world, email="ngo@example.org", position="network:mentor"):
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": email, "position": position, "language": "en"},
    )
    assert response.status_code in (200, 303), response.text[:300]
    auth.as_user(None)
    return link_in(outbox(client.application)[-1])


def _account(**extra):
    return {
        "name": "Nadia Ngo",
        "language": "it",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        **extra,
    }


def _audit(session, action):
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# Giving consent ---------------------------------------------------------------------------


def test_a_network_invitation_asks_for_consent(app, client, auth, world):
    link = _invite(client, auth, world)
    page = client.get(link)
    assert page.status_code == 200
    assert CONSENT_LABEL in page.text
    checkbox = re.search(r'<input[^>]*name="consent"[^>]*>', page.text).group()
    assert 'type="checkbox"' in checkbox
    assert "checked" not in checkbox  # unticked: consent is given, never presumed
    assert "required" in checkbox
    assert 'href="/privacy"' in page.text  # the notice it refers to


def test_without_consent_nothing_is_stored(app, client, auth, world, session):
    link = _invite(client, auth, world)
    response = client.post(link, data=_account())
    assert response.status_code == 200
    assert "Tick this box to give your consent" in response.text
    # The error is tied to the field.
    assert 'id="consent-errors"' in response.text
    assert re.search(r'<input[^>]*aria-describedby="consent-hint consent-errors"', response.text)
    assert session.scalar(select(User).where(User.email == "ngo@example.org")) is None
    assert session.scalar(select(Invitation)).accepted_at is None
    assert session.scalars(select(Consent)).all() == []
    assert _audit(session, AuditAction.CONSENT_GIVEN) == []


def test_consent_is_recorded_with_version_and_language(app, client, auth, world, session):
    link = _invite(client, auth, world)
    # The page was read in French: that is the language of the consent.
    response = client.post(link, data=_account(consent="y"), headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "ngo@example.org"))
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.role, membership.side) == (Role.NETWORK, Side.MENTOR)
    (consent,) = session.scalars(select(Consent)).all()
    assert (consent.user_id, consent.pair_id) == (user.id, world.pair.id)
    assert consent.notice_version == PRIVACY_NOTICE_VERSION
    assert consent.locale == "fr"
    assert consent.given_at is not None and consent.withdrawn_at is None
    (entry,) = _audit(session, AuditAction.CONSENT_GIVEN)
    assert (entry.subject_user_id, entry.pair_id) == (user.id, world.pair.id)
    assert PRIVACY_NOTICE_VERSION in entry.detail


def test_an_existing_account_also_consents(app, client, auth, world, session):
    link = _invite(client, auth, world, email=world.nobody.email)
    auth.as_user(world.nobody)
    page = client.get(link)
    assert CONSENT_LABEL in page.text
    refused = client.post(link, data={})
    assert refused.status_code == 200
    assert "Tick this box to give your consent" in refused.text
    assert session.scalar(select(Membership).where(Membership.user_id == world.nobody.id)) is None

    assert client.post(link, data={"consent": "y"}).status_code == 302
    membership = session.scalar(select(Membership).where(Membership.user_id == world.nobody.id))
    assert membership.role is Role.NETWORK
    (consent,) = session.scalars(select(Consent)).all()
    assert (consent.user_id, consent.locale) == (world.nobody.id, "en")


@pytest.mark.parametrize("position", ["partner:mentor", "mentee:mentee"])
def test_other_invitations_show_no_checkbox(app, client, auth, world, session, position):
    auth.as_user(world.admin)
    client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": "core@example.org", "position": position, "language": "en"},
    )
    auth.as_user(None)
    link = link_in(outbox(app)[-1])
    page = client.get(link)
    assert CONSENT_LABEL not in page.text
    assert 'name="consent"' not in page.text
    assert client.post(link, data=_account()).status_code == 302
    assert session.scalars(select(Consent)).all() == []


# Withdrawing it ---------------------------------------------------------------------------


def _given(session, world) -> Consent:
    consent = Consent(
        user=world.network_mentor, pair=world.pair, notice_version="2026-11-22", locale="nl"
    )
    session.add(consent)
    session.commit()
    return consent


def test_the_profile_leads_to_the_consents(app, client, auth, world, session):
    consent = _given(session, world)
    auth.as_user(world.network_mentor)
    assert 'href="/privacy/consents"' in client.get("/profile").text
    page = client.get("/privacy/consents")
    assert page.status_code == 200
    assert "Mentorville – Menteeburg" in page.text
    assert f'href="/privacy/consents/{consent.id}/withdraw"' in page.text


def test_withdrawing_ends_the_network_membership(app, client, auth, world, session):
    consent = _given(session, world)
    auth.as_user(world.network_mentor)
    url = f"/privacy/consents/{consent.id}/withdraw"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Withdraw my consent and leave the pair" in confirm.text
    # Asking is not doing.
    assert session.get(Consent, consent.id).withdrawn_at is None

    response = client.post(url)
    assert response.status_code == 303
    assert response.location == "/privacy/consents"
    assert session.get(Consent, consent.id).withdrawn_at is not None
    assert (
        session.scalar(
            select(Membership).where(
                Membership.user_id == world.network_mentor.id,
                Membership.pair_id == world.pair.id,
            )
        )
        is None
    )
    (entry,) = _audit(session, AuditAction.CONSENT_WITHDRAWN)
    assert (entry.subject_user_id, entry.pair_id) == (world.network_mentor.id, world.pair.id)
    assert len(_audit(session, AuditAction.MEMBERSHIP_REMOVED)) == 1

    page = client.get("/privacy/consents")
    assert "You have withdrawn your consent and left the pair Mentorville – Menteeburg" in (
        page.text
    )
    assert "Withdrawn on" in page.text
    assert 'href="/privacy/erase"' in page.text  # how to erase the account entirely
    assert client.get(f"/pairs/{world.pair.id}").status_code == 404
    # A second withdrawal changes nothing.
    client.post(url)
    assert len(_audit(session, AuditAction.CONSENT_WITHDRAWN)) == 1


def test_withdrawing_through_htmx_moves_to_the_consents(app, client, auth, world, session):
    consent = _given(session, world)
    auth.as_user(world.network_mentor)
    response = client.post(
        f"/privacy/consents/{consent.id}/withdraw", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/privacy/consents"


def test_a_core_membership_is_not_ended_by_an_old_consent(app, client, auth, world, session):
    """Consent is the basis of a network place only: someone who has since become a partner
    keeps that place when withdrawing an old network consent."""
    consent = _given(session, world)
    membership = session.scalar(
        select(Membership).where(Membership.user_id == world.network_mentor.id)
    )
    membership.role = Role.PARTNER
    auth.as_user(world.network_mentor)
    client.post(f"/privacy/consents/{consent.id}/withdraw")
    assert session.get(Consent, consent.id).withdrawn_at is not None
    assert session.get(Membership, membership.id) is not None


def test_someone_elses_consent_is_not_found(app, client, auth, world, session):
    consent = _given(session, world)
    auth.as_user(world.network_mentee)
    assert client.get(f"/privacy/consents/{consent.id}/withdraw").status_code == 404
    assert client.post(f"/privacy/consents/{consent.id}/withdraw").status_code == 404
    assert session.get(Consent, consent.id).withdrawn_at is None
    assert "Mentorville" not in client.get("/privacy/consents").text


# Public notices ---------------------------------------------------------------------------

NOTICE = {
    "en": "The controller of your data",
    "fr": "Responsable du traitement",
    "nl": "Verwerkingsverantwoordelijke",
    "it": "Titolare del trattamento",
}
STATEMENT = {
    "en": "Enforcement procedure",
    "fr": "Procédure de mise en œuvre",
    "nl": "Handhavingsprocedure",
    "it": "Procedura di attuazione",
}


@pytest.mark.parametrize("language", ["en", "fr", "nl", "it"])
def test_the_notices_speak_the_readers_language(app, client, language):
    headers = {"Accept-Language": language}
    notice = client.get("/privacy", headers=headers)
    assert notice.status_code == 200
    assert f'<html lang="{language}">' in notice.text
    assert NOTICE[language] in notice.text
    assert f'<div lang="{language}">' in notice.text
    assert PRIVACY_NOTICE_VERSION in notice.text
    assert "workspace@localhost" in notice.text  # the contact, by default the mail sender
    for other in set(NOTICE) - {language}:
        assert NOTICE[other] not in notice.text

    statement = client.get("/accessibility", headers=headers)
    assert statement.status_code == 200
    assert STATEMENT[language] in statement.text
    assert "WCAG" in statement.text and "2.1" in statement.text
    assert 'href="mailto:workspace@localhost"' in statement.text


def test_the_accessibility_contact_comes_from_the_configuration(app, client):
    app.config["ACCESSIBILITY_CONTACT"] = "access@example.org"
    page = client.get("/accessibility")
    assert 'href="mailto:access@example.org"' in page.text


def test_another_language_reads_the_english_text(app):
    with app.test_request_context(), force_locale("de"):
        assert text_language() == "en"


def test_the_notices_are_linked_from_the_sign_in_page_and_footer(app, client, auth, world):
    for page in (client.get("/signin"), auth.as_user(world.mentor) and client.get("/")):
        assert 'href="/privacy"' in page.text
        assert 'href="/accessibility"' in page.text


# The register of who sees which pair ------------------------------------------------------


def _section(html: str, pair_id: int) -> str:
    start = html.index(f'<section aria-labelledby="register-pair-{pair_id}"')
    return html[start : html.index("</section>", start)]


def test_the_register_says_who_sees_each_pair_and_why(app, client, auth, world, session):
    _given(session, world)
    auth.as_user(world.admin)
    page = client.get("/admin/register")
    assert page.status_code == 200
    assert 'href="/admin/register"' in page.text  # in the administration menu
    pair = _section(page.text, world.pair.id)
    for person in ("Mona Mentor", "Manu Mentee", "Pat Partner", "Nina Network", "Ned Network"):
        assert person in pair
    assert "Consultant of the cluster Cluster one" in pair and "Cora Consultant" in pair
    assert "Programme administrator" in pair and "Ada Admin" in pair
    assert "Otto Consultant" not in pair and "Olga Other" not in pair
    assert "Given on" in pair and "(notice 2026-11-22)" in pair  # Nina
    assert "Not recorded" in pair  # Ned, added without an invitation
    other = _section(page.text, world.other_pair.id)
    assert "Olga Other" in other and "Otto Consultant" in other
    assert "Nina Network" not in other

    only = client.get(f"/admin/register?pair={world.pair.id}")
    assert "Mona Mentor" in only.text
    assert f"register-pair-{world.other_pair.id}" not in only.text


def test_the_register_costs_the_same_queries_for_any_number_of_pairs(
    app, client, auth, world, session
):
    _given(session, world)
    auth.as_user(world.admin)
    client.get("/admin/register")  # warm up
    with count_queries(app) as few:
        client.get("/admin/register")
    cluster = Cluster(name="Cluster three")
    for n in range(6):
        pair = make_pair(f"Mentor {n}", f"Mentee {n}", cluster=cluster)
        cluster.consultants.append(make_user(f"c{n}@example.org"))
        add_member(pair, make_user(f"m{n}@example.org"), Role.MENTOR)
        network = make_user(f"n{n}@example.org")
        add_member(pair, network, Role.NETWORK, Side.MENTEE)
        session.add(Consent(user=network, pair=pair, notice_version="2026-11-22", locale="it"))
    session.commit()
    with count_queries(app) as many:
        page = client.get("/admin/register")
    assert page.text.count("Given on") == 7
    assert len(many) == len(few), many
    assert len(many) <= 8, many  # user, pairs, consultants, members, consents, admins, filter


def test_the_register_pages_by_pair_with_the_same_queries(
    app, client, auth, world, session, monkeypatch
):
    from workspace.privacy import register

    monkeypatch.setattr(register, "REGISTER_PAGE", 2)
    cluster = Cluster(name="Cluster three")
    extra = [make_pair(f"Mentor {n}", f"Mentee {n}", cluster=cluster) for n in range(3)]
    session.commit()
    ids = [world.pair.id, world.other_pair.id, *(p.id for p in extra)]
    auth.as_user(world.admin)
    seen, url, counts = [], "/admin/register", []
    while url:
        with count_queries(app) as statements:
            page = client.get(url).text
        counts.append(len(statements))
        shown = [i for i in ids if f'id="register-pair-{i}"' in page]
        assert 1 <= len(shown) <= 2, shown
        seen += shown
        nxt = re.search(r'<a href="([^"]+)">Next page</a>', page)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert ("First page" in page) is (len(seen) > len(shown))
    assert seen == sorted(ids)  # each pair once, in order
    assert len(set(counts)) == 1, counts
