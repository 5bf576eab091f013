"""Benchmarks, the glossary, and a pair's self-assessment with its chart."""

import re

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select

from conftest import count_queries, make_pair
from workspace import db
from workspace.benchmarks import services
from workspace.benchmarks.content import LANGUAGES, benchmark_files, load_content
from workspace.demo import load as load_demo
from workspace.models import (
    Activity,
    ActivityKind,
    AssessmentRating,
    GlossaryTerm,
    KeyFactor,
    KeyFactorText,
    MentoringTheme,
    Pair,
    Priority,
    Rating,
)


@pytest.fixture
def content(app):
    load_content()
    db.session.commit()


def _factors(theme=MentoringTheme.CITY_FOR_ALL) -> list[KeyFactor]:
    return services.key_factors(theme)


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?=\s|$)", text))


def _form(factor, rating="emerging", target="fully", priority="high", evidence="", lang="en"):
    prefix = f"f{factor.id}-"
    return {
        prefix + "rating": rating,
        prefix + "target": target,
        prefix + "priority": priority,
        prefix + "evidence": evidence,
        prefix + "language": lang,
    }


def _ratings(pair, factor=None) -> list[AssessmentRating]:
    query = select(AssessmentRating).where(AssessmentRating.pair_id == pair.id)
    if factor is not None:
        query = query.where(AssessmentRating.key_factor_id == factor.id)
    return list(db.session.scalars(query.order_by(AssessmentRating.id)))


# Content ------------------------------------------------------------------------------


def test_each_theme_has_6_to_10_key_factors_in_four_languages(content):
    for theme, data in benchmark_files().items():
        factors = _factors(theme)
        assert 6 <= len(factors) <= 10, theme
        assert [f.code for f in factors] == [kf["code"] for kf in data["key_factors"]]
        for factor in factors:
            assert factor.code.startswith(f"{theme.value}.")
            texts = {t.language: t for t in factor.texts}
            assert set(texts) == set(LANGUAGES), factor.code
            for language, text in texts.items():
                assert text.title.strip(), (factor.code, language)
                assert 3 <= _sentences(text.why_how) <= 5, (factor.code, language)
                assert 3 <= len(text.questions) <= 5, (factor.code, language)
                assert all(q.rstrip().endswith("?") for q in text.questions)
            # translations, not copies of the English text
            for language in ("fr", "nl", "it"):
                assert texts[language].title != texts["en"].title, (factor.code, language)
                assert texts[language].why_how != texts["en"].why_how, (factor.code, language)
            assert len({len(t.questions) for t in texts.values()}) == 1, factor.code


def test_the_glossary_has_every_concept_in_four_languages(content):
    rows = db.session.scalars(select(GlossaryTerm)).all()
    concepts = {}
    for row in rows:
        concepts.setdefault(row.concept, {})[row.language] = row
    assert 22 <= len(concepts) <= 30
    for concept, by_language in concepts.items():
        assert set(by_language) == set(LANGUAGES), concept
        assert all(t.term and t.definition.endswith(".") for t in by_language.values())
    assert concepts["third_country_national"]["fr"].term == "ressortissant de pays tiers"
    assert concepts["one_stop_shop"]["it"].term == "sportello unico"


def test_loading_again_adds_nothing_and_restores_edited_words(content):
    text = db.session.scalar(
        select(KeyFactorText).where(KeyFactorText.language == "nl").order_by(KeyFactorText.id)
    )
    original = text.title
    text.title = "Iemand heeft dit veranderd"
    factor = text.key_factor
    factor.position = 99
    before = db.session.scalar(select(func.count()).select_from(KeyFactorText))
    counts = load_content()
    db.session.commit()
    assert counts == {"key factors": 0, "key factor texts": 0, "glossary terms": 0}
    assert db.session.scalar(select(func.count()).select_from(KeyFactorText)) == before
    db.session.refresh(text)
    assert text.title == original and factor.position != 99


def test_the_content_load_command(app, runner):
    result = runner.invoke(args=["content", "load"])
    assert result.exit_code == 0, result.output
    assert "28 key factors, 112 key factor texts" in result.output
    assert db.session.scalar(select(func.count()).select_from(KeyFactor)) == 28
    again = runner.invoke(args=["content", "load"])
    assert "0 key factors, 0 key factor texts, 0 glossary terms created" in again.output


# Reading a benchmark ------------------------------------------------------------------


def test_a_benchmark_reads_in_the_ui_language_with_english_fallback(client, auth, world, content):
    world.mentor.locale = "fr"
    auth.as_user(world.mentor)
    page = client.get("/benchmarks/employment")
    assert page.status_code == 200
    assert "Des qualifications et des compétences reconnues" in page.text
    assert "Quels secteurs locaux ont des postes" in page.text
    assert 'lang="fr"' in page.text

    # A language missing for one key factor: that factor falls back to English, marked so.
    factor = _factors(MentoringTheme.EMPLOYMENT)[0]
    db.session.delete(next(t for t in factor.texts if t.language == "fr"))
    db.session.commit()
    page = client.get("/benchmarks/employment")
    assert (
        '<h2 id="employment-labour_market_picture-heading" lang="en">1. A picture of the local '
        "labour market" in page.text
    )
    assert client.get("/benchmarks/nonsense").status_code == 404
    assert "/benchmarks/needs_assessment" in client.get("/benchmarks").text


# Rating -------------------------------------------------------------------------------


def test_a_core_member_rates_and_the_history_is_kept(client, auth, world, content):
    factor = _factors()[0]
    auth.as_user(world.mentee)
    url = f"/pairs/{world.pair.id}/assessment/{factor.id}"
    first = client.post(url, data=_form(factor, evidence="Only a draft vision so far."))
    assert first.status_code == 303
    assert first.location.endswith(f"/pairs/{world.pair.id}/assessment#factor-{factor.id}")
    [rating] = _ratings(world.pair)
    assert (rating.rating, rating.target, rating.priority) == (
        Rating.EMERGING,
        Rating.FULLY,
        Priority.HIGH,
    )
    assert rating.author_id == world.mentee.id and rating.language == "en"
    activity = db.session.scalar(select(Activity).where(Activity.pair_id == world.pair.id))
    assert activity.kind is ActivityKind.ASSESSMENT_UPDATED
    assert (activity.subject_type, activity.subject_id) == ("assessment", factor.id)
    assert activity.title == factor.text("en").title

    # The same values again: no new row, and the user is told.
    same = client.post(url, data=_form(factor, evidence="Only a draft vision so far."))
    assert same.status_code == 303 and len(_ratings(world.pair)) == 1
    assert "nothing changed" in client.get(same.location).text

    # A change: a new row; the earlier one stays as history.
    auth.as_user(world.consultant)
    client.post(url, data=_form(factor, rating="partly", evidence="Council adopted it."))
    old, new = _ratings(world.pair)
    assert (old.rating, new.rating) == (Rating.EMERGING, Rating.PARTLY)
    assert services.current_ratings(world.pair) == {factor.id: new}
    page = client.get(f"/pairs/{world.pair.id}/assessment")
    assert "Rated by Cora Consultant" in page.text
    assert "1 earlier rating" in page.text and "Only a draft vision so far." in page.text
    section = lxml_html.fromstring(page.text).get_element_by_id(f"factor-{factor.id}")
    assert (
        section.xpath(".//dd[contains(@class, 'rating--partly')]")[0].text_content()
        == "Partly in place"
    )

    # The timeline tells it and links to the key factor.
    timeline = client.get(f"/pairs/{world.pair.id}/timeline")
    assert "Cora Consultant rated the key factor" in timeline.text
    assert f"/pairs/{world.pair.id}/assessment#factor-{factor.id}" in timeline.text


def test_an_htmx_rating_answers_the_updated_block(client, auth, world, content):
    factor = _factors()[1]
    auth.as_user(world.partner)
    response = client.post(
        f"/pairs/{world.pair.id}/assessment/{factor.id}",
        data=_form(factor, rating="partly", target="fully"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert 'hx-swap-oob="innerHTML:#assessment-status"' in response.text
    assert "rated." in response.text
    assert f'data-key-factor="{factor.code}"\n     data-current="partly"' in response.text
    # the form just used stays open, so the focus can stay on its button
    assert re.search(
        rf'<details class="factor__form" open>\s*<summary id="factor-{factor.id}-rate"',
        response.text,
    )
    assert len(_ratings(world.pair)) == 1


@pytest.mark.parametrize("role", ["network_mentor", "network_mentee", "admin"])
def test_who_may_not_assess_sees_no_form_and_is_refused(client, auth, world, content, role):
    factor = _factors()[0]
    auth.as_user(getattr(world, role))
    page = client.get(f"/pairs/{world.pair.id}/assessment")
    assert page.status_code == 200
    assert (
        "Save the rating" not in page.text and '<form method="post" action="/pairs' not in page.text
    )
    forged = client.post(f"/pairs/{world.pair.id}/assessment/{factor.id}", data=_form(factor))
    assert forged.status_code == 403
    assert _ratings(world.pair) == []


def test_outsiders_and_other_themes_are_not_found(client, auth, world, content):
    auth.as_user(world.other_pair_member)
    factor = _factors()[0]
    assert client.get(f"/pairs/{world.pair.id}/assessment").status_code == 404
    assert client.post(f"/pairs/{world.pair.id}/assessment/{factor.id}").status_code == 404
    # A key factor of another theme cannot be rated in this pair.
    auth.as_user(world.mentor)
    other = _factors(MentoringTheme.EMPLOYMENT)[0]
    response = client.post(f"/pairs/{world.pair.id}/assessment/{other.id}", data=_form(other))
    assert response.status_code == 404 and _ratings(world.pair) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": "emerging", "rating": "fully"}, "The target cannot be below the current"),
        ({"rating": "not_applicable"}, "Mark both the rating and the target as not applicable"),
        ({"rating": "brilliant"}, "Not a valid choice"),
        ({"priority": ""}, "This field is required"),
        ({"lang": "xx"}, "Not a valid choice"),
        ({"evidence": "x" * 5001}, "Field cannot be longer than 5000 characters"),
    ],
)
def test_invalid_ratings_come_back_with_their_errors(
    client, auth, world, content, changes, message
):
    factor = _factors()[2]
    auth.as_user(world.mentor)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(
            f"/pairs/{world.pair.id}/assessment/{factor.id}",
            data=_form(factor, **changes),
            headers=headers,
        )
        assert response.status_code == 200
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
        assert re.search(
            rf'<details class="factor__form" open>\s*<summary id="factor-{factor.id}-rate"',
            response.text,
        )
    assert _ratings(world.pair) == []


def test_evidence_is_plain_text_in_its_language(client, auth, world, content):
    factor = _factors()[0]
    auth.as_user(world.mentee)
    evidence = '<script>alert("x")</script> **not bold**\nsecond line'
    client.post(
        f"/pairs/{world.pair.id}/assessment/{factor.id}",
        data=_form(factor, evidence=evidence, lang="fr"),
    )
    page = client.get(f"/pairs/{world.pair.id}/assessment").text
    assert "<script>alert" not in page
    assert (
        '<p class="factor__evidence" lang="fr">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; '
        "**not bold**\nsecond line</p>" in page
    )


# The chart ----------------------------------------------------------------------------

SVG_ROWS = "//*[@id='assessment-chart-svg']//*[@class='assessment-chart__row']"
TABLE_ROWS = "//*[@id='assessment-chart-table']/tbody/tr"


def _rate(pair, factor, rating, target, priority=Priority.MEDIUM, author=None):
    db.session.add(
        AssessmentRating(
            pair_id=pair.id,
            key_factor_id=factor.id,
            rating=rating,
            target=target,
            priority=priority,
            author_id=author.id if author else None,
        )
    )


def test_the_chart_and_its_table_show_the_same_values(client, auth, world, content):
    factors = _factors()
    _rate(world.pair, factors[0], Rating.NOT_IN_PLACE, Rating.PARTLY, Priority.HIGH)
    _rate(world.pair, factors[1], Rating.EMERGING, Rating.FULLY)
    _rate(world.pair, factors[1], Rating.PARTLY, Rating.FULLY)  # the newer one counts
    _rate(world.pair, factors[2], Rating.NOT_APPLICABLE, Rating.NOT_APPLICABLE, Priority.LOW)
    _rate(world.pair, factors[3], Rating.FULLY, Rating.FULLY)
    auth.as_user(world.network_mentee)
    page = client.get(f"/pairs/{world.pair.id}/assessment").text
    assert " style=" not in page  # CSP: no inline style anywhere
    doc = lxml_html.fromstring(page)
    svg = doc.get_element_by_id("assessment-chart-svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "assessment-chart-title assessment-chart-desc"
    assert svg.get_element_by_id("assessment-chart-title").text_content().startswith("Current")
    assert "fully in place (3)" in svg.get_element_by_id("assessment-chart-desc").text_content()

    def rows(selector):
        return [
            (e.get("data-key-factor"), e.get("data-current"), e.get("data-target"))
            for e in doc.xpath(selector)
        ]

    expected = [(f.code, "", "") for f in factors]
    expected[0:4] = [
        (factors[0].code, "not_in_place", "partly"),
        (factors[1].code, "partly", "fully"),
        (factors[2].code, "not_applicable", "not_applicable"),
        (factors[3].code, "fully", "fully"),
    ]
    assert rows(SVG_ROWS) == expected
    assert rows(TABLE_ROWS) == expected

    # What people read: the same words in the drawing and in the table.
    svg_rows = doc.xpath(SVG_ROWS)
    table_rows = doc.xpath(TABLE_ROWS)
    assert "Current: Not in place · Target: Partly in place" in svg_rows[0].text_content()
    assert [td.text_content() for td in table_rows[0].xpath("td")] == [
        "Not in place (0/3)",
        "Partly in place (2/3)",
        "High priority",
    ]
    assert "Not applicable" in svg_rows[2].text_content()
    assert [td.text_content() for td in table_rows[2].xpath("td")][:2] == [
        "Not applicable",
        "Not applicable",
    ]
    assert "Not rated yet" in svg_rows[5].text_content()
    assert "Not rated yet" in table_rows[5].text_content()
    # Bars: the current bar of factor 2 reaches "partly", its target "fully".
    current_bar, target_bar = svg_rows[1].xpath(".//rect")
    assert (float(current_bar.get("width")), float(target_bar.get("width"))) == (400.0, 600.0)
    assert svg_rows[2].xpath(".//rect") == []  # not applicable: no bar at all


def test_chart_data_for_other_areas(app, world, content):
    factors = _factors()
    _rate(world.pair, factors[0], Rating.EMERGING, Rating.FULLY, Priority.HIGH)
    db.session.commit()
    with count_queries(app) as statements:
        data = services.chart(world.pair, "nl")
    assert len(statements) == 3  # key factors, their texts, the current ratings
    assert [r.code for r in data.rows] == [f.code for f in factors]
    first = data.rows[0]
    assert first.title == factors[0].text("nl").title and first.language == "nl"
    assert (first.current_score, first.target_score, first.is_gap) == (1, 3, True)
    assert data.rows[1].rating is None and not data.rows[1].is_gap


# Query counts -------------------------------------------------------------------------


def test_the_assessment_page_costs_the_same_with_2_or_20_ratings_per_factor(
    app, client, auth, world, content
):
    factors = _factors()
    small = world.pair
    big = make_pair("Bigtown", "Manyratings", cluster=world.cluster)
    db.session.flush()
    for pair, count in ((small, 2), (big, 20)):
        for factor in factors:
            for i in range(count):
                _rate(
                    pair,
                    factor,
                    Rating.EMERGING,
                    Rating.FULLY if i % 2 else Rating.PARTLY,
                    author=world.mentor if i % 3 else world.mentee,
                )
    db.session.commit()
    auth.as_user(world.consultant)
    counts = []
    for url, history in ((f"/pairs/{small.id}/assessment", 1), (f"/pairs/{big.id}/assessment", 19)):
        with count_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert f"{history} earlier rating" in response.text
        counts.append(len(statements))
    assert counts[0] == counts[1]


# Demo ---------------------------------------------------------------------------------


def test_every_demo_pair_has_a_self_assessment_and_loading_again_adds_nothing(app):
    load_demo()
    total = db.session.scalar(select(func.count()).select_from(AssessmentRating))
    for pair in db.session.scalars(select(Pair)):
        ratings = _ratings(pair)
        factors = {r.key_factor_id for r in ratings}
        assert len(factors) >= 4, pair.name
        assert len(ratings) > len(factors), f"{pair.name} has no earlier ratings"
        theme_ids = {f.id for f in _factors(pair.mentoring_theme)}
        assert factors <= theme_ids
        assert {r.language for r in ratings} <= set(pair.working_languages)
        assert all(r.author is not None for r in ratings)
        assert db.session.scalar(
            select(func.count())
            .select_from(Activity)
            .where(Activity.pair_id == pair.id, Activity.kind == ActivityKind.ASSESSMENT_UPDATED)
        ) == len(ratings)
    load_demo()
    assert db.session.scalar(select(func.count()).select_from(AssessmentRating)) == total
