"""articles.templatetags.archive_tags: the helpers the public pages' templates share."""

import datetime

import pytest

from articles.models import DatePrecision
from articles.templatetags.archive_tags import link_items, partial_date
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
