"""The user's pairs, a pair's overview, and inviting people into a pair."""

import re

from conftest import add_member, count_queries, make_pair, make_user, outbox
from workspace.models import Invitation, Role, Side


def test_home_lists_exactly_the_users_pairs(client, auth, world):
    auth.as_user(world.mentor)
    page = client.get("/").text
    assert "Mentorville" in page and "Elsewhere" not in page
    assert "Mentor city official" in page


def test_a_consultant_sees_the_pairs_of_their_clusters(client, auth, world):
    auth.as_user(world.consultant)
    page = client.get("/").text
    assert "Mentorville" in page and "Elsewhere" not in page
    assert "Consultant" in page


def test_the_admin_sees_every_pair(client, auth, world):
    auth.as_user(world.admin)
    page = client.get("/").text
    assert "Mentorville" in page and "Elsewhere" in page


def test_someone_without_pairs_is_told_how_to_get_one(client, auth, world):
    auth.as_user(world.nobody)
    assert "You are not in any pair yet" in client.get("/").text


def test_overview_groups_members_by_side_and_role(client, auth, world):
    auth.as_user(world.network_mentee)
    page = client.get(f"/pairs/{world.pair.id}").text
    mentor_side, mentee_side = page.split('id="side-mentee"')
    assert "Mona Mentor" in mentor_side and "Pat Partner" in mentor_side
    assert "Nina Network" in mentor_side
    assert "Manu Mentee" in mentee_side and "Ned Network" in mentee_side
    assert 'lang="fr"' in page  # working languages marked for screen readers
    assert "Invite people" not in page  # network members don't invite


def test_pages_run_a_fixed_number_of_queries(app, client, auth, world, session):
    auth.as_user(world.mentor)
    with count_queries(app) as few:
        client.get(f"/pairs/{world.pair.id}")
    for i in range(10):
        add_member(world.pair, make_user(f"extra{i}@example.org"), Role.NETWORK, Side.MENTEE)
    session.commit()
    with count_queries(app) as many:
        client.get(f"/pairs/{world.pair.id}")
    assert len(few) == len(many) <= 6

    for i in range(5):
        add_member(make_pair(f"More{i}", f"Other{i}"), world.mentor, Role.MENTOR)
    session.commit()
    with count_queries(app) as home:
        client.get("/")
    assert len(home) <= 4


def test_a_mentor_invites_a_network_member_of_their_side(app, client, auth, world):
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": "ngo@example.org", "position": "network:mentor", "language": "fr"},
    )
    assert response.status_code == 303
    (mail,) = outbox(app)
    assert mail["To"] == "ngo@example.org"
    assert "invité" in mail.get_content()  # in the language chosen for the invitation
    assert "ngo@example.org" in client.get(f"/pairs/{world.pair.id}/invite").text


def test_a_mentor_cannot_invite_to_the_other_side_or_a_core_role(app, client, auth, world, session):
    auth.as_user(world.mentor)
    for position in ("network:mentee", "partner:mentor", "mentor:mentor"):
        response = client.post(
            f"/pairs/{world.pair.id}/invite",
            data={"email": "x@example.org", "position": position, "language": "en"},
        )
        assert response.status_code == 200  # refused as an invalid choice
        assert "Not a valid choice" in response.text or 'aria-invalid="true"' in response.text
    assert session.query(Invitation).count() == 0
    assert outbox(app) == []


def test_a_consultant_invites_any_role(app, client, auth, world, session):
    auth.as_user(world.consultant)
    response = client.post(
        f"/pairs/{world.pair.id}/invite",
        data={"email": "new.mentee@example.org", "position": "mentee:mentee", "language": "nl"},
    )
    assert response.status_code == 303
    invitation = session.query(Invitation).one()
    assert (invitation.role, invitation.side) == (Role.MENTEE, Side.MENTEE)


def test_invite_with_htmx_answers_the_panel_only(app, client, auth, world):
    auth.as_user(world.mentor)
    url = f"/pairs/{world.pair.id}/invite"
    headers = {"HX-Request": "true"}
    full = client.get(url)
    assert "<html" in full.text and "HX-Request" in full.headers["Vary"]
    fragment = client.post(
        url,
        data={"email": "ngo@example.org", "position": "network:mentor", "language": "en"},
        headers=headers,
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Invitation sent to ngo@example.org." in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    # The form comes back empty for the next invitation.
    assert not re.search(r'name="email"[^>]*value="ngo@example.org"', fragment.text)
    invalid = client.post(url, data={"email": "not an address"}, headers=headers)
    assert "<html" not in invalid.text and 'aria-invalid="true"' in invalid.text


def test_a_boosted_or_history_request_gets_the_whole_page(client, auth, world):
    auth.as_user(world.mentor)
    url = f"/pairs/{world.pair.id}/invite"
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        page = client.get(url, headers={"HX-Request": "true", **extra})
        assert "<html" in page.text
