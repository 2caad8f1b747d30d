"""Hostile texts in a real browser: no script runs, no element is injected, the texts read as written.

The archive is ``tests.test_hostile_content``'s: every text a reader sees carries markup, ways out
of attributes and of the JSON-LD ``<script>``, and ``javascript:`` addresses.
"""

import pytest
from playwright.sync_api import expect

from tests.test_hostile_content import JAVASCRIPT_URL, SCRIPT, SEARCH_WORD, hostile, hostile_archive_build

pytestmark = pytest.mark.django_db(transaction=True)

# Everything the texts could have put in the DOM: elements the pages never use, any ``on…``
# attribute, a javascript: link, and a script that is not the JSON-LD.
INJECTED = """() => {
    const found = [];
    for (const element of document.querySelectorAll("*")) {
        const tag = element.tagName.toLowerCase();
        if (["img", "iframe", "object", "embed", "base"].includes(tag)) found.push(tag);
        if (tag === "script" && element.type !== "application/ld+json") found.push("script");
        for (const attribute of element.attributes) {
            if (attribute.name.startsWith("on")) found.push(`${tag}[${attribute.name}]`);
            if (["href", "src", "action"].includes(attribute.name)
                && attribute.value.replace(/[\\s\\x00-\\x1f]/g, "").toLowerCase().startsWith("javascript:")) {
                found.push(`${tag}[${attribute.name}=${attribute.value}]`);
            }
        }
    }
    return found;
}"""


@pytest.fixture
def archive():
    return hostile_archive_build()


@pytest.fixture
def dialogs(page) -> list[str]:
    """The messages of any alert, confirm or prompt a page opens (each dismissed): there must be none."""
    opened = []

    def dismiss(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def test_the_article_page_runs_nothing_and_shows_the_texts(site_server, archive, page, dialogs, screenshot):
    article = archive["article"]
    page.goto(site_server.url + article.get_absolute_url())
    expect(page.locator("h1")).to_contain_text(SCRIPT)
    expect(page.locator(".body p").first).to_contain_text(hostile("First paragraph")[:60])
    expect(page.locator(".original")).to_contain_text(JAVASCRIPT_URL)
    expect(page.locator(".original a")).to_have_count(0)
    screenshot("article")
    assert page.evaluate(INJECTED) == []
    assert dialogs == []


def test_the_search_page_runs_nothing_and_marks_only_words(site_server, archive, page, dialogs, screenshot):
    page.goto(f"{site_server.url}/search/?q={SEARCH_WORD}")
    expect(page.locator(".search-hit")).to_have_count(2)
    marks = page.locator(".search-snippet mark").all_inner_texts()
    assert SEARCH_WORD in [mark.lower() for mark in marks]
    assert all(mark.isalnum() for mark in marks), marks  # never the text's own "<mark>fake</mark>"
    screenshot("search")
    assert page.evaluate(INJECTED) == []
    # The reader's own hostile words, echoed in the heading, the title and the search box.
    page.goto(f"{site_server.url}/search/?q=" + SCRIPT.replace("'", "%27"))
    expect(page.get_by_label("Search words")).to_have_value(SCRIPT)
    assert page.evaluate(INJECTED) == []
    assert dialogs == []


def test_entity_and_claim_pages_run_nothing(site_server, archive, page, dialogs):
    for entity in ("person", "source", "tag", "claim", "retracted"):
        page.goto(site_server.url + archive[entity].get_absolute_url())
        expect(page.locator("h1")).to_contain_text(SCRIPT)
        assert page.evaluate(INJECTED) == [], entity
    assert dialogs == []
