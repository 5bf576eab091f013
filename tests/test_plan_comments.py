"""Comments on plan sections: anchored to the source revision, replies, resolve / reopen,
notifications, inline and without JavaScript; a network member comments but cannot edit."""

import pytest
from flask import url_for
from sqlalchemy import delete, func, select

from conftest import count_queries
from workspace import db
from workspace.models import (
    Membership,
    Notification,
    NotificationKind,
    PlanStatus,
    SectionComment,
    SectionRevision,
)
from workspace.plans import comments, services

HX = {"HX-Request": "true"}


@pytest.fixture
def plan(app, world):
    plan = services.create_plan(world.pair, "Welcoming newcomers", "en", world.mentor)
    db.session.commit()
    return plan


@pytest.fixture
def section(plan):
    return plan.sections[0]


def plan_url(plan):
    return f"/pairs/{plan.pair_id}/plans/{plan.id}"


def comment_url(plan, section):
    return f"{plan_url(plan)}/sections/{section.id}/comments"


def post_comment(client, plan, section, body, headers=None, language="en", lang="en"):
    prefix = comments.section_prefix(section.id)
    return client.post(
        comment_url(plan, section),
        data={f"{prefix}-body": body, f"{prefix}-language": language, "lang": lang},
        headers=headers or {},
    )


def post_reply(client, plan, comment, body, headers=None):
    prefix = comments.reply_prefix(comment.id)
    return client.post(
        f"{plan_url(plan)}/comments/{comment.id}/replies",
        data={f"{prefix}-body": body, f"{prefix}-language": "en", "lang": "en"},
        headers=headers or {},
    )


def edit(section, user, body):
    text = services.text_for(section, section.plan.language)
    result = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title=text.current_revision.title,
        body=body,
        author=user,
    )
    db.session.commit()
    return result.revision


def all_comments():
    return db.session.scalars(select(SectionComment).order_by(SectionComment.id)).all()


# Writing --------------------------------------------------------------------------------


def test_a_network_member_comments_anchored_to_the_source_head(client, auth, world, plan, section):
    head = edit(section, world.mentor, "We count newcomers once a year.")
    auth.as_user(world.network_mentee)
    response = post_comment(client, plan, section, "Ask the **associations** too", language="fr")
    assert response.status_code == 303
    [comment] = all_comments()
    assert response.location.endswith(f"{plan_url(plan)}?lang=en#comment-{comment.id}")
    assert (comment.section_id, comment.revision_id, comment.parent_id) == (
        section.id,
        head.id,
        None,
    )
    assert (comment.author_id, comment.language) == (world.network_mentee.id, "fr")
    assert comment.body_html == "<p>Ask the <strong>associations</strong> too</p>\n"

    page = client.get(plan_url(plan)).text
    assert f'id="comment-{comment.id}"' in page
    assert 'hx-disable lang="fr"><p>Ask the <strong>associations</strong> too</p>' in page
    assert "on an earlier version" not in page


def test_inline_with_htmx_the_section_comments_come_back(client, auth, world, plan, section):
    auth.as_user(world.partner)
    response = post_comment(client, plan, section, "Looks good", headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert "Comment added." in response.text and "Looks good" in response.text
    assert f'id="section-{section.id}-comments-heading"' in response.text
    assert len(all_comments()) == 1


def test_an_empty_comment_is_refused_with_its_error(client, auth, world, plan, section):
    auth.as_user(world.mentee)
    inline = post_comment(client, plan, section, "   ", headers=HX)
    assert inline.status_code == 200 and "<html" not in inline.text
    assert 'aria-invalid="true"' in inline.text and "This field is required." in inline.text
    plain = post_comment(client, plan, section, "")
    assert plain.status_code == 200 and "<html" in plain.text  # a page of its own, no JS
    assert (
        "This field is required." in plain.text
        and '<details class="comment-new" open>' in plain.text
    )
    long = post_comment(client, plan, section, "x" * (comments.BODY_MAX + 1), headers=HX)
    assert long.status_code == 200 and 'aria-invalid="true"' in long.text
    assert all_comments() == []


def test_markdown_is_sanitised(client, auth, world, plan, section):
    auth.as_user(world.network_mentor)
    post_comment(client, plan, section, "<script>alert(1)</script> [x](javascript:alert(1)) *ok*")
    [comment] = all_comments()
    assert "<script" not in comment.body_html and 'href="javascript' not in comment.body_html
    assert "<em>ok</em>" in comment.body_html


def test_replies_are_one_level_deep(client, auth, world, plan, section):
    auth.as_user(world.mentor)
    post_comment(client, plan, section, "First")
    [first] = all_comments()
    auth.as_user(world.network_mentor)
    assert post_reply(client, plan, first, "A reply").status_code == 303
    reply = all_comments()[1]
    assert reply.parent_id == first.id and reply.section_id == section.id
    auth.as_user(world.consultant)
    response = post_reply(client, plan, reply, "A reply to the reply", headers=HX)
    assert response.status_code == 200 and "Reply added." in response.text
    third = all_comments()[2]
    assert third.parent_id == first.id  # joins the thread

    threads = comments.comment_threads(plan)[section.id]
    assert [t.comment.id for t in threads] == [first.id]
    assert [r.id for r in threads[0].replies] == [reply.id, third.id]

    # The reply box is labelled apart from the new-comment box beside it.
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}").text
    assert f'<label for="comment-{first.id}-reply-body">Reply</label>' in page
    assert f'<label for="section-{section.id}-comment-body">Comment</label>' in page


def test_resolve_and_reopen(client, auth, world, plan, section):
    auth.as_user(world.network_mentor)
    post_comment(client, plan, section, "Is this figure right?")
    [comment] = all_comments()
    base = f"{plan_url(plan)}/comments/{comment.id}"

    auth.as_user(world.network_mentee)  # neither author nor editor
    assert client.post(f"{base}/resolve").status_code == 403
    assert comment.resolved_at is None

    auth.as_user(world.mentor)  # an editor
    response = client.post(f"{base}/resolve", data={"lang": "en"}, headers=HX)
    assert response.status_code == 200 and "Comment resolved." in response.text
    assert comment.resolved_at is not None and comment.resolved_by_id == world.mentor.id
    assert "Resolved: Nina Network" in response.text and "resolved by Mona Mentor" in response.text
    assert ">Reopen<" in response.text and "(0 open)" in response.text

    auth.as_user(world.network_mentor)  # the author reopens
    response = client.post(f"{base}/reopen")
    assert response.status_code == 303 and response.location.endswith(f"#comment-{comment.id}")
    assert comment.resolved_at is None and comment.resolved_by_id is None

    post_reply(client, plan, comment, "Answered")
    reply = all_comments()[1]
    auth.as_user(world.mentor)
    assert client.post(f"{plan_url(plan)}/comments/{reply.id}/resolve").status_code == 404


def test_an_adopted_plan_takes_no_comments(client, auth, world, plan, section):
    auth.as_user(world.mentee)
    post_comment(client, plan, section, "Before adoption")
    [comment] = all_comments()
    plan.status = PlanStatus.ADOPTED
    db.session.commit()
    assert post_comment(client, plan, section, "After").status_code == 403
    assert post_reply(client, plan, comment, "After").status_code == 403
    assert client.post(f"{plan_url(plan)}/comments/{comment.id}/resolve").status_code == 403
    assert len(all_comments()) == 1
    page = client.get(plan_url(plan)).text
    assert "Before adoption" in page and "Add a comment" not in page and ">Reply<" not in page


def test_comments_are_welcome_during_review(client, auth, world, plan, section):
    plan.status = PlanStatus.IN_REVIEW
    db.session.commit()
    auth.as_user(world.consultant)
    assert post_comment(client, plan, section, "One question").status_code == 303


def test_outsiders_and_other_plans(client, auth, world, plan, section):
    theirs = services.create_plan(world.other_pair, "Theirs", "en", world.other_pair_member)
    db.session.commit()
    auth.as_user(world.nobody)
    assert post_comment(client, plan, section, "Hello").status_code == 404
    auth.as_user(world.other_pair_member)
    post_comment(client, theirs, theirs.sections[0], "Ours")
    [their_comment] = all_comments()
    auth.as_user(world.mentor)
    # another plan's section or comment through this plan's URL: not found
    assert post_comment(client, plan, theirs.sections[0], "Hello").status_code == 404
    assert post_reply(client, plan, their_comment, "Hello").status_code == 404
    assert client.post(f"{plan_url(plan)}/comments/{their_comment.id}/resolve").status_code == 404
    assert len(all_comments()) == 1


# Anchored to a revision -----------------------------------------------------------------


def test_a_comment_on_an_earlier_version_says_so_with_the_diff(client, auth, world, plan, section):
    first = edit(section, world.mentor, "Version one.")
    auth.as_user(world.network_mentee)
    post_comment(client, plan, section, "On version one")
    second = edit(section, world.mentee, "Version two.")
    post_comment(client, plan, section, "On version two")
    old, new = all_comments()
    assert (old.revision_id, new.revision_id) == (first.id, second.id)
    page = client.get(plan_url(plan)).text
    old_html = page[page.index(f'id="comment-{old.id}"') : page.index(f'id="comment-{new.id}"')]
    new_html = page[page.index(f'id="comment-{new.id}"') :].split("</article>")[0]
    assert "on an earlier version" in old_html and "on an earlier version" not in new_html
    diff = f"{plan_url(plan)}/sections/{section.id}/diff?lang=en&amp;from={first.id}&amp;to={second.id}"
    assert diff in old_html
    assert client.get(diff.replace("&amp;", "&")).status_code == 200


def test_a_comment_in_a_translation_reading_is_anchored_to_the_source(
    client, auth, world, plan, section
):
    head = edit(section, world.mentor, "Source text.")
    auth.as_user(world.network_mentor)
    response = post_comment(client, plan, section, "Une remarque", language="fr", lang="fr")
    assert response.location.endswith(f"{plan_url(plan)}?lang=fr#comment-{all_comments()[0].id}")
    assert all_comments()[0].revision_id == head.id


# Notifications --------------------------------------------------------------------------


def test_authors_and_commenters_are_told_but_not_the_commenter(
    app, client, auth, world, plan, section
):
    edit(section, world.mentee, "The mentee wrote this.")
    auth.as_user(world.network_mentor)
    post_comment(client, plan, section, "First remark")
    first = db.session.scalars(select(Notification)).all()
    # the section's authors: the mentor (created the plan), the mentee (edited it)
    assert {n.user_id for n in first} == {world.mentor.id, world.mentee.id}
    assert {n.kind for n in first} == {NotificationKind.PLAN_COMMENT}
    comment = all_comments()[0]
    assert first[0].url == f"{plan_url(plan)}#comment-{comment.id}"
    assert first[0].detail == "First remark"
    assert first[0].title == f"Welcoming newcomers · {section.texts[0].current_revision.title}"

    auth.as_user(world.mentee)
    post_reply(client, plan, comment, "Thanks")
    second = db.session.scalars(select(Notification).where(Notification.id > first[-1].id)).all()
    assert {n.user_id for n in second} == {world.mentor.id, world.network_mentor.id}

    auth.as_user(world.network_mentor)
    page = client.get("/notifications/").text
    assert (
        f"Manu Mentee commented on “Welcoming newcomers · {section.texts[0].current_revision.title}”"
        in page
    )


def test_someone_who_left_the_pair_is_not_told(client, auth, world, plan, section):
    edit(section, world.partner, "The partner wrote this.")
    db.session.execute(delete(Membership).where(Membership.user_id == world.partner.id))
    db.session.commit()
    auth.as_user(world.network_mentee)
    post_comment(client, plan, section, "A remark")
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.mentor.id}


# A network member comments but finds no way to edit --------------------------------------


EDITOR_WRITES = [
    # (endpoint, URL arguments beyond the plan's, form)
    ("plans.edit_section", {}, {"title": "Forged", "body": "Forged text"}),
    ("plans.translate", {"lang": "fr"}, {"title": "Forgé", "body": "Texte forgé"}),
    ("plans.add_section", None, {"title": "Forged section"}),
    ("plans.move_section", {}, {"direction": "down"}),
]


@pytest.mark.parametrize("role", ["network_mentor", "network_mentee"])
def test_a_network_member_comments_but_cannot_edit(app, client, auth, world, plan, section, role):
    head = services.text_for(section, "en").current_revision_id
    auth.as_user(getattr(world, role))
    assert post_comment(client, plan, section, "A fair remark").status_code == 303
    page = client.get(plan_url(plan)).text
    assert "Add a comment" in page and "A fair remark" in page
    with app.test_request_context():
        edit_url = url_for(
            "plans.edit_section", pair_id=plan.pair_id, plan_id=plan.id, section_id=section.id
        )
    assert edit_url not in page and ">Edit<" not in page and "Add a section" not in page

    revisions = db.session.scalar(select(func.count()).select_from(SectionRevision))
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for endpoint, extra, form in EDITOR_WRITES:
        assert endpoint in endpoints, endpoint
        with app.test_request_context():
            if extra is None:
                url = url_for(endpoint, pair_id=plan.pair_id, plan_id=plan.id)
            else:
                url = url_for(
                    endpoint, pair_id=plan.pair_id, plan_id=plan.id, section_id=section.id, **extra
                )
        data = {**form, "base_revision_id": head, "source_revision_id": head, "lang": "en"}
        for headers in ({}, HX):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code == 403, (endpoint, response.status_code)
    assert db.session.scalar(select(func.count()).select_from(SectionRevision)) == revisions
    assert len(plan.sections) == 8


# Loading the plan page ------------------------------------------------------------------


def _comment_many(plan, world, count):
    sections = plan.sections
    for i in range(count):
        section = sections[i % len(sections)]
        top = comments.add_comment(section, world.network_mentor, f"Remark {i}", "en")
        if i % 2:
            comments.add_comment(section, world.mentee, f"Reply {i}", "en", parent=top)
        if i % 3 == 0:
            comments.set_resolved(top, world.mentor, True)
    db.session.commit()


def test_the_page_loads_comments_in_a_fixed_number_of_queries(app, client, auth, world):
    counts = []
    for count in (5, 50):
        plan = services.create_plan(world.pair, f"Plan {count}", "en", world.mentor)
        db.session.commit()
        _comment_many(plan, world, count)
        auth.as_user(world.mentee)
        client.get(plan_url(plan))  # warm up
        with app.test_request_context():
            assert plan.title  # loaded: only the comments' own queries are counted
            with count_queries(app) as extra_statements:
                data = comments.comments_extra(plan, "en")
        assert (
            sum(len(t.replies) + 1 for ts in data["comments_by_section"].values() for t in ts)
            == count + count // 2
        )
        with count_queries(app) as statements:
            page = client.get(plan_url(plan))
        assert page.status_code == 200 and f"Remark {count - 1}" in page.text
        counts.append((len(extra_statements), len(statements)))
    assert counts[0] == counts[1]
    assert counts[0][0] == 1
