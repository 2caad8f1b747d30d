"""The site's pages, public and the admin's, run whole under its Content-Security-Policy.

The ``page`` fixture fails any browser test in which Chromium refused something under the
policy; this module visits the pages other browser tests do not, and checks that the refusals
are seen at all.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article, Claim, Person, Revision, Source, Tag

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long password for the tests"


def test_a_script_the_policy_forbids_is_refused_and_noticed(site_server, seed_archive, page, csp_refusals):
    page.goto(site_server.url)
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "document.title = 'hacked'";
                   document.body.append(s); }"""
    )
    expect(page).not_to_have_title("hacked")
    assert any("script-src" in refusal for refusal in csp_refusals)
    csp_refusals.clear()  # seen: this test's refusal is the one it made on purpose


def test_public_pages_need_nothing_the_policy_refuses(site_server, seed_archive, page):
    article = Article.objects.published().first()
    paths = [
        "/",
        "/search/?q=migrants",
        "/search/?q=nothing-matches-this",
        article.get_absolute_url(),
        "/sources/",
        Source.objects.first().get_absolute_url(),
        "/people/",
        Person.objects.first().get_absolute_url(),
        "/tags/",
        Tag.objects.first().get_absolute_url(),
        "/claims/",
        Claim.objects.first().get_absolute_url(),
        "/articles/999999/missing/",
    ]
    for path in paths:
        page.goto(site_server.url + path)
        expect(page.locator("body")).not_to_be_empty()


def test_admin_pages_need_nothing_the_policy_refuses(site_server, seed_archive, page, django_user_model):
    django_user_model.objects.create_superuser("csp-editor", password=PASSWORD)
    page.goto(f"{site_server.url}/admin/login/")
    page.get_by_label("Username").fill("csp-editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Site administration")

    article = Article.objects.first()
    article.title += " (corrected)"
    article.save()  # so the article has a history worth a page
    paths = [reverse("admin:index"), reverse("admin:articles_searchlog_report")]
    for model in (Article, Source, Person, Tag, Claim, Revision):
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    for model in (Article, Source, Person, Tag, Claim):
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    paths += [
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_person_change", args=[Person.objects.first().pk]),
        reverse("admin:articles_claim_change", args=[Claim.objects.first().pk]),
    ]
    for path in paths:
        response = page.goto(site_server.url + path)
        assert response.status == 200, path
