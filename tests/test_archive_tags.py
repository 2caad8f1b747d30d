"""articles.templatetags.archive_tags: the helpers the public pages' templates share."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles.filters import FacetValue
from articles.models import DatePrecision, article_links_load
from articles.templatetags.archive_tags import (
    _link,
    anchored_paragraphs,
    authors_line,
    byline,
    facet_items,
    link_items,
    partial_date,
    search_hit,
)
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory

DAY = datetime.date(2022, 9, 21)


@pytest.mark.parametrize(
    ("precision", "shown"),
    [
        (DatePrecision.DAY, '<time datetime="2022-09-21">21 September 2022</time>'),
        ("", '<time datetime="2022-09-21">21 September 2022</time>'),  # no precision recorded: the day
        (DatePrecision.MONTH, '<time datetime="2022-09">September 2022</time>'),
        (DatePrecision.YEAR, '<time datetime="2022">2022</time>'),
    ],
)
def test_a_date_is_shown_as_precisely_as_it_is_known(precision, shown):
    assert partial_date(DAY, precision) == shown


@pytest.mark.django_db
def test_each_object_is_a_link_to_its_page_named_as_text():
    person = PersonFactory(name="Valentina <b>Chupik</b>")
    tag = TagFactory(name="Mobilisation & migrants")
    assert link_items([person, tag]) == (
        f'<li><a href="{person.get_absolute_url()}">Valentina &lt;b&gt;Chupik&lt;/b&gt;</a></li>'
        f'<li><a href="{tag.get_absolute_url()}">Mobilisation &amp; migrants</a></li>'
    )
    assert link_items([]) == ""


def test_each_paragraph_is_anchored_by_its_number_with_a_link_to_itself():
    assert anchored_paragraphs(["Call-up <b>begins</b>.", "Queues & fear."]) == (
        '<p id="p1">Call-up &lt;b&gt;begins&lt;/b&gt;. <a class="paragraph-anchor" href="#p1"'
        ' aria-label="Link to paragraph 1" title="Link to paragraph 1">¶</a></p>\n'
        '<p id="p2">Queues &amp; fear. <a class="paragraph-anchor" href="#p2"'
        ' aria-label="Link to paragraph 2" title="Link to paragraph 2">¶</a></p>'
    )
    assert anchored_paragraphs([]) == ""


@pytest.mark.django_db
def test_a_byline_links_the_source_and_dates_the_article_as_precisely_as_known():
    source = SourceFactory(name="Radio <Azattyk>")
    dated = ArticleFactory(source=source, published_on=DAY.replace(day=1), published_precision=DatePrecision.MONTH)
    assert byline(dated) == (
        f'<p class="byline"><a class="source" href="{source.get_absolute_url()}">Radio &lt;Azattyk&gt;</a>'
        ' <time datetime="2022-09">September 2022</time></p>'
    )
    undated = ArticleFactory(source=None, published_on=None)
    assert byline(undated) == '<p class="byline"><span>date unknown</span></p>'


@pytest.mark.django_db
def test_the_authors_line_links_each_author_and_is_empty_for_an_unsigned_article():
    anna, boris = PersonFactory(name="Anna & Co"), PersonFactory(name="Boris Orlov")
    assert authors_line([anna, boris]) == (
        f'<p class="authors">By <a href="{anna.get_absolute_url()}">Anna &amp; Co</a>,'
        f' <a href="{boris.get_absolute_url()}">Boris Orlov</a></p>'
    )
    assert authors_line([]) == ""


@pytest.mark.parametrize("text", ['O\'Brien "the Fixer"', "<script>alert(1)</script>", "Tom & Jerry", "Ünïcödé —"])
def test_links_are_escaped_as_format_html_escapes_them(text):
    # ``_link`` writes them with ``html.escape``, which is what Django's ``escape`` calls.
    href = f"/people/1/{text}/"
    assert _link(href, text) == format_html('<a href="{}">{}</a>', href, text)


@pytest.mark.django_db
def test_links_and_bylines_are_safe_strings_the_template_does_not_escape_again():
    person = PersonFactory(name="Anna & Co")
    article = ArticleFactory(source=SourceFactory(name="Radio & TV"), published_on=DAY, published_precision="day")
    for written in (link_items([person]), authors_line([person]), byline(article), partial_date(DAY, "day")):
        assert isinstance(written, SafeString)
        assert "&amp;amp;" not in Template("{{ written }}").render(Context({"written": written}))


# What ``search_hit`` and ``facet_items`` write, as the templates they replaced wrote it: they must
# write the same HTML (up to the whitespace between tags).
SEARCH_HIT_TEMPLATE = (
    '{% load archive_tags %}<li class="search-hit">'
    '<article aria-labelledby="hit-{{ article.pk }}">'
    '<h3 id="hit-{{ article.pk }}"><a href="{{ article.get_absolute_url }}">{{ article.title }}</a></h3>'
    "{% byline article %}"
    "{% authors_line article.listed_authors %}"
    '{% if article.headline %}<p class="search-snippet">{{ article.headline }}</p>'
    '{% elif article.summary %}<p class="search-snippet">{{ article.summary|truncatewords:50 }}</p>{% endif %}'
    '{% if article.partial_match %}<p class="search-partial-note">Matches some of your words.</p>{% endif %}'
    '{% if article.alias_match %}<p class="search-alias-note">Matched via an alias or name of '
    '{% for person in article.alias_people %}<a href="{{ person.get_absolute_url }}">{{ person.name }}</a>'
    "{% if not forloop.last %}, {% endif %}{% empty %}a person linked to this article{% endfor %}.</p>{% endif %}"
    "{% with tags=article.listed_tags people=article.listed_people %}"
    "{% if tags or people %}"
    '<dl class="search-hit-links">'
    "{% if people %}<dt>People</dt><dd><ul>{% link_items people %}</ul></dd>{% endif %}"
    "{% if tags %}<dt>Tags</dt><dd><ul>{% link_items tags %}</ul></dd>{% endif %}"
    "</dl>"
    "{% endif %}"
    "{% endwith %}"
    "</article>"
    "</li>"
)
FACET_ITEMS_TEMPLATE = (
    "{% for value in values %}"
    '<li><a href="{{ path }}{{ value.query_string }}"><span class="search-facet-label">{{ value.label }}</span>'
    ' <span class="search-facet-count">{{ value.count }}'
    '<span class="visually-hidden"> result{{ value.count|pluralize }}</span></span></a></li>'
    "{% endfor %}"
)


def _between_tags(html: str) -> str:
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html.strip()))


@pytest.mark.django_db
def test_a_search_hit_is_written_as_its_template_wrote_it():
    anna, boris = PersonFactory(name="Anna & Co"), PersonFactory(name="Boris <Orlov>")
    tag = TagFactory(name="Mobilisation & migrants")
    long_summary = " ".join(f"word{n}" for n in range(60)) + " <i>end</i>"
    articles = [
        ArticleFactory(title="<script>alert(1)</script> & more", source=SourceFactory(name="Radio & TV")),
        ArticleFactory(title="Summary only", summary=long_summary, source=None, published_on=None),
        ArticleFactory(title="Nothing to show", summary=""),
        ArticleFactory(title="Linked", summary="Short & sweet."),
    ]
    articles[0].authors.add(anna)
    articles[3].people.add(anna, boris)
    articles[3].tags.add(tag)
    article_links_load(articles)
    articles[0].headline = mark_safe("Tajik <mark>migrants</mark> &amp; families")
    articles[0].partial_match = True
    articles[3].alias_match, articles[3].alias_people = True, [anna, boris]
    articles[1].alias_match, articles[1].alias_people = True, []
    for article in articles:
        expected = Template(SEARCH_HIT_TEMPLATE).render(Context({"article": article}))
        written = search_hit(article)
        assert isinstance(written, SafeString)
        assert _between_tags(written) == _between_tags(expected)
    assert "&lt;script&gt;" in search_hit(articles[0]) and "word49 …" in search_hit(articles[1])


def test_facet_values_are_written_as_their_template_wrote_them():
    values = [
        FacetValue(label="Radio & <TV>", count=1, query_string="?q=a%26b&source=radio-tv"),
        FacetValue(label="Novaya Gazeta", count=1234, query_string='?q="x"&source=novaya'),
    ]
    expected = Template(FACET_ITEMS_TEMPLATE).render(Context({"values": values, "path": "/search/"}))
    written = facet_items("/search/", values)
    assert isinstance(written, SafeString)
    assert _between_tags(written) == _between_tags(expected)
    assert '1<span class="visually-hidden"> result</span>' in written
    assert '1234<span class="visually-hidden"> results</span>' in written
