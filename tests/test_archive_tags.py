"""articles.templatetags.archive_tags: the helpers the public pages' templates share."""

import datetime

import pytest

from articles.models import DatePrecision
from articles.templatetags.archive_tags import anchored_paragraphs, link_items, partial_date
from tests.factories import PersonFactory, TagFactory

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
