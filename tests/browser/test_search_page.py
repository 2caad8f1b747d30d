"""A reader searching the archive in a real browser: query, facet, chip, pages, article."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
EXTRA_ARTICLES = 25  # with the seed articles that match, more than one page of 20
TAGGED = 8


@pytest.fixture
def archive(seed_archive):
    """The seed archive and enough further reports on conscription for two pages of results."""
    drive = TagFactory(name="Recruitment drive", slug="recruitment-drive")
    for n in range(EXTRA_ARTICLES):
        article = ArticleFactory(
            title=f"Conscription notice {n}",
            body=f"Conscription notices were served in district {n}.\n\nOffices stayed open late.",
            published_on=datetime.date(2023, 1 + n % 12, 1 + n),
            published_precision="day",
        )
        if n < TAGGED:
            article.tags.add(drive)


def results_heading(page):
    return page.get_by_role("region", name=re.compile("match")).get_by_role("heading", level=2)


def test_reader_searches_narrows_pages_and_opens_an_article(
    site_server, archive, page, screenshot, accessibility_violations
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site_server.url}/search/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search the archive")

    page.get_by_label("Search words").fill("conscription")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title(re.compile("^conscription — Search"))
    heading = results_heading(page)
    expect(heading).to_contain_text("articles match “conscription”")
    total = int(heading.inner_text().split()[0])
    assert total > 20
    expect(page.locator(".search-hit")).to_have_count(20)
    expect(page.locator(".search-snippet mark").first).to_be_visible()
    screenshot("results-desktop")
    assert accessibility_violations() == []

    facets = page.get_by_role("complementary", name="Narrow the results")
    facets.get_by_role("link", name=re.compile("^Recruitment drive")).click()
    expect(results_heading(page)).to_have_text(re.compile(f"^{TAGGED} articles match"))
    expect(page.locator(".search-hit")).to_have_count(TAGGED)
    chip = page.get_by_role("list", name="Active filters").get_by_role(
        "link", name="Remove filter Tag: Recruitment drive"
    )
    expect(chip).to_be_visible()
    screenshot("facet-applied")

    chip.click()
    expect(results_heading(page)).to_have_text(re.compile(f"^{total} articles match"))
    expect(page.get_by_role("list", name="Active filters")).to_have_count(0)

    pages = page.get_by_role("navigation", name="Result pages")
    pages.get_by_role("link", name="Page 2", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q=conscription.*&page=2$|[?&]page=2.*q=conscription"))
    expect(pages.locator('[aria-current="page"]')).to_have_text("Page 2")
    expect(page.locator(".search-hit")).to_have_count(total - 20)
    expect(page.get_by_label("Search words")).to_have_value("conscription")

    first_hit = page.locator(".search-hit h3 a").first
    title = first_hit.inner_text()
    first_hit.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_search_results_fit_a_phone_screen(site_server, archive, page, screenshot, accessibility_violations):
    page.set_viewport_size(PHONE)
    page.goto(f"{site_server.url}/search/?q=conscription&tag=recruitment-drive")
    expect(results_heading(page)).to_have_text(re.compile(f"^{TAGGED} articles match"))
    expect(page.get_by_label("Search words")).to_be_visible()
    screenshot("results-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert accessibility_violations() == []


def test_bad_parameters_show_the_errors_in_the_page(site_server, archive, page, screenshot, accessibility_violations):
    page.set_viewport_size(DESKTOP)
    response = page.goto(f"{site_server.url}/search/?q=conscription&date_from=2023-02-30&tag=nope")
    assert response.status == 400
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("There is no tag “nope”.")
    expect(alert).to_contain_text("Enter a date as YYYY-MM-DD.")
    screenshot("errors")
    assert accessibility_violations() == []
    alert.get_by_role("link", name="Search without it").first.click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a date as YYYY-MM-DD.")
    page.get_by_role("alert").get_by_role("link", name="Search without it").click()
    expect(results_heading(page)).to_contain_text("articles match “conscription”")
