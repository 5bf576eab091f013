"""Plans and sections: creating, reading in a language, editing with revisions, merges and
conflicts, CSRF and session expiry, presence, history, diff, restore, query counts."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import count_queries
from workspace import db
from workspace.models import (
    Activity,
    ActivityKind,
    Plan,
    PlanSection,
    PlanStatus,
    RevisionOrigin,
    SectionComment,
    SectionKind,
    SectionPresence,
    SectionRevision,
    utcnow,
)
from workspace.plans import merge, services


def _plan(world, title="Plan for a city for all"):
    plan = services.create_plan(world.pair, title, "en", world.mentor)
    db.session.commit()
    return plan


def _source(plan, position=0):
    section = plan.sections[position]
    return section, services.text_for(section, plan.language)


FROM_PLAN = re.compile(r'\bFROM "?plan"?\s')  # quoted on SQLite, not on PostgreSQL


def _url(plan, suffix=""):
    return f"/pairs/{plan.pair_id}/plans/{plan.id}{suffix}"


def _edit_url(plan, section):
    return _url(plan, f"/sections/{section.id}/edit")


def _save(client, plan, section, base, title, body, **extra):
    data = {"title": title, "body": body, "base_revision_id": base, "lang": "en", **extra}
    return client.post(_edit_url(plan, section), data=data)


# Merge ----------------------------------------------------------------------------------

BASE = "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."


def test_edits_to_different_paragraphs_merge():
    mine = BASE.replace("First", "My first")
    theirs = BASE.replace("Third", "Their third")
    result = merge.three_way(BASE, mine, theirs)
    assert result.clean
    assert result.text == "My first paragraph.\n\nSecond paragraph.\n\nTheir third paragraph."
    # a final newline on all sides is kept
    assert merge.three_way("a\n", "b\n", "a\n").text == "b\n"
    assert merge.three_way("a\n\nb\n", "A\n\nb\n", "a\n\nB\n").text == "A\n\nB\n"


def test_edits_to_the_same_paragraph_conflict():
    mine = BASE.replace("Second", "My second")
    theirs = BASE.replace("Second", "Their second")
    assert not merge.three_way(BASE, mine, theirs).clean


def test_the_same_change_on_both_sides_is_taken_once():
    both = BASE.replace("Second", "Shared second")
    assert merge.three_way(BASE, both, both).text == both


def test_title_rules():
    assert merge.three_way_title("Risks", "Risks", "Main risks") == "Main risks"
    assert merge.three_way_title("Risks", "Our risks", "Risks") == "Our risks"
    assert merge.three_way_title("Risks", "Same", "Same") == "Same"
    assert merge.three_way_title("Risks", "Ours", "Theirs") is None


def test_word_diff_shows_a_changed_word_alone():
    pieces = merge.word_diff("The city opens a centre.", "The city opens a new centre.")
    assert [(p.op, p.text) for p in pieces if p.op != "equal"] == [("insert", "new ")]
    assert "".join(p.text for p in pieces if p.op != "delete") == "The city opens a new centre."
    assert not merge.changed(merge.word_diff("same", "same"))


# Services -------------------------------------------------------------------------------


def test_a_new_plan_follows_the_outline_with_empty_first_revisions(app, world):
    plan = _plan(world)
    assert [s.kind for s in plan.sections] == list(services.OUTLINE)
    section, text = _source(plan)
    assert text.current_revision.title == "Context and needs"
    assert text.current_revision.origin is RevisionOrigin.CREATED
    assert text.current_revision.body == ""


def test_save_unchanged_makes_no_revision(app, world):
    plan = _plan(world)
    _section, text = _source(plan)
    head = text.current_revision
    result = services.save_text(
        text, base_revision_id=head.id, title=head.title, body="\r\n", author=world.mentee
    )
    assert result.status == "unchanged"
    assert db.session.scalar(select(func.count(SectionRevision.id))) == len(plan.sections)


def test_save_merge_and_conflict(app, world):
    plan = _plan(world)
    _section, text = _source(plan)
    base = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body=BASE,
        author=world.mentor,
    ).revision
    first = services.save_text(
        text,
        base_revision_id=base.id,
        title="Context",
        body=BASE.replace("First", "Mentor's first"),
        author=world.mentor,
    )
    assert first.status == "saved" and first.revision.parent_id == base.id
    second = services.save_text(
        text,
        base_revision_id=base.id,
        title="Context",
        body=BASE.replace("Third", "Mentee's third"),
        author=world.mentee,
    )
    assert second.status == "merged"
    assert second.revision.origin is RevisionOrigin.MERGE
    assert second.revision.parent_id == first.revision.id
    assert "Mentor's first" in second.revision.body and "Mentee's third" in second.revision.body
    third = services.save_text(
        text,
        base_revision_id=base.id,
        title="Context",
        body=BASE.replace("First", "Partner's first"),
        author=world.partner,
    )
    assert third.conflict and third.revision is None
    assert third.head.id == second.revision.id
    db.session.commit()
    assert text.current_revision_id == second.revision.id


def test_read_plan_states_and_default_language(app, world):
    plan = _plan(world)
    section, text = _source(plan)
    old = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body="One.",
        author=world.mentor,
    ).revision
    french = services.text_or_new(section, "fr")
    services.save_text(
        french,
        base_revision_id=None,
        title="Contexte",
        body="Un.",
        author=world.mentee,
        source_revision_id=old.id,
    )
    db.session.commit()
    read = services.read_plan(plan, "fr")
    assert [r.state for r in read[:2]] == ["current", "missing"]
    assert read[0].language == "fr" and read[1].language == "en"
    services.save_text(
        text, base_revision_id=old.id, title="Context", body="One. Two.", author=world.mentor
    )
    assert services.read_plan(plan, "fr")[0].state == "outdated"
    assert services.default_language(plan, "fr") == "fr"
    assert services.default_language(plan, "de") == "en"


def test_sections_move_add_and_only_custom_ones_go(app, world):
    plan = _plan(world)
    first, second = plan.sections[0], plan.sections[1]
    assert services.move_section(second, -1)
    last = max(plan.sections, key=lambda s: s.position)
    assert not services.move_section(last, +1)
    db.session.commit()
    db.session.expire_all()
    assert plan.sections[0].id == second.id and plan.sections[1].id == first.id
    custom = services.add_section(plan, SectionKind.CUSTOM, "Communication", world.mentor)
    db.session.commit()
    assert plan.sections[-1].id == custom.id
    services.remove_section(custom)
    db.session.commit()
    assert db.session.get(PlanSection, custom.id) is None
    with pytest.raises(Exception):  # noqa: B017 (abort(400))
        services.remove_section(first)


def test_revision_activity_is_coalesced_per_section_and_author(app, world):
    plan = _plan(world)
    for _ in range(3):
        services.record_revision(plan, "Risks", world.mentor)
        db.session.flush()
    services.record_revision(plan, "Vision", world.mentor)
    services.record_revision(plan, "Risks", world.mentee)
    db.session.flush()
    entries = db.session.scalars(
        select(Activity).where(Activity.kind == ActivityKind.PLAN_REVISED)
    ).all()
    assert len(entries) == 3
    for entry in entries:
        entry.created_at = utcnow() - timedelta(minutes=11)
    services.record_revision(plan, "Risks", world.mentor)
    db.session.flush()
    assert (
        db.session.scalar(
            select(func.count(Activity.id)).where(Activity.kind == ActivityKind.PLAN_REVISED)
        )
        == 4
    )


# Pages ----------------------------------------------------------------------------------


def test_create_a_plan_through_the_form(client, auth, world):
    auth.as_user(world.mentee)
    page = client.get(f"/pairs/{world.pair.id}/plans")
    assert "Start a new plan" in page.text
    response = client.post(
        f"/pairs/{world.pair.id}/plans", data={"title": "Housing for all", "language": "fr"}
    )
    assert response.status_code == 303
    plan = db.session.scalar(select(Plan))
    assert plan.language == "fr" and plan.status is PlanStatus.DRAFT
    assert response.location.endswith(_url(plan))
    first = plan.sections[0].texts[0].current_revision.title
    assert first == services.outline_title(SectionKind.CONTEXT, "fr")  # in the plan's language
    assert db.session.scalar(select(Activity.kind)) is ActivityKind.PLAN_CREATED
    listing = client.get(f"/pairs/{world.pair.id}/plans")
    assert "Housing for all" in listing.text
    # a language the pair does not work in is refused
    bad = client.post(f"/pairs/{world.pair.id}/plans", data={"title": "X", "language": "de"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text


def test_network_members_read_without_edit_links(client, auth, world):
    plan = _plan(world)
    auth.as_user(world.network_mentee)
    page = client.get(_url(plan))
    assert page.status_code == 200
    assert "Context and needs" in page.text
    assert (
        "/edit" not in page.text
        and "Start a new plan" not in client.get(f"/pairs/{world.pair.id}/plans").text
    )


def test_plan_page_reads_in_a_language_with_markers(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body="Our **city**.",
        author=world.mentor,
    )
    db.session.commit()
    auth.as_user(world.mentor)
    english = client.get(_url(plan))
    assert '<div class="plan-section__body prose" hx-disable lang="en"><p>Our <strong>city' in (
        english.text
    )
    assert "Not yet translated" not in english.text
    french = client.get(_url(plan, "?lang=fr"))
    assert "Not yet translated" in french.text
    assert 'aria-current="true">Français' in french.text
    assert client.get(_url(plan, "?lang=de")).status_code == 404
    world.mentor.locale = "fr"
    db.session.commit()
    assert 'aria-current="true">Français' in client.get(_url(plan)).text


def test_plan_page_calls_the_extras(client, auth, world, app):
    from workspace.plans import PLAN_PAGE_EXTRAS

    plan = _plan(world)
    calls = []

    def extra(p, language):
        calls.append((p.id, language))
        return {"plan_statuses": {s: f"Status {s.value} from an extra" for s in PlanStatus}}

    PLAN_PAGE_EXTRAS.append(extra)
    try:
        auth.as_user(world.mentor)
        page = client.get(_url(plan, "?lang=fr"))
    finally:
        PLAN_PAGE_EXTRAS.remove(extra)
    assert calls == [(plan.id, "fr")]
    assert page.status_code == 200 and "Status draft from an extra" in page.text


def test_edit_save_records_a_revision_and_activity(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    auth.as_user(world.mentee)
    page = client.get(_edit_url(plan, section))
    assert f'name="base_revision_id" type="hidden" value="{text.current_revision_id}"' in page.text
    assert "section-presence" in page.text
    response = _save(client, plan, section, text.current_revision_id, "Context", "Hello.")
    assert response.status_code == 303
    assert response.location.endswith(_url(plan, f"?lang=en#section-{section.id}"))
    db.session.expire_all()
    head = text.current_revision
    assert head.body == "Hello." and head.author_id == world.mentee.id
    assert head.origin is RevisionOrigin.EDIT
    followed = client.get(_url(plan, "?lang=en"))
    assert "“Context” saved." in followed.text
    # the page tells the browser to forget the draft it kept
    assert f'data-forget-drafts="plan-draft:{section.id}:en:{head.parent_id}"' in followed.text
    assert db.session.scalar(select(Activity.kind).where(Activity.subject_type == "plan")) in (
        ActivityKind.PLAN_CREATED,
        ActivityKind.PLAN_REVISED,
    )
    revised = db.session.scalars(
        select(Activity).where(Activity.kind == ActivityKind.PLAN_REVISED)
    ).all()
    assert [a.subject_id for a in revised] == [plan.id]
    # unchanged
    again = _save(client, plan, section, head.id, "Context", "Hello.\n")
    assert again.status_code == 303
    assert "Nothing had changed" in client.get(_url(plan)).text


def test_edit_with_htmx_redirects(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    auth.as_user(world.mentor)
    response = client.post(
        _edit_url(plan, section),
        data={"title": "Context", "body": "x", "base_revision_id": text.current_revision_id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith(f"#section-{section.id}")


def test_merged_save_tells_the_user(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    base = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body=BASE,
        author=world.mentor,
    ).revision
    services.save_text(
        text,
        base_revision_id=base.id,
        title="Context",
        body=BASE.replace("First", "Mentor's first"),
        author=world.mentor,
    )
    db.session.commit()
    auth.as_user(world.mentee)
    response = _save(client, plan, section, base.id, "Context", BASE.replace("Third", "My third"))
    assert response.status_code == 303
    page = client.get(_url(plan))
    assert "Mona Mentor saved “Context” while you were editing" in page.text
    db.session.expire_all()
    assert text.current_revision.body == BASE.replace("First", "Mentor's first").replace(
        "Third", "My third"
    )
    assert "My third" in page.text


def test_conflict_shows_both_versions_and_resolves(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    base = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body=BASE,
        author=world.mentor,
    ).revision
    theirs = services.save_text(
        text,
        base_revision_id=base.id,
        title="Context",
        body=BASE.replace("Second", "Their second"),
        author=world.mentor,
    ).revision
    db.session.commit()
    auth.as_user(world.mentee)
    mine = BASE.replace("Second", "My second").replace("\n", "\r\n")  # as browsers send it
    response = _save(client, plan, section, base.id, "Context", mine)
    assert response.status_code == 409
    page = response.text
    assert "\r" not in page.split('class="section-editor"')[0]  # versions and diff
    assert "Their version" in page and "Your version" in page
    assert "Mona Mentor saved this section" in page
    assert "<del>" in page and "<ins>" in page
    assert f'name="base_revision_id" type="hidden" value="{theirs.id}"' in page
    assert 'name="resolve" type="hidden" value="1"' in page
    assert f'data-draft-replaces="plan-draft:{section.id}:en:{base.id}"' in page
    assert "My second paragraph." in page  # the form holds the user's text
    db.session.expire_all()
    assert text.current_revision_id == theirs.id  # nothing written
    combined = BASE.replace("Second", "Their second and my second")
    done = _save(client, plan, section, theirs.id, "Context", combined, resolve="1")
    assert done.status_code == 303
    db.session.expire_all()
    head = text.current_revision
    assert head.body == combined and head.origin is RevisionOrigin.RESOLVE
    assert head.parent_id == theirs.id


def test_preview_with_and_without_htmx(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    auth.as_user(world.mentor)
    data = {
        "title": "Context",
        "body": "**bold** <script>x</script>",
        "base_revision_id": text.current_revision_id,
        "action": "preview",
    }
    plain = client.post(_edit_url(plan, section), data=data)
    assert plain.status_code == 200 and "<html" in plain.text
    assert "<strong>bold</strong>" in plain.text and "<script>x" not in plain.text
    partial = client.post(
        _url(plan, f"/sections/{section.id}/preview"), data=data, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text and "<strong>bold</strong>" in partial.text
    assert "hx-disable" in partial.text
    db.session.expire_all()
    assert text.current_revision.body == ""  # a preview saves nothing


def test_invalid_save_keeps_the_text(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    auth.as_user(world.mentor)
    response = _save(client, plan, section, text.current_revision_id, "", "Long careful text")
    assert response.status_code == 200
    assert "Long careful text" in response.text and 'aria-invalid="true"' in response.text


def test_a_signed_out_save_gives_the_text_back(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    auth.as_user(world.mentor)
    world.mentor.end_all_sessions()  # signed out on all devices while editing
    db.session.commit()
    response = _save(client, plan, section, text.current_revision_id, "Context", "Precious text")
    assert response.status_code == 401
    assert "Precious text" in response.text
    key = f"plan-draft:{section.id}:en:{text.current_revision_id}"
    assert f'data-draft-key="{key}"' in response.text
    assert "next=" in response.text and "/edit" in response.text
    db.session.expire_all()
    assert text.current_revision.body == ""
    # a GET still goes to the sign-in page
    assert client.get(_edit_url(plan, section)).status_code == 302


def test_a_save_after_the_plan_left_the_draft_stage_gives_the_text_back(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    auth.as_user(world.mentor)
    assert client.get(_edit_url(plan, section)).status_code == 200
    plan.status = PlanStatus.IN_REVIEW  # submitted while the mentor types
    db.session.commit()
    response = _save(client, plan, section, text.current_revision_id, "Context", "My paragraph")
    assert response.status_code == 409
    assert "left the draft stage" in response.text and "My paragraph" in response.text
    db.session.expire_all()
    assert text.current_revision.body == ""
    assert client.get(_edit_url(plan, section)).status_code == 403
    auth.as_user(world.network_mentor)  # a forged save by a reader is simply refused
    assert _save(client, plan, section, text.current_revision_id, "X", "Y").status_code == 403


def test_an_expired_csrf_token_gives_the_editor_back(app, client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    data = {
        "csrf_token": "expired-token",
        "title": "Context",
        "body": "Typed for an hour",
        "base_revision_id": text.current_revision_id,
        "action": "save",
        "lang": "en",
    }
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        auth.as_user(world.mentor)
        response = client.post(_edit_url(plan, section), data=data)
        assert response.status_code == 200
        assert "security token had expired" in response.text
        assert "Typed for an hour" in response.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
        assert token != "expired-token"
        # other plan forms answer a plain 400
        assert client.post(_url(plan, "/sections"), data={"title": "x"}).status_code == 400
        # with the fresh token the save goes through
        response = client.post(_edit_url(plan, section), data={**data, "csrf_token": token})
        assert response.status_code == 303
        db.session.expire_all()
        assert text.current_revision.body == "Typed for an hour"
        # signed out, no session at all: the text comes back too
        auth.as_user(None)
        lost = client.post(_edit_url(plan, section), data={**data, "body": "More text"})
        assert lost.status_code == 401 and "More text" in lost.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_presence_heartbeat_and_leave(client, auth, world):
    plan = _plan(world)
    section, _text = _source(plan)
    presence_url = _url(plan, f"/sections/{section.id}/presence?lang=en")
    auth.as_user(world.mentee)
    assert "Also editing" not in client.post(presence_url).text
    auth.as_user(world.mentor)
    seen = client.post(presence_url, headers={"HX-Request": "true"})
    assert "Also editing this section: Manu Mentee" in seen.text
    assert "<html" not in seen.text
    assert "Manu Mentee" in client.get(_edit_url(plan, section)).text
    # the mentee leaves
    auth.as_user(world.mentee)
    assert client.post(_url(plan, f"/sections/{section.id}/presence/leave")).status_code == 204
    auth.as_user(world.mentor)
    assert "Manu Mentee" not in client.post(presence_url).text
    # a stale heartbeat counts as gone
    auth.as_user(world.mentee)
    client.post(presence_url)
    row = db.session.scalar(
        select(SectionPresence).where(SectionPresence.user_id == world.mentee.id)
    )
    row.seen_at = utcnow() - timedelta(seconds=45)
    db.session.commit()
    auth.as_user(world.mentor)
    assert "Manu Mentee" not in client.post(presence_url).text
    assert db.session.scalar(select(func.count(SectionPresence.id))) == 2


def test_history_diff_and_restore(client, auth, world):
    plan = _plan(world)
    section, text = _source(plan)
    first = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body="The city opens a centre.",
        author=world.mentor,
    ).revision
    second = services.save_text(
        text,
        base_revision_id=first.id,
        title="Context",
        body="The city opens a new centre.",
        author=world.mentee,
    ).revision
    db.session.commit()
    auth.as_user(world.network_mentor)  # readers see history and diffs
    history = client.get(_url(plan, f"/sections/{section.id}/history"))
    assert history.status_code == 200
    assert "Manu Mentee" in history.text and "Mona Mentor" in history.text
    assert "Restore" not in history.text
    diff = client.get(_url(plan, f"/sections/{section.id}/diff?from={first.id}&to={second.id}"))
    assert "new " in diff.text and "<ins>" in diff.text
    # reversed order is shown from older to newer
    reverse = client.get(_url(plan, f"/sections/{section.id}/diff?from={second.id}&to={first.id}"))
    assert reverse.text.count("<ins>") == diff.text.count("<ins>")
    assert client.get(_url(plan, f"/sections/{section.id}/diff?to=999999")).status_code == 404
    auth.as_user(world.mentor)
    assert "Restore" in client.get(_url(plan, f"/sections/{section.id}/history")).text
    restored = client.post(_url(plan, f"/sections/{section.id}/revisions/{first.id}/restore"))
    assert restored.status_code == 303
    db.session.expire_all()
    head = text.current_revision
    assert head.body == first.body and head.origin is RevisionOrigin.RESTORE
    assert head.parent_id == second.id
    # not on a plan in review
    plan.status = PlanStatus.IN_REVIEW
    db.session.commit()
    assert (
        client.post(_url(plan, f"/sections/{section.id}/revisions/{second.id}/restore"))
    ).status_code == 403


def test_add_move_remove_sections_through_the_page(client, auth, world):
    plan = _plan(world)
    auth.as_user(world.partner)
    response = client.post(_url(plan, "/sections"), data={"title": "Communication"})
    assert response.status_code == 303
    custom = db.session.scalars(
        select(PlanSection).where(PlanSection.kind == SectionKind.CUSTOM)
    ).one()
    page = client.get(_url(plan))
    assert "Communication" in page.text and "Remove" in page.text
    assert page.text.count(">Edit<") == len(plan.sections)
    client.post(_url(plan, f"/sections/{custom.id}/move"), data={"direction": "up"})
    db.session.expire_all()
    assert plan.sections[-2].id == custom.id
    assert (
        client.post(_url(plan, f"/sections/{plan.sections[0].id}/delete")).status_code == 400
    )  # the outline's sections stay
    custom_id = custom.id
    assert client.post(_url(plan, f"/sections/{custom_id}/delete")).status_code == 303
    db.session.expire_all()
    assert db.session.get(PlanSection, custom_id) is None


# Query counts ---------------------------------------------------------------------------


def _big_plan(world, sections: int, revisions: int):
    plan = services.create_plan(world.pair, f"Plan with {sections}", "en", world.mentor)
    for number in range(len(plan.sections), sections):
        services.add_section(plan, SectionKind.CUSTOM, f"Section {number}", world.mentor)
    db.session.flush()
    for section in plan.sections:
        text = services.text_for(section, "en")
        for n in range(revisions):
            services.save_text(
                text,
                base_revision_id=text.current_revision_id,
                title=f"Title {n}",
                body=f"Body {n} of {section.id}",
                author=world.mentee if n % 2 else world.mentor,
            )
        french = services.text_or_new(section, "fr")
        services.save_text(
            french,
            base_revision_id=None,
            title="Titre",
            body="Corps",
            author=world.mentee,
            source_revision_id=text.current_revision_id,
        )
    db.session.commit()
    return plan


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_plan_page_runs_the_same_queries_for_10_and_100_sections(
    app, client, auth, world, language
):
    small, large = _big_plan(world, 10, 2), _big_plan(world, 100, 4)
    auth.as_user(world.mentor)
    counts = []
    for plan in (small, large):
        url = _url(plan, f"?lang={language}")
        client.get(url)  # warm caches (Babel, templates)
        with count_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # The plan, its pair and the pair's cities in one statement (no second load of the pair,
    # no lazy loads of the cities for the title and nav); the sections with their texts in one.
    assert [q for q in statements if q.lstrip().startswith("SELECT organisation")] == []
    assert sum(1 for q in statements if FROM_PLAN.search(q)) == 1
    assert sum(1 for q in statements if "FROM plan_section" in q) == 1


def test_the_plan_page_of_an_adopted_plan_links_to_the_next_version_without_a_query(
    app, client, auth, world
):
    plan = services.create_plan(world.pair, "Adopted", "en", world.mentor)
    plan.status = PlanStatus.ADOPTED
    db.session.commit()
    auth.as_user(world.mentor)
    url = _url(plan)
    client.get(url)
    with count_queries(app) as before:
        client.get(url)
    follow = services.start_new_version(plan, world.mentor)
    db.session.commit()
    following = f'href="{_url(follow)}"'
    with count_queries(app) as statements:
        page = client.get(url)
    assert page.status_code == 200
    assert following in page.text
    assert len(statements) == len(before)
    assert sum(1 for q in statements if FROM_PLAN.search(q)) == 1  # with the plan


def test_the_history_page_is_bounded(app, client, auth, world):
    plan = services.create_plan(world.pair, "History", "en", world.mentor)
    db.session.flush()
    section, text = _source(plan)
    counts = []
    auth.as_user(world.mentor)
    for total in (3, 80):
        while (
            db.session.scalar(
                select(func.count(SectionRevision.id)).where(SectionRevision.text_id == text.id)
            )
            < total
        ):
            services.save_text(
                text,
                base_revision_id=text.current_revision_id,
                title="T",
                body=f"Body {utcnow().isoformat()}",
                author=world.mentee,
            )
            db.session.flush()
        db.session.commit()
        with count_queries(app) as statements:
            page = client.get(_url(plan, f"/sections/{section.id}/history"))
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert page.text.count('name="to"') == services.HISTORY_PAGE
    older = re.search(r'href="([^"]*before=\d+)"', page.text).group(1).replace("&amp;", "&")
    rest = client.get(older)
    assert rest.text.count('name="to"') == services.HISTORY_PAGE
    shown = re.findall(r'id="revision-(\d+)"', page.text + rest.text)
    assert len(set(shown)) == 2 * services.HISTORY_PAGE  # keyset pages do not overlap


# Demo -----------------------------------------------------------------------------------


def test_the_demo_plans(app):
    from workspace.demo import load
    from workspace.plans.actions import coverage_rows, plan_actions, uncovered_first

    load()
    revisions_before = db.session.scalar(select(func.count(SectionRevision.id)))
    load()  # idempotent
    assert db.session.scalar(select(func.count(SectionRevision.id))) == revisions_before
    plans = db.session.scalars(select(Plan).order_by(Plan.id)).all()
    assert len(plans) == 4
    for plan in plans:
        assert plan.status is PlanStatus.DRAFT
        assert plan.language == plan.pair.working_languages[0]
        read = services.read_plan(plan, plan.language)
        written = [r for r in read if r.revision.body]
        assert len(written) >= 3
        authors = db.session.scalars(
            select(SectionRevision.author_id)
            .join(SectionRevision.text)
            .join(PlanSection)
            .where(PlanSection.plan_id == plan.id, SectionRevision.body != "")
            .distinct()
        ).all()
        assert len(authors) >= 2
        comments = db.session.scalar(
            select(func.count(SectionComment.id))
            .join(PlanSection)
            .where(PlanSection.plan_id == plan.id)
        )
        assert 2 <= comments <= 3
        if len(plan.pair.working_languages) > 1:
            states = [r.state for r in services.read_plan(plan, plan.pair.working_languages[1])]
            assert "outdated" in states and "current" in states
        # Actions address rated key factors; at least one prioritised gap is left uncovered.
        actions = plan_actions(plan)
        assert len(actions) == 2 and all(a.key_factors and a.lead_organisation for a in actions)
        rows = coverage_rows(plan, plan.language)
        assert any(r.actions and r.is_gap for r in rows)
        assert uncovered_first(rows)
