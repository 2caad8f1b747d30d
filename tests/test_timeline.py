"""The month-by-month timeline and the date span (articles.timeline) and the SVG partial that draws it."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.template import Context as TemplateContext
from django.template import Template
from django.template.loader import render_to_string
from django.utils import translation

from articles.models import Article, ArticleStatus
from articles.timeline import (
    MAX_MONTH_LABELS,
    MAX_YEAR_LABELS,
    PLOT_HEIGHT,
    MonthCount,
    PreciseDate,
    Timeline,
    YearCount,
    span_for,
    timeline_chart,
    timeline_for,
    timeline_from_counts,
)
from tests.factories import ArticleFactory, PersonFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def dated(day: datetime.date | None, precision: str = "day", **kwargs) -> Article:
    return ArticleFactory(published_on=day, published_precision=precision if day else "", **kwargs)


def counts(timeline: Timeline) -> list[tuple[str, int]]:
    return [(m.month.strftime("%Y-%m"), m.count) for m in timeline.months]


# --- Counting ----------------------------------------------------------------------------------


def test_counts_articles_per_month_with_empty_months_as_zero(django_assert_num_queries):
    dated(datetime.date(2022, 1, 5))
    dated(datetime.date(2022, 1, 1), "month")
    dated(datetime.date(2022, 1, 31))
    dated(datetime.date(2022, 4, 1), "month")
    with django_assert_num_queries(1):
        timeline = timeline_for(Article.objects.all())
    assert counts(timeline) == [("2022-01", 3), ("2022-02", 0), ("2022-03", 0), ("2022-04", 1)]
    assert timeline.year_only == () and timeline.undated == 0
    assert timeline.month_total == timeline.total == 4
    assert timeline.max_count == 3


def test_undated_articles_are_counted_apart():
    dated(datetime.date(2022, 1, 5))
    dated(None)
    dated(None)
    timeline = timeline_for(Article.objects.all())
    assert counts(timeline) == [("2022-01", 1)]
    assert timeline.undated == 2
    assert timeline.total == 3


def test_year_only_articles_are_not_piled_into_january():
    dated(datetime.date(2023, 1, 1), "year")
    dated(datetime.date(2023, 1, 1), "year")
    dated(datetime.date(2023, 1, 1), "month")  # really January 2023
    dated(datetime.date(2022, 11, 1), "month")
    timeline = timeline_for(Article.objects.all())
    assert timeline.year_only == (YearCount(2023, 2),)
    # The range covers the whole of 2023, where the year-only articles may belong.
    assert counts(timeline)[0] == ("2022-11", 1)
    assert counts(timeline)[-1] == ("2023-12", 0)
    assert dict(counts(timeline))["2023-01"] == 1
    assert timeline.month_total == 2
    assert timeline.year_only_total == 2


def test_only_year_only_articles_still_make_a_timeline():
    dated(datetime.date(2024, 1, 1), "year")
    timeline = timeline_for(Article.objects.all())
    assert not timeline.is_empty
    assert len(timeline.months) == 12 and timeline.max_count == 0
    assert timeline.bars == [] and not timeline.has_bars
    assert [band.year for band in timeline.bands] == [2024]
    assert [tick.label for tick in timeline.ticks] == ["2024"]  # years, not the months of an empty plot
    svg = svg_of(render(timeline))
    assert svg.find(f"{SVG}title").text == "Published articles by year, 2024"
    assert svg.get("aria-label") == "Chart of 1 article, all dated only to the year (2024: 1)."
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Articles per month" not in texts
    assert texts == ["2024", "Dated only to the year", "1"]


def test_no_dated_articles_is_an_empty_timeline():
    dated(None)
    timeline = timeline_for(Article.objects.all())
    assert timeline.is_empty and timeline.months == () and timeline.undated == 1
    assert timeline_for(Article.objects.none()).total == 0


def test_counts_only_the_articles_of_the_queryset():
    person = PersonFactory()
    for status in ArticleStatus.values:
        dated(datetime.date(2022, 1, 5), status=status).people.add(person)
    dated(datetime.date(2022, 2, 5))
    timeline = timeline_for(Article.objects.published().involving(person))
    assert counts(timeline) == [("2022-01", 1)]


@pytest.mark.parametrize(
    "make_queryset",
    [
        lambda: Article.objects.published().filter(people__name__startswith="P").distinct(),
        lambda: Article.objects.published().order_by("-published_on")[:2],
        lambda: Article.objects.published().search("mobilization"),
    ],
    ids=["distinct", "sliced", "searched"],
)
def test_takes_any_article_queryset(make_queryset, django_assert_num_queries):
    for n, month in enumerate((1, 1, 3)):
        article = dated(datetime.date(2022, month, 1), "month", body=f"Mobilization report {n}.")
        article.people.add(PersonFactory(name="Putin"), PersonFactory(name="Peskov"))
    queryset = make_queryset()  # searching may look names up first
    with django_assert_num_queries(1):
        timeline = timeline_for(queryset)
    assert timeline.month_total == len(make_queryset()) > 0


def test_counts_made_elsewhere_give_the_same_timeline():
    # The search page counts its results' months with its facets; a (month, precision) pair may
    # come in several rows, and undated articles have no month.
    dated(datetime.date(2022, 1, 5))
    dated(datetime.date(2022, 3, 1), "month")
    dated(datetime.date(2021, 1, 1), "year")
    dated(None)
    rows = [
        (datetime.date(2022, 1, 1), "day", 1),
        (datetime.date(2022, 3, 1), "month", 1),
        (datetime.date(2021, 1, 1), "year", 1),
        (None, "", 1),
    ]
    assert timeline_from_counts(rows) == timeline_for(Article.objects.all())
    split = timeline_from_counts([(datetime.date(2022, 1, 1), "day", 2), (datetime.date(2022, 1, 1), "day", 3)])
    assert counts(split) == [("2022-01", 5)]
    assert timeline_from_counts([]) == Timeline(months=(), year_only=(), undated=0)


# --- Layout ----------------------------------------------------------------------------------


def month_timeline(*monthly: int, start=datetime.date(2022, 1, 1)) -> Timeline:
    months = []
    index = start.year * 12 + start.month - 1
    for offset, count in enumerate(monthly):
        i = index + offset
        months.append(MonthCount(datetime.date(i // 12, i % 12 + 1, 1), count))
    return Timeline(months=tuple(months), year_only=(), undated=0)


def test_bar_heights_are_proportional_to_the_highest_month():
    timeline = month_timeline(4, 0, 2, 1)
    assert [bar.height for bar in timeline.bars] == [PLOT_HEIGHT, PLOT_HEIGHT // 2, PLOT_HEIGHT // 4]
    assert [bar.label for bar in timeline.bars] == [
        "January 2022: 4 articles",
        "March 2022: 2 articles",
        "April 2022: 1 article",
    ]
    assert len({bar.y + bar.height for bar in timeline.bars}) == 1  # all on the baseline


def test_short_spans_are_labelled_by_month():
    assert [t.label for t in month_timeline(1, 2, 3).ticks] == ["Jan 2022", "Feb 2022", "Mar 2022"]
    ticks = month_timeline(*[1] * 12, start=datetime.date(2022, 11, 1)).ticks
    assert [t.label for t in ticks] == ["Jan 2023", "Apr 2023", "Jul 2023", "Oct 2023"]  # calendar quarters
    assert all(len(month_timeline(*[1] * n).ticks) <= MAX_MONTH_LABELS for n in range(1, 13))
    # Over a year, every year is named, even one with only a few months on the chart.
    assert [t.label for t in month_timeline(*[1] * 16, start=datetime.date(2022, 9, 1)).ticks] == ["2022", "2023"]


def test_long_spans_are_labelled_by_year():
    ticks = month_timeline(*[1] * 40, start=datetime.date(2021, 6, 1)).ticks
    assert [t.label for t in ticks] == ["2021", "2022", "2023", "2024"]
    decades = month_timeline(*[1] * 12 * 30, start=datetime.date(1990, 1, 1)).ticks
    assert [t.label for t in decades] == ["1990", "1995", "2000", "2005", "2010", "2015"]
    assert len(decades) <= MAX_YEAR_LABELS


def test_labels_near_the_edges_are_kept_inside_the_chart():
    ticks = month_timeline(*[1] * 40, start=datetime.date(2021, 11, 1)).ticks
    assert (ticks[0].label, ticks[0].anchor, ticks[0].label_x) == ("2021", "start", "0")
    assert all(0 <= float(t.label_x) <= 100 for t in ticks)
    assert ticks[-1].anchor in {"middle", "end"}


def test_summary_says_what_the_chart_shows():
    timeline = Timeline(months=month_timeline(1, 0, 3).months, year_only=(YearCount(2022, 2),), undated=1)
    assert timeline.summary == (
        "Bar chart of 6 articles by month of publication, January 2022 to March 2022. "
        "Busiest month: March 2022, 3 articles. 2 articles dated only to the year (2022: 2). "
        "1 article without a date, not shown."
    )


# --- The SVG partial -------------------------------------------------------------------------


def render(timeline: Timeline) -> str:
    return render_to_string("articles/_timeline.html", {"timeline": timeline})


def svg_of(html: str) -> ElementTree.Element:
    return ElementTree.fromstring(re.search(r"<svg.*?</svg>", html, re.S).group(0))


def test_svg_is_an_image_with_a_title_description_and_labelled_axes():
    dated(datetime.date(2022, 9, 1), "month")
    dated(datetime.date(2022, 10, 1), "month")
    dated(datetime.date(2022, 10, 14))
    dated(datetime.date(2023, 1, 1), "year")
    dated(None)
    timeline = timeline_for(Article.objects.all())
    html = render(timeline)
    svg = svg_of(html)
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == timeline.summary
    assert "Busiest month: October 2022, 2 articles." in timeline.summary
    assert svg.find(f"{SVG}title").text == "Published articles per month, September 2022 to December 2023"
    assert svg.find(f"{SVG}desc").text == timeline.summary
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Articles per month" in texts  # the y axis
    assert "2 (highest)" in texts  # its maximum
    assert {"2022", "2023"} <= set(texts)  # the x axis, by year over 16 months
    bars = svg.findall(f"{SVG}rect[@class='bar']")
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["September 2022: 1 article", "October 2022: 2 articles"]
    bands = svg.findall(f"{SVG}rect[@class='band']")
    assert [band.find(f"{SVG}title").text for band in bands] == ["2023, month unknown: 1 article"]
    assert "Dated only to the year" in texts


def test_text_alternative_lists_the_counts():
    timeline = Timeline(months=month_timeline(1, 0, 3).months, year_only=(YearCount(2022, 2),), undated=1)
    html = re.sub(r"\s+", " ", render(timeline))
    table = html[html.index('<div class="visually-hidden"><table>') :]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', table)
    assert rows == [("January 2022", "1"), ("March 2022", "3"), ("2022, month unknown", "2"), ("No date", "1")]
    assert "1 article has no date and is not shown." in html
    assert "2 articles are dated only to the year (2022: 2): shown as a band across the year" in html


def test_an_empty_timeline_says_so_instead_of_drawing():
    html = render(Timeline(months=(), year_only=(), undated=3))
    assert "<svg" not in html
    assert "No dated articles to chart; 3 articles have no date." in html


def test_the_chart_tag_draws_what_the_partial_draws_and_keeps_each_drawing_per_language():
    timeline = Timeline(months=month_timeline(4, 0, 7).months, year_only=(YearCount(2022, 2),), undated=1)
    drawn = timeline_chart(timeline)
    assert drawn == render(timeline)
    # The same counts, counted again: the same drawing, not drawn anew.
    assert timeline_chart(Timeline(months=timeline.months, year_only=timeline.year_only, undated=1)) is drawn
    assert timeline_chart(Timeline(months=timeline.months, year_only=timeline.year_only, undated=2)) != drawn
    # Months are named in the language of the request (which counts its own timeline).
    with translation.override("de"):
        assert "Januar 2022: 4 articles" in timeline_chart(Timeline(**vars_of(timeline)))
    assert "January 2022: 4 articles" in drawn
    assert template_render("{% load archive_tags %}{% timeline_chart timeline %}", timeline=timeline) == drawn


def vars_of(timeline: Timeline) -> dict:
    return {"months": timeline.months, "year_only": timeline.year_only, "undated": timeline.undated}


def template_render(source: str, **context) -> str:
    return Template(source).render(TemplateContext(context))


# --- The span ----------------------------------------------------------------------------------


def test_span_ends_at_the_date_that_may_be_latest(django_assert_num_queries):
    dated(datetime.date(2022, 9, 1), "month")
    dated(datetime.date(2022, 9, 1), "day")
    dated(datetime.date(2024, 5, 3))
    dated(datetime.date(2024, 1, 1), "year")
    dated(None)
    with django_assert_num_queries(1):
        span = span_for(Article.objects.all())
    assert span.count == 5 and span.undated == 1
    assert span.first == PreciseDate(datetime.date(2022, 9, 1), "day")  # on a tie, the precise one
    assert span.last == PreciseDate(datetime.date(2024, 1, 1), "year")  # "2024" may be after 3 May 2024


def test_span_of_nothing():
    span = span_for(Article.objects.none())
    assert (span.count, span.first, span.last) == (0, None, None)


@pytest.mark.parametrize(
    ("date", "precision", "end"),
    [
        (datetime.date(2024, 2, 1), "month", datetime.date(2024, 2, 29)),
        (datetime.date(2023, 12, 1), "month", datetime.date(2023, 12, 31)),
        (datetime.date(2023, 1, 1), "year", datetime.date(2023, 12, 31)),
        (datetime.date(2023, 6, 7), "day", datetime.date(2023, 6, 7)),
    ],
)
def test_period_end(date, precision, end):
    assert PreciseDate(date, precision).period_end == end
