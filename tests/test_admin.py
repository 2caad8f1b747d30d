"""The editors' admin: every page renders, autocomplete answers, forms check the database's rules
before saving, editors may curate but not manage accounts, and changelists stay fast."""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import admin as archive_admin
from articles.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    ClaimReport,
    FieldChange,
    MergedPerson,
    MergedTag,
    NearDuplicate,
    Person,
    RevisionKind,
    SearchLog,
    SignInFailure,
    Tag,
)
from articles.services import revision_record, vocabulary_refresh
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)
from tests.search_statistics import assert_search_statistics_as_rebuilt

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = sorted(
    model._meta.model_name for model in admin.site._registry if model._meta.app_label == "articles"
)
READ_ONLY_MODELS = {
    "articleversion",
    "mergedperson",
    "mergedtag",
    "nearduplicate",
    "searchlog",
    "revision",
    "fieldchange",
    "signinfailure",
}
LONG_PARAGRAPH = "The enlistment office sent summonses to every man in the village, " * 3


@pytest.fixture
def one_of_each():
    """A row of every model the admin shows, linked the way the archive links them."""
    article = ArticleFactory(source=SourceFactory(), body=f"First paragraph.\n\n{LONG_PARAGRAPH}\n\nThird paragraph.")
    report = ClaimReportFactory(article=article, paragraph=2)
    tag, person = TagFactory(), report.claim.claimant_person
    article.tags.add(tag)
    article.people.add(person)
    alias = PersonAliasFactory(person=person)
    article.body += "\n\nA correction."
    article.save()
    other = ArticleFactory()
    near_duplicate = NearDuplicate.objects.create(
        article=article, other=other, shared_passages=1, shared_words=9, containment=0.5
    )
    revision = revision_record(
        user=None,
        kind=RevisionKind.EDIT,
        summary="Renamed",
        changes=[FieldChange.of(person, "name", "Old Name", person.name)],
    )
    return {
        "source": article.source,
        "person": person,
        "personalias": alias,
        "tag": tag,
        "article": article,
        "articleversion": article.versions.get(),
        "claim": report.claim,
        "claimreport": report,
        "mergedperson": MergedPerson.objects.create(id=10**9, name="Old Name", slug="old-name", into=person),
        "mergedtag": MergedTag.objects.create(id=10**9, name="Old Tag", slug="old-tag", into=tag),
        "nearduplicate": near_duplicate,
        "searchlog": SearchLog.objects.record(query="Chupik", filters={}, result_count=0, duration_ms=4),
        "revision": revision,
        "fieldchange": revision.changes.get(),
        "signinfailure": SignInFailure.objects.create(username="editor", address="203.0.113.7"),
    }


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="unused", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_every_archive_model_is_registered():
    assert set(REGISTERED_MODELS) == {
        "article",
        "articleversion",
        "claim",
        "claimreport",
        "fieldchange",
        "mergedperson",
        "mergedtag",
        "nearduplicate",
        "person",
        "personalias",
        "revision",
        "searchlog",
        "signinfailure",
        "source",
        "tag",
    }


@pytest.mark.parametrize("model", REGISTERED_MODELS)
def test_changelist_add_and_change_pages_render(admin_client, one_of_each, model):
    assert admin_client.get(reverse(f"admin:articles_{model}_changelist")).status_code == 200
    add_status = admin_client.get(reverse(f"admin:articles_{model}_add")).status_code
    assert add_status == (403 if model in READ_ONLY_MODELS else 200)
    change_url = reverse(f"admin:articles_{model}_change", args=[one_of_each[model].pk])
    assert admin_client.get(change_url).status_code == 200


@pytest.mark.parametrize("model", sorted(READ_ONLY_MODELS))
def test_derived_rows_are_read_only(admin_client, one_of_each, model):
    page = admin_client.get(reverse(f"admin:articles_{model}_change", args=[one_of_each[model].pk])).content.decode()
    assert 'name="_save"' not in page


def test_article_search_uses_full_text_search(admin_client):
    ArticleFactory(title="Enlistment offices", body="Offices were mobilized.")
    ArticleFactory(title="Unrelated", body="Weather report.")
    page = admin_client.get(reverse("admin:articles_article_changelist"), {"q": "mobilization"}).content.decode()
    assert "Enlistment offices" in page
    assert "Unrelated" not in page


def autocomplete(client, model_name: str, field_name: str, term: str) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in json.loads(response.content)["results"]]


@pytest.mark.parametrize(
    ("model_name", "field_name", "factory", "name"),
    [
        ("article", "tags", TagFactory, "Mobilisation"),
        ("article", "people", PersonFactory, "Sergei Mironov"),
        ("article", "authors", PersonFactory, "Jane Reporter"),
        ("article", "source", SourceFactory, "Eurasianet"),
    ],
)
def test_autocomplete_finds_the_match(admin_client, model_name, field_name, factory, name):
    factory(name=name)
    factory(name="Something else")
    assert autocomplete(admin_client, model_name, field_name, name[:5].lower()) == [name]


def test_autocomplete_finds_people_by_alias(admin_client):
    PersonAliasFactory(person=PersonFactory(name="Sergei Mironov"), name="Sergey Mironov")
    assert autocomplete(admin_client, "article", "people", "Sergey") == ["Sergei Mironov"]


def test_claim_autocomplete_answers_on_claim_reports(admin_client):
    ClaimFactory(statement="Migrants were promised fast-track citizenship")
    assert autocomplete(admin_client, "claimreport", "claim", "citizenship") == [
        "Migrants were promised fast-track citizenship"
    ]


def test_article_autocomplete_finds_a_partly_typed_headline(admin_client):
    ArticleFactory(title="Enlistment offices reopen")
    assert autocomplete(admin_client, "claimreport", "article", "enlistm") == ["Enlistment offices reopen"]


def test_editor_can_use_autocomplete(editor_client):
    TagFactory(name="Mobilisation")
    assert autocomplete(editor_client, "article", "tags", "mobil") == ["Mobilisation"]


# --- The article page ----------------------------------------------------------------------------


def test_paragraph_choices_list_the_articles_paragraphs():
    article = ArticleFactory(body=f"First paragraph.\n\n{LONG_PARAGRAPH}")
    assert archive_admin.paragraph_choices(article) == [
        (1, "¶1 — First paragraph."),
        (2, f"¶2 — {LONG_PARAGRAPH[:79]}…"),
    ]


def test_article_page_picks_claim_paragraphs_from_its_own_text(admin_client, one_of_each):
    article = one_of_each["article"]
    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    page = response.content.decode()
    assert '<option value="1">¶1 — First paragraph.</option>' in page
    assert '<option value="2" selected>¶2 — The enlistment office' in page
    assert '<option value="4">¶4 — A correction.</option>' in page


def test_add_page_takes_a_paragraph_number(admin_client):
    page = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    assert 'type="number" name="claim_reports-__prefix__-paragraph"' in page
    assert "counting from 1" in page


def article_form_data(article: Article, **changes) -> dict:
    """The article's change form as a browser would post it, with no inline rows."""
    saved = article.pk is not None
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "language": article.language,
        "source": article.source_id or "",
        "published_on": article.published_on or "",
        "published_precision": article.published_precision,
        "published_note": article.published_note,
        "url": article.url,
        "status": article.status,
        "retraction_note": article.retraction_note,
        "authors": [person.pk for person in article.authors.all()] if saved else [],
        "people": [person.pk for person in article.people.all()] if saved else [],
        "tags": [tag.pk for tag in article.tags.all()] if saved else [],
        # As the change page was opened: when the article was last saved (optimistic locking).
        "opened_version": article.updated_at.isoformat() if saved else "",
    }
    for prefix in ("claim_reports", "versions", "near_duplicates"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return data | changes


def post_article(client, article: Article, **changes):
    return client.post(
        reverse("admin:articles_article_change", args=[article.pk]), article_form_data(article, **changes)
    )


def test_retracting_without_a_note_is_a_form_error(admin_client):
    article = ArticleFactory()
    response = post_article(admin_client, article, status=ArticleStatus.RETRACTED, retraction_note=" ")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["retraction_note"] == [
        "A retracted article needs a note: readers see it instead of the text."
    ]
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED


def test_retracting_with_a_note_saves(admin_client):
    article = ArticleFactory()
    response = post_article(admin_client, article, status=ArticleStatus.RETRACTED, retraction_note="Fabricated.")
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.retraction_note) == (ArticleStatus.RETRACTED, "Fabricated.")


def test_a_body_another_article_has_is_a_form_error(admin_client):
    first, second = ArticleFactory(body="The same words."), ArticleFactory()
    response = post_article(admin_client, second, body="The  same words.\n")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [
        f"Another article already has this text: “{first.title}” (id {first.pk})."
    ]


def test_adding_an_article_with_a_known_body_is_a_form_error(admin_client):
    ArticleFactory(body="The same words.")
    data = article_form_data(Article(title="New", slug="new", body="The same words.", language="en"))
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    assert not Article.objects.filter(slug="new").exists()


def test_a_body_corrected_in_the_admin_keeps_the_earlier_text(admin_client):
    article = ArticleFactory(body="The first text.")
    assert post_article(admin_client, article, body="The corrected text.").status_code == 302
    assert list(article.versions.values_list("number", "body")) == [(1, "The first text.")]
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    version_url = reverse("articles:article_version", kwargs={"pk": article.pk, "slug": article.slug, "number": 1})
    assert f'href="{version_url}"' in page


def test_a_claim_at_a_paragraph_the_article_lacks_is_a_form_error(admin_client):
    article, claim = ArticleFactory(body="One.\n\nTwo."), ClaimFactory()
    data = article_form_data(article) | {
        "claim_reports-TOTAL_FORMS": 1,
        "claim_reports-0-claim": claim.pk,
        "claim_reports-0-paragraph": 3,
    }
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 200
    assert not ClaimReport.objects.exists()
    data["claim_reports-0-paragraph"] = 2
    assert admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data).status_code == 302
    assert ClaimReport.objects.get().paragraph == 2


def test_claim_page_checks_the_paragraph_against_the_article(admin_client):
    report = ClaimReportFactory(article=ArticleFactory(body="Only one paragraph."))
    claim = report.claim
    data = {
        "statement": claim.statement,
        "slug": claim.slug,
        "quote": "",
        "claimant_person": claim.claimant_person_id,
        "claimant_source": "",
        "claimed_on": "",
        "claimed_precision": "",
        "rating": claim.rating,
        "rating_note": "",
        "reports-TOTAL_FORMS": 1,
        "reports-INITIAL_FORMS": 1,
        "reports-0-id": report.pk,
        "reports-0-claim": claim.pk,
        "reports-0-article": report.article_id,
        "reports-0-paragraph": 2,
    }
    response = admin_client.post(reverse("admin:articles_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200
    assert "has 1 paragraph." in response.content.decode()


def test_view_on_site_only_for_published_articles(admin_client):
    published, draft = ArticleFactory(), ArticleFactory(status=ArticleStatus.DRAFT)
    page = admin_client.get(reverse("admin:articles_article_change", args=[published.pk])).content.decode()
    assert "View on site" in page
    page = admin_client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert "View on site" not in page


# --- Editors and permissions ---------------------------------------------------------------------


def test_editors_group_has_exactly_the_intended_permissions():
    permissions = set(Group.objects.get(name="Editors").permissions.values_list("content_type__app_label", "codename"))
    editable = {"source", "person", "personalias", "tag", "claim", "claimreport"}
    expected = {
        ("articles", f"{action}_{model}") for model in editable for action in ("add", "change", "delete", "view")
    }
    expected |= {("articles", f"{action}_article") for action in ("add", "change", "view")}
    # Sign-in failures hold addresses, personal data: for superusers only (articles.admin.sign_ins).
    expected |= {("articles", f"view_{model}") for model in READ_ONLY_MODELS - {"signinfailure"}}
    assert permissions == expected
    assert not {app for app, _ in permissions} & {"auth", "contenttypes", "admin", "sessions"}


def test_editors_group_migration_is_idempotent_and_repairs_the_group():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("articles.migrations.0007_editors_group")
    group = Group.objects.get(name="Editors")
    group.permissions.add(Permission.objects.get(codename="change_user"))
    migration.editors_group_create(apps, connection.schema_editor())
    migration.editors_group_create(apps, connection.schema_editor())
    assert Group.objects.filter(name="Editors").count() == 1
    assert not group.permissions.filter(content_type__app_label="auth").exists()
    migration.editors_group_delete(apps, connection.schema_editor())
    assert not Group.objects.filter(name="Editors").exists()


@pytest.mark.parametrize("model", ["article", "person", "tag", "source", "claim"])
def test_editor_can_open_content_lists_and_add_pages(editor_client, one_of_each, model):
    assert editor_client.get(reverse(f"admin:articles_{model}_changelist")).status_code == 200
    assert editor_client.get(reverse(f"admin:articles_{model}_add")).status_code == 200
    change_url = reverse(f"admin:articles_{model}_change", args=[one_of_each[model].pk])
    assert 'name="_save"' in editor_client.get(change_url).content.decode()


def test_editor_cannot_delete_articles(editor_client, one_of_each):
    response = editor_client.get(reverse("admin:articles_article_delete", args=[one_of_each["article"].pk]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "url_name", ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]
)
def test_editor_cannot_manage_accounts(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_editor_changes_are_saved(editor_client):
    article = ArticleFactory()
    tag = TagFactory()
    assert post_article(editor_client, article, tags=[tag.pk]).status_code == 302
    assert list(article.tags.all()) == [tag]


def test_saving_an_article_counts_its_text_in_and_out_of_the_search_statistics(editor_client):
    article = ArticleFactory(title="Harvest", body="Wheat harvest near Kostanay.")
    vocabulary_refresh()

    assert post_article(editor_client, article, body="Barley harvest near Kostanay.").status_code == 302
    vocabulary = dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])
    assert "wheat" not in vocabulary and vocabulary["barley"] == 1

    article.refresh_from_db()
    retracted = post_article(editor_client, article, status=ArticleStatus.RETRACTED, retraction_note="Not verified.")
    assert retracted.status_code == 302
    assert "barley" not in dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])

    added = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form_data(Article(title="Quinoa", slug="quinoa", body="Quinoa fields near Osh.", status="published")),
    )
    assert added.status_code == 302
    assert dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])["quinoa"] == 1


@pytest.mark.parametrize("url_name", ["admin:index", "admin:articles_article_changelist", "admin:auth_user_changelist"])
def test_anonymous_users_are_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_outside_the_group_see_nothing(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("intern", password="unused", is_staff=True))
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 403


# --- Fast changelists ----------------------------------------------------------------------------


def changelist_queries(client, url_name: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name)).status_code == 200
    return len(queries)


def add_articles(count: int) -> None:
    for _ in range(count):
        article = ArticleFactory(source=SourceFactory(), published_on="2023-01-05", published_precision="day")
        article.tags.add(TagFactory(), TagFactory())
        article.people.add(PersonFactory())


def add_people(count: int) -> None:
    for _ in range(count):
        PersonAliasFactory(person=PersonFactory())


@pytest.mark.parametrize(
    ("url_name", "add_rows"),
    [
        ("admin:articles_article_changelist", add_articles),
        ("admin:articles_person_changelist", add_people),
        ("admin:articles_claim_changelist", lambda count: ClaimFactory.create_batch(count)),
        ("admin:articles_claimreport_changelist", lambda count: ClaimReportFactory.create_batch(count)),
        ("admin:articles_personalias_changelist", lambda count: PersonAliasFactory.create_batch(count)),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, url_name, add_rows):
    add_rows(5)
    few = changelist_queries(admin_client, url_name)
    add_rows(45)
    assert changelist_queries(admin_client, url_name) <= few


def estimated_count_paginator(queryset) -> archive_admin.EstimatedCountPaginator:
    with connection.cursor() as cursor:
        # The planner's statistics, as autovacuum would leave them.
        cursor.execute(f"ANALYZE {queryset.model._meta.db_table}")
    return archive_admin.EstimatedCountPaginator(queryset, 10)


def test_a_large_unfiltered_list_is_counted_from_statistics(monkeypatch):
    monkeypatch.setattr("articles.admin.base.ESTIMATED_COUNT_THRESHOLD", 3)
    PersonFactory.create_batch(4)
    paginator = estimated_count_paginator(Person.objects.all())
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 4
    assert "reltuples" in queries[0]["sql"]
    assert not any("COUNT(" in query["sql"].upper() for query in queries)


def test_a_filtered_or_small_list_is_counted_exactly(monkeypatch):
    PersonFactory.create_batch(4)
    PersonFactory(name="Zed")
    assert estimated_count_paginator(Person.objects.all()).count == 5  # below the threshold
    monkeypatch.setattr("articles.admin.base.ESTIMATED_COUNT_THRESHOLD", 3)
    with CaptureQueriesContext(connection) as queries:
        assert estimated_count_paginator(Person.objects.filter(name="Zed")).count == 1
    assert not any("reltuples" in query["sql"] for query in queries)


def test_changelists_show_no_full_count(admin_client):
    ArticleFactory.create_batch(2)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(reverse("admin:articles_article_changelist"), {"status__exact": "published"})
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    # One count, of the filtered list; no second count of the whole table beside it.
    assert len(counts) == 1
    assert "WHERE" in counts[0].upper()


def test_article_versions_list_renders_with_public_links(admin_client, one_of_each):
    version = one_of_each["articleversion"]
    page = admin_client.get(reverse("admin:articles_articleversion_changelist")).content.decode()
    assert version.body_sha256 in page
    assert ArticleVersion.objects.count() == 1


def test_a_new_articles_claim_paragraph_is_checked_against_its_text(admin_client):
    claim = ClaimFactory()
    data = article_form_data(Article(title="New", slug="new", body="One.\n\nTwo.", language="en")) | {
        "claim_reports-TOTAL_FORMS": 1,
        "claim_reports-0-claim": claim.pk,
        "claim_reports-0-paragraph": 3,
    }
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "“New” has 2 paragraphs." in response.content.decode()
    data["claim_reports-0-paragraph"] = 2
    assert admin_client.post(reverse("admin:articles_article_add"), data).status_code == 302
    assert ClaimReport.objects.get().article.slug == "new"


# --- Merging duplicates ----------------------------------------------------------------------------


def merge_post(client, model: str, rows, **extra):
    action = {"person": "merge_people", "tag": "merge_tags"}[model]
    return client.post(
        reverse(f"admin:articles_{model}_changelist"),
        {"action": action, "_selected_action": [row.pk for row in rows], **extra},
        follow=True,
    )


def test_merging_people_asks_which_to_keep_then_merges_and_redirects(editor_client):
    keep, duplicate = PersonFactory(name="Sergey Mironov"), PersonFactory(name="Sergei Mironov")
    article = ArticleFactory()
    article.people.add(duplicate)
    page = merge_post(editor_client, "person", [keep, duplicate]).content.decode()
    assert "Choose the person to keep" in page
    assert 'type="radio" name="keep"' in page
    assert Person.objects.filter(pk=duplicate.pk).exists()  # nothing merged before confirming

    response = merge_post(editor_client, "person", [keep, duplicate], confirm="yes", keep=keep.pk)
    assert "Merged 1 person into “Sergey Mironov”" in response.content.decode()
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert list(article.people.all()) == [keep]
    assert "Sergei Mironov" in keep.aliases.values_list("name", flat=True)
    assert editor_client.get(f"/people/{duplicate.pk}/{duplicate.slug}/").status_code == 301


def test_merging_tags_and_refusing_a_single_row(editor_client):
    keep, duplicate = TagFactory(name="Moscow"), TagFactory(name="moscow city")
    article = ArticleFactory()
    article.tags.add(duplicate)
    page = merge_post(editor_client, "tag", [keep]).content.decode()
    assert "Select two or more tags to merge." in page
    merge_post(editor_client, "tag", [keep, duplicate], confirm="yes", keep=keep.pk)
    assert list(Tag.objects.all()) == [keep]
    assert list(article.tags.all()) == [keep]


# --- What readers look for -------------------------------------------------------------------------


def test_the_search_report_shows_frequent_searches_and_those_that_found_nothing(editor_client):
    for query, found in [("Putin", 3), ("putin", 3), ("Cupik", 0)]:
        SearchLog.objects.record(query=query, filters={}, result_count=found, duration_ms=5)
    changelist = editor_client.get(reverse("admin:articles_searchlog_changelist")).content.decode()
    assert reverse("admin:articles_searchlog_report") in changelist
    page = editor_client.get(reverse("admin:articles_searchlog_report"), {"days": "7"}).content.decode()
    nothing, frequent = page.split("<h2>Most frequent</h2>")
    assert '<a href="/search/?q=cupik">cupik</a>' in nothing and "putin" not in nothing.split("Found nothing")[1]
    assert '<a href="/search/?q=putin">putin</a></td><td>2</td>' in frequent
    # An unknown period falls back to 30 days rather than failing.
    assert editor_client.get(reverse("admin:articles_searchlog_report"), {"days": "x"}).status_code == 200


def test_the_search_report_is_for_staff_only(client):
    response = client.get(reverse("admin:articles_searchlog_report"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Two editors, one article ----------------------------------------------------------------------


def test_the_second_editor_to_save_gets_a_conflict_instead_of_overwriting(admin_client):
    article = ArticleFactory(title="Original headline", body="Original text.")
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert f'name="opened_version" value="{article.updated_at.isoformat()}"' in page
    opened = article_form_data(article)  # both editors open the page

    other_editor = Article.objects.get(pk=article.pk)
    other_editor.title = "The other editor's headline"
    other_editor.save()

    response = admin_client.post(
        reverse("admin:articles_article_change", args=[article.pk]), opened | {"body": "My text."}
    )
    assert response.status_code == 200
    assert "Someone else saved this article at" in response.content.decode()
    article.refresh_from_db()
    assert (article.title, article.body) == ("The other editor's headline", "Original text.")

    # Opened again, the form carries the new time and saves.
    assert post_article(admin_client, article, body="My text.").status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body) == ("The other editor's headline", "My text.")
