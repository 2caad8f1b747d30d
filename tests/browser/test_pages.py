"""What a reader sees of the seed archive in a real browser."""

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
