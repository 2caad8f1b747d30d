"""What a journalist does with an article in a real browser: cite it, download it, check a correction."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

PERSECUTION = "Persecution of foreigners by Russian regime escalates"


def test_journalist_copies_a_citation_and_downloads_it_for_a_reference_manager(
    site_server, seed_archive, page, accessibility_violations
):
    article = Article.objects.get(title=PERSECUTION)
    page.goto(site_server.url + article.get_absolute_url())
    cite = page.get_by_role("region", name="Cite this article")
    permanent = f"{site_server.url}{article.get_absolute_url()}"
    # Each style names the archive's permanent address; APA gives the year the text is dated to.
    for style in ("APA", "MLA", "Chicago"):
        expect(cite.locator("figure", has_text=style)).to_contain_text(permanent)
    expect(cite.locator("figure", has_text="APA")).to_contain_text(f"{PERSECUTION}. ({article.published_on.year})")
    assert accessibility_violations() == []

    with page.expect_download() as download_info:
        cite.get_by_role("link", name=re.compile("BibTeX")).click()
    download = download_info.value
    assert download.suggested_filename == f"{article.slug}.bib"
    bibtex = Path(download.path()).read_text(encoding="utf-8")
    assert bibtex.startswith("@online{")
    assert f"url = {{{permanent}}}" in bibtex


def test_journalist_finds_a_correction_and_reads_the_text_they_cited(
    site_server, seed_archive, page, screenshot, accessibility_violations
):
    article = Article.objects.get(title=PERSECUTION)
    first_paragraph = article.paragraphs[0]
    page.goto(site_server.url + article.get_absolute_url())
    cite = page.get_by_role("region", name="Cite this article")
    exact_address = f"{site_server.url}{article.get_absolute_url()}versions/1/"
    expect(cite.get_by_role("link", name=exact_address)).to_be_visible()

    # An editor corrects the first paragraph after the journalist cited the exact text.
    article.body = article.body.replace(first_paragraph, first_paragraph + " [Corrected.]", 1)
    article.save()

    page.goto(exact_address)
    expect(page.get_by_role("note")).to_contain_text("This is version 1 of this article")
    expect(page.locator("#p1")).to_have_text(re.compile(re.escape(first_paragraph)))
    expect(page.locator("#p1")).not_to_contain_text("[Corrected.]")
    changes = page.get_by_role("region", name="What the correction changed")
    expect(changes.locator("ins")).to_have_text("[Corrected.]")
    screenshot("earlier-version")
    assert accessibility_violations() == []

    page.get_by_role("link", name="Read the current version").click()
    expect(page.get_by_text(re.compile("^Corrected \\d+ \\w+ \\d{4}"))).to_be_visible()
    expect(page.locator("#p1")).to_contain_text("[Corrected.]")
    page.get_by_role("link", name="Earlier versions").click()
    expect(page.locator("#versions")).to_be_in_viewport()
    expect(page.locator("#versions").get_by_role("link", name="Version 1")).to_have_attribute(
        "href", f"{article.get_absolute_url()}versions/1/"
    )
    assert accessibility_violations() == []
