"""Invitations by e-mail link: expiring, single use; the invitee sets name, password, language."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import link_in, outbox
from workspace.models import Invitation, Membership, Role, Side, User, cluster_consultant

NEW_PASSWORD = "gentle rivers carry old maps"


def _invite(client, auth, world, email="ngo@example.org", position="network:mentor"):
    auth.as_user(world.mentor)
    client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": email, "position": position, "language": "nl"},
    )
    auth.as_user(None)


def _accept_form(name="Nadia Ngo", language="it", password=NEW_PASSWORD):
    # A network invitation (the default of _invite) also asks for consent (test_privacy_consent).
    return {
        "name": name,
        "language": language,
        "password": password,
        "confirm": password,
        "consent": "y",
    }


def test_a_new_person_accepts_and_joins_the_pair(app, client, auth, world, session):
    _invite(client, auth, world)
    (mail,) = outbox(app)
    link = link_in(mail)
    page = client.get(link)
    assert page.status_code == 200
    assert "Mentorville – Menteeburg" in page.text
    # The language the inviter chose is preset.
    assert re.search(
        r'<option[^>]*selected[^>]*value="nl"|<option[^>]*value="nl"[^>]*selected', page.text
    )

    response = client.post(link, data=_accept_form())
    assert response.status_code == 302
    assert response.location == f"/pairs/{world.pair.id}"
    user = session.scalar(select(User).where(User.email == "ngo@example.org"))
    assert (user.name, user.locale) == ("Nadia Ngo", "it")
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.role, membership.side) == (Role.NETWORK, Side.MENTOR)
    assert client.get(f"/pairs/{world.pair.id}").status_code == 200  # signed in already


def test_the_link_works_only_once(app, client, auth, world):
    _invite(client, auth, world)
    link = link_in(outbox(app)[0])
    client.post(link, data=_accept_form())
    client.post("/signout")
    assert client.get(link).status_code == 404
    assert client.post(link, data=_accept_form(name="Somebody Else")).status_code == 404


def test_an_expired_link_is_refused(app, client, auth, world, session):
    _invite(client, auth, world)
    invitation = session.scalar(select(Invitation))
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    session.commit()
    page = client.get(link_in(outbox(app)[0]))
    assert page.status_code == 404
    assert "This link is no longer valid" in page.text


def test_the_invitee_must_choose_a_good_password(app, client, auth, world, session):
    _invite(client, auth, world)
    link = link_in(outbox(app)[0])
    response = client.post(link, data=_accept_form(password="password1234"))
    assert response.status_code == 200
    assert "too common" in response.text
    assert session.scalar(select(User).where(User.email == "ngo@example.org")) is None
    assert session.scalar(select(Invitation)).accepted_at is None


def test_the_token_is_stored_only_as_a_hash(app, client, auth, world, session):
    _invite(client, auth, world)
    token = link_in(outbox(app)[0]).rsplit("/", 1)[1]
    assert token not in session.scalar(select(Invitation)).token_hash


def test_an_existing_account_accepts_after_signing_in(app, client, auth, world, session):
    _invite(client, auth, world, email=world.other_pair_member.email)
    link = link_in(outbox(app)[0])
    response = client.get(link)
    assert response.status_code == 302 and "/signin" in response.location

    auth.as_user(world.other_pair_member)
    assert "Accept" in client.get(link).text
    assert client.post(link, data={"consent": "y"}).status_code == 302
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == world.other_pair_member.id,
            Membership.pair_id == world.pair.id,
        )
    )
    assert membership.role is Role.NETWORK


def test_someone_else_signed_in_cannot_take_the_invitation(app, client, auth, world, session):
    _invite(client, auth, world, email=world.other_pair_member.email)
    link = link_in(outbox(app)[0])
    auth.as_user(world.nobody)
    assert client.post(link).status_code == 403
    assert session.scalar(select(Invitation)).accepted_at is None


def test_a_consultant_invitation_adds_to_the_cluster(app, client, auth, world, session):
    auth.as_user(world.admin)
    client.post(
        "/admin/invitations",
        data={
            "email": "new.consultant@example.org",
            "offer": f"cluster:{world.cluster.id}",
            "language": "fr",
        },
    )
    auth.as_user(None)
    (mail,) = outbox(app)
    assert "groupe" in mail.get_content().lower() or "consultant" in mail.get_content().lower()
    client.post(link_in(mail), data=_accept_form(name="Nora Consult", language="fr"))
    user = session.scalar(select(User).where(User.email == "new.consultant@example.org"))
    assert session.execute(
        select(cluster_consultant).where(cluster_consultant.c.user_id == user.id)
    ).first() == (world.cluster.id, user.id)
    assert client.get(f"/pairs/{world.pair.id}").status_code == 200
    assert client.get(f"/pairs/{world.other_pair.id}").status_code == 404


def test_an_admin_invitation_makes_an_admin(app, client, auth, world, session):
    auth.as_user(world.admin)
    client.post(
        "/admin/invitations",
        data={"email": "second.admin@example.org", "offer": "admin", "language": "en"},
    )
    auth.as_user(None)
    client.post(link_in(outbox(app)[0]), data=_accept_form(name="Sam Second"))
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("attempts", [21])
def test_accepting_is_rate_limited(app, client, world, attempts):
    codes = [
        client.post("/invitations/guess-" + str(i), data=_accept_form()).status_code
        for i in range(attempts)
    ]
    assert set(codes[:20]) == {404} and codes[-1] == 429
