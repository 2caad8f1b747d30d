"""The editors' history: what is tracked and how it reads (articles.history), what the admin records
(articles.admin.history), the history pages, the revision pages and undoing a revision."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import history
from articles.admin.history import change_shown
from articles.models import (
    AliasKind,
    Article,
    ArticleStatus,
    Claim,
    ClaimRating,
    ClaimReport,
    DatePrecision,
    FieldChange,
    Person,
    PersonAlias,
    Revision,
    RevisionKind,
)
from articles.services import Link, links_change, revision_record
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="unused", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def changes_of(obj) -> dict[str, tuple[str, str]]:
    """The latest revision's changes of ``obj``: field → (old, new)."""
    revision = Revision.objects.touching(obj).first()
    return {change.field: (change.old, change.new) for change in revision.object_changes}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_article(client, article: Article, **changes):
    return client.post(
        reverse("admin:articles_article_change", args=[article.pk]), article_form_data(article, **changes)
    )


def person_form_data(person: Person, aliases: list[tuple[PersonAlias | None, str, str]]) -> dict:
    """The person's change form with these alias rows: (stored alias or None for a new one, name, kind)."""
    data = {
        "name": person.name,
        "slug": person.slug,
        "description": person.description,
        "aliases-TOTAL_FORMS": len(aliases),
        "aliases-INITIAL_FORMS": sum(1 for alias, _, _ in aliases if alias is not None),
    }
    for index, (alias, name, kind) in enumerate(aliases):
        data |= {
            f"aliases-{index}-id": alias.pk if alias else "",
            f"aliases-{index}-person": person.pk,
            f"aliases-{index}-name": name,
            f"aliases-{index}-kind": kind,
        }
    return data


def claim_form_data(claim: Claim, reports: list[tuple[ClaimReport | None, Article, int]]) -> dict:
    data = {
        "statement": claim.statement,
        "slug": claim.slug,
        "quote": claim.quote,
        "claimant_person": claim.claimant_person_id or "",
        "claimant_source": claim.claimant_source_id or "",
        "claimed_on": "",
        "claimed_precision": "",
        "rating": claim.rating,
        "rating_note": claim.rating_note,
        "reports-TOTAL_FORMS": len(reports),
        "reports-INITIAL_FORMS": sum(1 for report, _, _ in reports if report is not None),
    }
    for index, (report, article, paragraph) in enumerate(reports):
        data |= {
            f"reports-{index}-id": report.pk if report else "",
            f"reports-{index}-claim": claim.pk,
            f"reports-{index}-article": article.pk,
            f"reports-{index}-paragraph": paragraph,
        }
    return data


# --- What is tracked, as text -----------------------------------------------------------------------


def test_an_article_snapshot_reads_every_editable_field_as_text():
    source = SourceFactory(name="Eurasianet")
    article = ArticleFactory(
        title="Migrants queue",
        source=source,
        published_on=datetime.date(2023, 1, 1),
        published_precision=DatePrecision.MONTH,
        status=ArticleStatus.DRAFT,
        body="One.\n\nTwo.",
    )
    article.tags.set([TagFactory(name="moscow"), TagFactory(name="Labour")])
    article.people.set([PersonFactory(name="Zoe"), PersonFactory(name="adam")])
    article.authors.set([PersonFactory(name="Reporter")])
    ClaimReportFactory(article=article, claim__statement="Queues doubled, officials said", paragraph=2)
    ClaimReportFactory(article=article, claim__statement="A ban is coming", paragraph=1)

    texts = history.snapshot(article)

    assert texts["title"] == "Migrants queue"
    assert texts["source"] == "Eurasianet"  # a related row by its name
    assert texts["published on"] == "2023-01-01"
    assert texts["published precision"] == "month"  # a choice by its label
    assert texts["status"] == "draft"
    assert texts["title is editorial"] == "no"
    assert texts["tags"] == "Labour, moscow"  # sorted whatever the case, as links_change writes them
    assert texts["people mentioned"] == "adam, Zoe"
    assert texts["authors"] == "Reporter"
    assert texts["claims reported"] == "A ban is coming ¶1\nQueues doubled, officials said ¶2"
    assert texts["body"] == "One.\n\nTwo."
    assert set(texts) == set(history.tracked_labels(Article))
    assert not {"archived at", "SHA-256 of the body", "created at", "retracted at"} & set(texts)


def test_person_and_claim_snapshots_list_aliases_and_reports():
    person = PersonFactory(name="Valentina Chupik")
    PersonAliasFactory(person=person, name="Cupik", kind=AliasKind.TRANSLITERATION)
    PersonAliasFactory(person=person, name="V. Chupik")
    claim = ClaimFactory(claimant_person=person, rating=ClaimRating.DISPUTED)
    ClaimReportFactory(claim=claim, article__title="Raids, then fines", paragraph=3)

    assert history.snapshot(person) == {
        "name": "Valentina Chupik",
        "slug": person.slug,
        "description": "",
        "aliases": "Cupik (transliteration), V. Chupik (spelling variant)",
    }
    texts = history.snapshot(claim)
    assert (texts["claimant person"], texts["claimant source"]) == ("Valentina Chupik", "")
    assert texts["rating"] == "disputed"
    assert texts["reported in"] == "Raids, then fines ¶3"


def test_snapshots_cost_the_same_queries_for_one_row_or_many(django_assert_num_queries):
    def articles(count):
        rows = []
        for _ in range(count):
            article = ArticleFactory(source=SourceFactory())
            article.tags.add(TagFactory(), TagFactory())
            article.people.add(PersonFactory())
            ClaimReportFactory(article=article)
            rows.append(article.pk)
        return rows

    one, many = articles(1), articles(15)
    # The rows, their sources, authors, tags, people mentioned and claims reported.
    with django_assert_num_queries(6):
        history.snapshots(Article, one)
    with django_assert_num_queries(6):
        found = history.snapshots(Article, many)
    assert len(found) == 15


def test_field_changes_keep_only_what_differs():
    person = PersonFactory(name="New")
    changes = history.field_changes(person, {"name": "Old", "slug": "s"}, {"name": "New", "slug": "s"})
    assert [(c.field, c.old, c.new, c.object_repr, c.object_id) for c in changes] == [
        ("name", "Old", "New", "New", person.pk)
    ]
    added = history.field_changes(person, {}, {"name": "New", "description": ""})
    assert [(c.field, c.old, c.new) for c in added] == [("name", "", "New")]


# --- Recorded from the admin ----------------------------------------------------------------------


def test_changing_an_article_records_who_and_each_field(editor_client, editor):
    article = ArticleFactory(title="Old headline")
    article.tags.add(TagFactory(name="Migration"))
    moscow, person = TagFactory(name="Moscow"), PersonFactory(name="Sergei Mironov")
    tags = [*article.tags.values_list("pk", flat=True), moscow.pk]

    response = post_article(editor_client, article, title="New headline", tags=tags, people=[person.pk])

    assert response.status_code == 302
    revision = Revision.objects.get()
    assert (revision.user, revision.username, revision.kind) == (editor, "editor", RevisionKind.EDIT)
    assert revision.summary == "Changed title, tags, people mentioned of article “New headline”"
    assert changes_of(article) == {
        "title": ("Old headline", "New headline"),
        "tags": ("Migration", "Migration, Moscow"),
        "people mentioned": ("", "Sergei Mironov"),
    }
    assert not revision.can_be_undone  # an edit is not a change of links only


def test_saving_without_changes_records_nothing(editor_client):
    article = ArticleFactory()
    assert post_article(editor_client, article).status_code == 302
    assert not Revision.objects.exists()


def test_an_edit_conflict_saves_and_records_nothing(editor_client):
    article = ArticleFactory(title="Original")
    opened = article_form_data(article)
    Article.objects.filter(pk=article.pk).update(updated_at=article.updated_at + datetime.timedelta(seconds=1))
    response = editor_client.post(
        reverse("admin:articles_article_change", args=[article.pk]), opened | {"title": "Mine"}
    )
    assert "Someone else saved this article" in response.content.decode()
    assert not Revision.objects.exists()


def test_a_body_correction_is_recorded_in_full(editor_client):
    article = ArticleFactory(body="The office opened.\n\nQueues formed.")
    post_article(editor_client, article, body="The office closed.\n\nQueues formed.")
    assert changes_of(article)["body"] == (
        "The office opened.\n\nQueues formed.",
        "The office closed.\n\nQueues formed.",
    )


def test_adding_an_article_records_its_fields(editor_client, editor):
    data = article_form_data(Article(title="Brand new", slug="brand-new", body="Its text.", language="en"))
    assert editor_client.post(reverse("admin:articles_article_add"), data).status_code == 302
    article = Article.objects.get(slug="brand-new")
    revision = Revision.objects.get()
    assert revision.summary == "Added article “Brand new”"
    changes = changes_of(article)
    assert changes["title"] == ("", "Brand new")
    assert changes["body"] == ("", "Its text.")
    assert "tags" not in changes  # empty before and after: nothing to say


def test_deleting_a_person_records_their_fields_and_the_articles_that_lose_them(admin_client, admin_user):
    person = PersonFactory(name="Gone Person")
    PersonAliasFactory(person=person, name="G. Person")
    article = ArticleFactory()
    article.people.add(person, PersonFactory(name="Stays"))

    response = admin_client.post(reverse("admin:articles_person_delete", args=[person.pk]), {"post": "yes"})

    assert response.status_code == 302
    revision = Revision.objects.get()
    assert (revision.summary, revision.user) == ("Deleted person “Gone Person”", admin_user)
    changes = {(c.object_id, c.field): (c.old, c.new) for c in revision.changes.all()}
    assert changes[person.pk, "name"] == ("Gone Person", "")
    assert changes[person.pk, "aliases"] == ("G. Person (spelling variant)", "")
    assert changes[article.pk, "people mentioned"] == ("Gone Person, Stays", "Stays")


def test_deleting_several_claims_at_once_is_one_revision(editor_client):
    first, second = ClaimFactory(statement="First claim"), ClaimFactory(statement="Second claim")
    report = ClaimReportFactory(claim=first, paragraph=1)
    response = editor_client.post(
        reverse("admin:articles_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Claim.objects.exists()
    revision = Revision.objects.get()
    assert revision.summary.startswith("Deleted 2 claims: ")
    assert changes_of(report.article)["claims reported"] == ("First claim ¶1", "")


def test_an_alias_changed_inline_is_in_the_persons_history(editor_client):
    person = PersonFactory(name="Sergei Mironov")
    alias = PersonAliasFactory(person=person, name="Sergey Mironov")
    data = person_form_data(
        person, [(alias, "Sergey Mironow", AliasKind.SPELLING), (None, "Сергей Миронов", AliasKind.TRANSLITERATION)]
    )
    assert editor_client.post(reverse("admin:articles_person_change", args=[person.pk]), data).status_code == 302
    assert changes_of(person) == {
        "aliases": (
            "Sergey Mironov (spelling variant)",
            "Sergey Mironow (spelling variant), Сергей Миронов (transliteration)",
        )
    }
    assert Revision.objects.get().summary == "Changed aliases of person “Sergei Mironov”"


def test_an_alias_changed_on_its_own_page_is_in_the_persons_history_both_before_and_after(editor_client):
    first, second = PersonFactory(name="First"), PersonFactory(name="Second")
    alias = PersonAliasFactory(person=first, name="Spelling")
    url = reverse("admin:articles_personalias_change", args=[alias.pk])
    response = editor_client.post(url, {"person": second.pk, "name": "Spelling", "kind": AliasKind.SPELLING})
    assert response.status_code == 302
    assert changes_of(first) == {"aliases": ("Spelling (spelling variant)", "")}
    assert changes_of(second) == {"aliases": ("", "Spelling (spelling variant)")}
    assert Revision.objects.get().summary == "Changed person alias “Spelling → Second”"

    editor_client.post(reverse("admin:articles_personalias_delete", args=[alias.pk]), {"post": "yes"})
    assert changes_of(second) == {"aliases": ("Spelling (spelling variant)", "")}


def test_a_claim_report_changed_inline_is_in_the_claims_and_the_articles_history(editor_client):
    claim = ClaimFactory(statement="Fines rose")
    first = ArticleFactory(title="First report", body="One.\n\nTwo.\n\nThree.")
    second = ArticleFactory(title="Second report", body="One.\n\nTwo.")
    report = ClaimReportFactory(claim=claim, article=first, paragraph=1)
    data = claim_form_data(claim, [(report, first, 3), (None, second, 2)])

    assert editor_client.post(reverse("admin:articles_claim_change", args=[claim.pk]), data).status_code == 302

    assert changes_of(claim) == {"reported in": ("First report ¶1", "First report ¶3\nSecond report ¶2")}
    assert changes_of(first) == {"claims reported": ("Fines rose ¶1", "Fines rose ¶3")}
    assert changes_of(second) == {"claims reported": ("", "Fines rose ¶2")}
    assert Revision.objects.count() == 1


def test_a_claim_reported_from_the_article_page_is_in_the_claims_history(editor_client):
    article, claim = ArticleFactory(title="The report", body="One.\n\nTwo."), ClaimFactory(statement="A claim")
    data = article_form_data(article) | {
        "claim_reports-TOTAL_FORMS": 1,
        "claim_reports-0-claim": claim.pk,
        "claim_reports-0-paragraph": 2,
    }
    assert editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data).status_code == 302
    assert changes_of(article) == {"claims reported": ("", "A claim ¶2")}
    assert changes_of(claim) == {"reported in": ("", "The report ¶2")}


def test_a_claim_report_changed_on_its_own_page_is_in_both_histories(editor_client):
    report = ClaimReportFactory(claim__statement="A claim", article__title="The report", paragraph=1)
    url = reverse("admin:articles_claimreport_change", args=[report.pk])
    data = {"claim": report.claim_id, "article": report.article_id, "paragraph": 2}
    assert editor_client.post(url, data).status_code == 302
    assert changes_of(report.claim) == {"reported in": ("The report ¶1", "The report ¶2")}
    assert changes_of(report.article) == {"claims reported": ("A claim ¶1", "A claim ¶2")}


def test_renaming_an_article_does_not_count_as_changing_its_claims(editor_client):
    report = ClaimReportFactory(article__title="Old title")
    claim_form = {"claim_reports-TOTAL_FORMS": 1, "claim_reports-INITIAL_FORMS": 1}
    claim_form |= {"claim_reports-0-id": report.pk, "claim_reports-0-claim": report.claim_id}
    claim_form |= {"claim_reports-0-paragraph": 1, "claim_reports-0-article": report.article_id}
    data = article_form_data(report.article, title="New title") | claim_form
    assert editor_client.post(reverse("admin:articles_article_change", args=[report.article_id]), data).status_code
    assert changes_of(report.article) == {"title": ("Old title", "New title")}
    assert not Revision.objects.touching(report.claim).exists()


# --- The history page ---------------------------------------------------------------------------------


def history_url(obj) -> str:
    return reverse(f"admin:articles_{obj._meta.model_name}_history", args=[obj.pk])


def test_the_history_page_lists_every_change_newest_first(editor_client, editor):
    article = ArticleFactory(title="Old headline")
    tag = TagFactory(name="Mobilisation")
    post_article(editor_client, article, title="New headline")
    links_change(
        user=editor,
        kind=RevisionKind.BULK,
        summary="Tagged 1 article “Mobilisation”",
        add=[Link("tags", article.pk, tag.pk)],
    )
    unrelated = ArticleFactory()
    post_article(editor_client, unrelated, title="Something else")

    response = editor_client.get(history_url(article))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Tagged 1 article") < page.index("Changed title of article")  # newest first
    assert "of article “Something else”" not in page
    assert '<td class="history-old">Old headline</td>' in page
    assert '<td class="history-new">New headline</td>' in page
    assert '<td class="history-old">—</td>' in page and '<td class="history-new">Mobilisation</td>' in page
    assert "bulk action on selected articles" in page
    for revision in Revision.objects.touching(article):
        assert reverse("admin:articles_revision_change", args=[revision.pk]) in page
    assert "2 changes" in page


def test_a_long_text_is_shown_word_by_word(admin_client):
    paragraph = "Enlistment offices sent summonses to every man in the village. " * 5
    article = ArticleFactory(body=f"{paragraph}\n\nThe office opened on Monday.")
    post_article(admin_client, article, body=f"{paragraph}\n\nThe office closed on Monday.")
    page = admin_client.get(history_url(article)).content.decode()
    assert "¶2:</span>\n    The office <del>opened</del> <ins>closed</ins> on Monday." in page
    assert "summonses" not in page  # unchanged paragraphs are left out


def test_a_long_value_set_or_listed_is_shown_sensibly():
    person = PersonFactory()
    long_text = " ".join(f"word{n}" for n in range(300))
    excerpt = change_shown(FieldChange.of(person, "description", "", long_text))
    assert (excerpt.style, excerpt.words) == ("excerpt", 300)
    assert excerpt.excerpt.endswith("word39…")
    names = [f"Tag number {n}" for n in range(30)]
    items = change_shown(FieldChange.of(ArticleFactory(), "tags", ", ".join(names[:-1]), ", ".join(names[1:])))
    assert (items.style, items.removed, items.added) == ("items", ("Tag number 0",), ("Tag number 29",))


def test_people_and_claims_have_the_history_page_too(editor_client):
    person, claim = PersonFactory(), ClaimFactory()
    for obj in (person, claim):
        page = editor_client.get(history_url(obj)).content.decode()
        assert "No change of this" in page
    revision_record(
        user=None, kind=RevisionKind.EDIT, summary="Renamed", changes=[FieldChange.of(person, "name", "Old", "New")]
    )
    page = editor_client.get(history_url(person)).content.decode()
    assert "Renamed" in page and "no editor (a command)" in page


def test_the_history_page_costs_the_same_queries_however_long_the_history(admin_client):
    article, tags = ArticleFactory(), TagFactory.create_batch(25)

    def tag_separately(count):
        for tag in tags[:count]:
            links_change(user=None, kind=RevisionKind.BULK, summary="t", add=[Link("tags", article.pk, tag.pk)])

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(history_url(article)).status_code == 200
        return len(queries)

    tag_separately(2)
    few = page_queries()
    tag_separately(25)
    assert page_queries() <= few


def test_a_history_page_past_the_end_is_404(admin_client):
    article = ArticleFactory()
    assert admin_client.get(history_url(article), {"p": "2"}).status_code == 404
    assert admin_client.get(history_url(article), {"p": "x"}).status_code == 404


# --- Revisions and undo ------------------------------------------------------------------------------


@pytest.fixture
def tagging(editor):
    """Two articles tagged in one bulk revision (one was tagged already), which can be undone."""
    tag = TagFactory(name="Mobilisation")
    first, second = ArticleFactory(title="First"), ArticleFactory(title="Second")
    second.tags.add(tag)
    revision = links_change(
        user=editor,
        kind=RevisionKind.BULK,
        summary="Tagged 2 articles “Mobilisation”",
        add=[Link("tags", first.pk, tag.pk), Link("tags", second.pk, tag.pk)],
    )
    return {"revision": revision, "tag": tag, "first": first, "second": second}


def undo_url(revision: Revision) -> str:
    return reverse("admin:articles_revision_undo", args=[revision.pk])


def revision_url(revision: Revision) -> str:
    return reverse("admin:articles_revision_change", args=[revision.pk])


def test_the_revision_list_shows_who_what_and_filters(editor_client, tagging):
    revision_record(
        user=None,
        kind=RevisionKind.EDIT,
        summary="Renamed",
        changes=[FieldChange.of(PersonFactory(), "name", "a", "b")],
    )
    url = reverse("admin:articles_revision_changelist")
    page = editor_client.get(url).content.decode()
    assert "Tagged 2 articles" in page and "Renamed" in page and "editor" in page
    page = editor_client.get(url, {"kind__exact": "bulk"}).content.decode()
    assert "Tagged 2 articles" in page and "Renamed" not in page
    page = editor_client.get(url, {"undo": "possible"}).content.decode()
    assert "Tagged 2 articles" in page and "Renamed" not in page
    page = editor_client.get(url, {"q": "renamed"}).content.decode()
    assert "Renamed" in page and "Tagged 2 articles" not in page


def test_a_revision_page_links_each_row_changed_and_offers_undo(editor_client, tagging):
    page = editor_client.get(revision_url(tagging["revision"])).content.decode()
    first = tagging["first"]
    assert reverse("admin:articles_article_change", args=[first.pk]) in page
    assert history_url(first) in page
    assert "Second" not in page  # tagged already: not changed, not recorded
    assert f'href="{undo_url(tagging["revision"])}"' in page
    assert 'name="_save"' not in page


def test_undo_asks_first_then_undoes_and_records_it(editor_client, editor, tagging):
    revision, first, second = tagging["revision"], tagging["first"], tagging["second"]

    confirmation = editor_client.get(undo_url(revision))
    assert confirmation.status_code == 200
    assert "Yes, undo it" in confirmation.content.decode()
    assert list(first.tags.all()) == [tagging["tag"]]  # nothing undone by looking

    response = editor_client.post(undo_url(revision))

    revision.refresh_from_db()
    undoing = revision.undone_by
    assert response.status_code == 302
    assert response["Location"] == revision_url(undoing)
    assert messages_of(response) == [
        "Undone: “Tagged 2 articles “Mobilisation””. The undo is in the history too, below."
    ]
    assert (undoing.kind, undoing.user) == (RevisionKind.UNDO, editor)
    assert not first.tags.exists()
    assert list(second.tags.all()) == [tagging["tag"]]  # it was tagged before: the undo leaves it
    assert changes_of(first) == {"tags": ("Mobilisation", "")}
    assert "Undo…" not in editor_client.get(revision_url(revision)).content.decode()


def test_a_second_undo_is_refused_with_a_message(editor_client, tagging):
    revision = tagging["revision"]
    editor_client.post(undo_url(revision))
    for method in (editor_client.post, editor_client.get):
        response = method(undo_url(revision))
        assert response.status_code == 302
        assert response["Location"] == revision_url(revision)
        assert messages_of(response)[-1] == (
            "“Tagged 2 articles “Mobilisation”” cannot be undone: it was undone already."
        )
    assert Revision.objects.filter(kind=RevisionKind.UNDO).count() == 1


def test_an_edit_cannot_be_undone(editor_client):
    person = PersonFactory()
    revision = revision_record(
        user=None, kind=RevisionKind.EDIT, summary="Renamed", changes=[FieldChange.of(person, "name", "a", "b")]
    )
    assert "Undo…" not in editor_client.get(revision_url(revision)).content.decode()
    response = editor_client.post(undo_url(revision), follow=True)
    assert response.status_code == 200
    assert "cannot be undone: only changes of links can be undone." in response.content.decode()


def test_undo_needs_the_right_to_change_articles(client, django_user_model, tagging):
    reader = django_user_model.objects.create_user("reader", password="unused", is_staff=True)
    reader.user_permissions.add(*Permission.objects.filter(codename__in=["view_revision", "view_fieldchange"]))
    client.force_login(reader)
    assert client.get(revision_url(tagging["revision"])).status_code == 200
    assert "Undo…" not in client.get(revision_url(tagging["revision"])).content.decode()
    assert client.get(undo_url(tagging["revision"])).status_code == 403
    assert client.post(undo_url(tagging["revision"])).status_code == 403
    assert tagging["first"].tags.exists()


def test_an_unknown_revision_redirects_with_a_message(editor_client):
    response = editor_client.get(reverse("admin:articles_revision_undo", args=[10**9]))
    assert response.status_code == 302
    assert "Perhaps it was deleted?" in messages_of(response)[0]


def test_a_large_revision_shows_its_first_changes_and_links_to_the_rest(admin_client, monkeypatch):
    monkeypatch.setattr("articles.admin.history.REVISION_CHANGES_SHOWN", 2)
    tag = TagFactory()
    articles = ArticleFactory.create_batch(3)
    revision = links_change(
        user=None, kind=RevisionKind.BULK, summary="t", add=[Link("tags", a.pk, tag.pk) for a in articles]
    )
    page = admin_client.get(revision_url(revision)).content.decode()
    assert "These are the first 2 of 3 changes" in page
    rest = admin_client.get(reverse("admin:articles_fieldchange_changelist"), {"revision__id__exact": revision.pk})
    assert rest.status_code == 200
    assert rest.context["cl"].result_count == 3
