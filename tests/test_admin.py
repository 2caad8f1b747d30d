"""The admin's pages render for every model, and its article search is the full-text search."""

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, ClaimReportFactory, PersonAliasFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_each():
    report = ClaimReportFactory(article=ArticleFactory(source=SourceFactory()))
    report.article.tags.add(TagFactory())
    PersonAliasFactory(person=report.claim.claimant_person)
    return {
        "source": report.article.source,
        "person": report.claim.claimant_person,
        "tag": report.article.tags.get(),
        "article": report.article,
        "claim": report.claim,
    }


@pytest.mark.parametrize("model", ["source", "person", "tag", "article", "claim"])
def test_changelist_and_change_page_render(admin_client, one_of_each, model):
    assert admin_client.get(reverse(f"admin:articles_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:articles_{model}_add")).status_code == 200
    change_url = reverse(f"admin:articles_{model}_change", args=[one_of_each[model].pk])
    assert admin_client.get(change_url).status_code == 200


def test_article_search_uses_full_text_search(admin_client):
    ArticleFactory(title="Enlistment offices", body="Offices were mobilized.")
    ArticleFactory(title="Unrelated", body="Weather report.")
    page = admin_client.get(reverse("admin:articles_article_changelist"), {"q": "mobilization"}).content.decode()
    assert "Enlistment offices" in page
    assert "Unrelated" not in page


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
