"""What a reader sees of the seed archive in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 740}


def test_reader_opens_an_article_from_the_home_page(site_server, seed_archive, page, screenshot):
    page.goto(site_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest articles")
    expect(page.locator(".article-list > li")).to_have_count(5)
    screenshot("home")

    page.get_by_role("link", name="Persecution of foreigners by Russian regime escalates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Persecution of foreigners by Russian regime escalates")
    expect(page.locator("#p1")).to_contain_text("Following the terrorist attack on a Moscow concert hall")
    expect(page.locator(".body")).not_to_contain_text("Valerie Bertinelli")  # site chrome, cleaned away
    screenshot("article")


def test_a_paragraph_anchor_scrolls_to_its_paragraph(site_server, seed_archive, page):
    page.goto(site_server.url)
    page.get_by_role("link", name="Russia Compels Migrants").click()
    page.goto(page.url + "#p14")
    expect(page.locator("#p14")).to_contain_text("Valentina Chupik")
    expect(page.locator("#p14")).to_be_in_viewport()


def test_the_skip_link_is_the_first_stop_for_keyboard_users(site_server, seed_archive, page):
    page.goto(site_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


def test_pages_fit_a_phone_screen(site_server, seed_archive, page, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(site_server.url)
    page.get_by_role("link", name="Prisoners and immigrants are being forced").click()
    screenshot("phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
CHUPIK_CLAIM = "Law enforcement officers stop Central Asian migrants in the street"


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_reader_goes_from_home_to_a_person_to_a_claim_to_its_paragraph(
    site_server, seed_archive, page, screenshot, accessibility_violations
):
    page.set_viewport_size(DESKTOP)
    page.goto(site_server.url)
    people = page.get_by_role("region", name="Most-covered people")
    people.get_by_role("link", name="Valentina Chupik").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Valentina Chupik")
    expect(page.get_by_text("Valentina Cupik")).to_be_visible()  # her alias
    expect(page.get_by_role("link", name="Search all coverage of Valentina Chupik")).to_have_attribute(
        "href", "/search/?person=valentina-chupik"
    )
    # Both her articles are dated only to the year: the chart says so rather than inventing months.
    expect(page.get_by_role("img", name="Chart of 2 articles, all dated only to the year (2023: 2).")).to_be_visible()
    assert accessibility_violations() == []

    page.get_by_role("link", name=CHUPIK_CLAIM).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CHUPIK_CLAIM)
    expect(page.get_by_role("heading", name="Reported in 2 published articles")).to_be_visible()
    screenshot("claim")
    assert accessibility_violations() == []

    page.get_by_role("link", name="Paragraph 14 of “Russia Compels Migrants").click()
    expect(page).to_have_url(re.compile(r"/articles/\d+/russia-compels-migrants-[a-z-]+/#p14$"))
    paragraph = page.locator("#p14")
    expect(paragraph).to_contain_text("Valentina Chupik")
    expect(paragraph).to_be_in_viewport()
    # The paragraph in view is highlighted, and its own link is shown.
    assert paragraph.evaluate("p => getComputedStyle(p).backgroundColor") != "rgba(0, 0, 0, 0)"
    expect(paragraph.get_by_role("link", name="Link to paragraph 14")).to_be_visible()
    assert accessibility_violations() == []


def test_paragraph_links_show_on_hover_and_keyboard_focus(site_server, seed_archive, page):
    page.goto(site_server.url)
    page.get_by_role("link", name="Persecution of foreigners by Russian regime escalates").click()
    anchor = page.get_by_role("link", name="Link to paragraph 3")
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "0"
    page.locator("#p3").hover()
    expect(anchor).to_have_css("opacity", "1")
    page.mouse.move(0, 0)
    anchor.focus()
    expect(anchor).to_have_css("opacity", "1")
    anchor.press("Enter")
    expect(page).to_have_url(re.compile(r"#p3$"))


@pytest.mark.parametrize("width", WIDTHS)
def test_home_person_and_article_pages_at_desktop_and_phone_widths(
    site_server, seed_archive, page, screenshot, accessibility_violations, width
):
    page.set_viewport_size(WIDTHS[width])
    page.goto(site_server.url)
    expect(page.get_by_role("img", name=re.compile("^Bar chart of 5 articles"))).to_be_visible()
    screenshot(f"home-{width}")
    assert horizontal_overflow(page) <= 0
    assert accessibility_violations() == []

    page.goto(site_server.url + "/people/")
    page.get_by_role("link", name="Valentina Chupik").click()
    screenshot(f"person-{width}")
    assert horizontal_overflow(page) <= 0

    page.get_by_role("link", name="Russia Compels Migrants to Join Putin's War Effort in Ukraine Conflict").click()
    expect(page.get_by_role("heading", name="Claims reported in this article")).to_be_visible()
    screenshot(f"article-{width}")
    assert horizontal_overflow(page) <= 0


@pytest.mark.parametrize(
    "path",
    ["/sources/", "/people/?sort=name", "/tags/", "/claims/?sort=rating"],
    ids=["sources", "people", "tags", "claims"],
)
def test_index_pages_fit_a_phone_and_pass_the_accessibility_checks(
    site_server, seed_archive, page, screenshot, accessibility_violations, path
):
    page.set_viewport_size(PHONE)
    page.goto(site_server.url + path)
    expect(page.locator(".entity-list > li, .claim-list > li").first).to_be_visible()
    screenshot("index")
    assert horizontal_overflow(page) <= 0
    assert accessibility_violations() == []


def test_tag_and_source_pages_pass_the_accessibility_checks(
    site_server, seed_archive, page, screenshot, accessibility_violations
):
    page.set_viewport_size(PHONE)
    page.goto(site_server.url + "/tags/")
    page.get_by_role("link", name="Tajikistan").click()
    expect(page.get_by_role("img", name=re.compile("4 articles"))).to_be_visible()
    screenshot("tag-phone")
    assert horizontal_overflow(page) <= 0
    assert accessibility_violations() == []
    page.goto(site_server.url + "/sources/")
    page.get_by_role("link", name="Russian Government").click()
    expect(page.get_by_text("No published articles yet.")).to_be_visible()
    assert accessibility_violations() == []


def test_the_article_page_prints_without_the_site_chrome(site_server, seed_archive, page):
    page.goto(site_server.url)
    page.get_by_role("link", name="Russia Compels Migrants").click()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("link", name="Link to paragraph 1")).to_be_hidden()
    expect(page.locator("#p1")).to_be_visible()
    # Paragraph numbers are printed, so a paper copy can be cited like the page (#p14).
    before = page.locator("#p14").evaluate("p => getComputedStyle(p, '::before').content")
    assert before.startswith('"¶" counter(paragraph)')
