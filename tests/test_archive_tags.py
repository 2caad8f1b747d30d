"""articles.templatetags.archive_tags: the helpers the public pages' templates share."""

import datetime

import pytest
from django.template import Context, Template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from articles.models import DatePrecision
from articles.templatetags.archive_tags import (
    _link,
    anchored_paragraphs,
    authors_line,
    byline,
    link_items,
    partial_date,
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
