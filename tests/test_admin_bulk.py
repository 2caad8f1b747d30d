"""Tagging at speed: bulk actions on selected articles, "Tag a whole search", and the services under them
(``links_change``, ``revision_undo``, ``articles_links_change``, ``articles_status_change``)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.admin import bulk
from articles.models import Article, ArticleStatus, FieldChange, Revision, RevisionKind
from articles.services import (
    Link,
    articles_links_change,
    articles_status_change,
    links_change,
    revision_undo,
    vocabulary_refresh,
)
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory
from tests.search_statistics import assert_search_statistics_as_rebuilt
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"
TAG_SEARCH = "admin:articles_article_tag_search"
NOTE = "Retracted: the figures it reports came from a source that has since been shown to be invented."


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="unused", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff who may view articles (and tags, for the autocomplete) but change nothing."""
    user = django_user_model.objects.create_user("viewer", password="unused", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "view_tag", "view_person"]))
    client.force_login(user)
    return client


def tag_names(article: Article) -> list[str]:
    return sorted(article.tags.values_list("name", flat=True))


def links_of(relation: str, articles) -> set[tuple[int, int]]:
    through = getattr(Article, relation).through
    target = "tag_id" if relation == "tags" else "person_id"
    return set(through.objects.filter(article__in=articles).values_list("article_id", target))


# --- links_change and revision_undo ----------------------------------------------------------------


def test_links_change_records_only_the_links_that_change():
    migration = TagFactory(name="Migration")
    had_it, lacks_it = ArticleFactory(title="Had it"), ArticleFactory(title="Lacks it")
    had_it.tags.add(migration)
    revision = links_change(
        user=None,
        kind=RevisionKind.BULK,
        summary="Tagged",
        add=[Link("tags", had_it.pk, migration.pk), Link("tags", lacks_it.pk, migration.pk)],
    )
    assert [
        (change.object_id, change.object_repr, change.field, change.old, change.new)
        for change in revision.changes.all()
    ] == [(lacks_it.pk, "Lacks it", "tags", "", "Migration")]
    assert revision.undo == {"add": [], "remove": [["tags", lacks_it.pk, migration.pk]]}
    assert revision.can_be_undone


def test_links_change_writes_what_each_article_had_before_and_after():
    moscow, russia, migration = TagFactory(name="Moscow"), TagFactory(name="russia"), TagFactory(name="Migration")
    article = ArticleFactory()
    article.tags.add(moscow, russia)
    revision = links_change(
        user=None,
        kind=RevisionKind.BULK,
        summary="Retagged",
        add=[Link("tags", article.pk, migration.pk)],
        remove=[Link("tags", article.pk, russia.pk)],
    )
    change = revision.changes.get()
    # Sorted whatever their case.
    assert (change.old, change.new) == ("Moscow, russia", "Migration, Moscow")


def test_links_change_with_nothing_to_change_records_nothing():
    tag, article = TagFactory(), ArticleFactory()
    article.tags.add(tag)
    assert links_change(user=None, kind=RevisionKind.BULK, summary="x", add=[Link("tags", article.pk, tag.pk)]) is None
    assert links_change(user=None, kind=RevisionKind.BULK, summary="x", remove=[Link("people", article.pk, 1)]) is None
    assert not Revision.objects.exists()


def test_links_change_refuses_an_unknown_relation():
    article = ArticleFactory()
    with pytest.raises(ValueError, match="authors"):
        links_change(user=None, kind=RevisionKind.BULK, summary="x", add=[Link("authors", article.pk, 1)])


def test_undo_restores_exactly_the_links_before(editor):
    migration, moscow = TagFactory(name="Migration"), TagFactory(name="Moscow")
    person = PersonFactory()
    had_it, lacks_it, loses_it = ArticleFactory(), ArticleFactory(), ArticleFactory()
    had_it.tags.add(migration, moscow)
    loses_it.tags.add(migration)
    articles = [had_it, lacks_it, loses_it]
    before = (links_of("tags", articles), links_of("people", articles))
    revision = links_change(
        user=editor,
        kind=RevisionKind.BULK,
        summary="Changed",
        add=[Link("tags", a.pk, migration.pk) for a in articles] + [Link("people", lacks_it.pk, person.pk)],
        remove=[Link("tags", loses_it.pk, migration.pk)],
    )
    assert {(change.object_id, change.field) for change in revision.changes.all()} == {
        (lacks_it.pk, "tags"),
        (loses_it.pk, "tags"),
        (lacks_it.pk, "people mentioned"),
    }

    undoing = revision_undo(revision=revision, user=editor)
    assert (links_of("tags", articles), links_of("people", articles)) == before
    assert undoing.kind == RevisionKind.UNDO and undoing.username == "editor"
    revision.refresh_from_db()
    assert revision.undone_by == undoing and not revision.can_be_undone
    assert undoing.summary == "Undid “Changed”"


def test_undo_leaves_links_changed_since_by_someone_else():
    migration = TagFactory()
    first, second = ArticleFactory(), ArticleFactory()
    revision = links_change(
        user=None,
        kind=RevisionKind.BULK,
        summary="Tagged",
        add=[Link("tags", first.pk, migration.pk), Link("tags", second.pk, migration.pk)],
    )
    second.tags.remove(migration)  # someone untagged it since
    undoing = revision_undo(revision=revision, user=None)
    assert links_of("tags", [first, second]) == set()
    assert [change.object_id for change in undoing.changes.all()] == [first.pk]


def test_undo_twice_or_without_an_undo_raises():
    tag, article = TagFactory(), ArticleFactory()
    revision = links_change(user=None, kind=RevisionKind.BULK, summary="x", add=[Link("tags", article.pk, tag.pk)])
    revision_undo(revision=revision, user=None)
    with pytest.raises(ValueError, match="undone already"):
        revision_undo(revision=revision, user=None)
    status_revision = articles_status_change(articles=[article], status=ArticleStatus.DRAFT, user=None)
    with pytest.raises(ValueError, match="no undo"):
        revision_undo(revision=status_revision, user=None)


def test_changing_links_moves_updated_at_so_an_open_article_form_conflicts(admin_client):
    tag, article = TagFactory(name="Migration"), ArticleFactory(title="Opened headline")
    opened = article_form_data(article)  # an editor opens the article's page
    links_change(user=None, kind=RevisionKind.BULK, summary="x", add=[Link("tags", article.pk, tag.pk)])
    assert Article.objects.get(pk=article.pk).updated_at > article.updated_at

    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), opened)
    assert response.status_code == 200
    assert "Someone else saved this article at" in response.content.decode()
    assert tag_names(article) == ["Migration"]  # the form's old (empty) tags were not saved over it


# --- articles_links_change and articles_status_change ---------------------------------------------


def test_articles_links_change_counts_what_changed_in_its_summary():
    migration, moscow = TagFactory(name="Migration"), TagFactory(name="Moscow")
    articles = ArticleFactory.create_batch(3)
    articles[0].tags.add(migration)
    result = articles_links_change(
        user=None,
        kind=RevisionKind.BULK,
        relation="tags",
        article_ids=[a.pk for a in articles] + [10**9],  # an unknown id is ignored
        targets=[migration, moscow],
        scope="selected",
    )
    assert result.changed == {migration.pk: 2, moscow.pk: 3}
    assert result.unchanged == {migration.pk: 1, moscow.pk: 0}
    assert result.revision.summary == (
        "Added tag “Migration” to 2 of the 3 articles selected; added tag “Moscow” to 3 articles selected"
    )
    assert result.revision.changes.count() == 3


def test_articles_links_change_removes_and_refuses_unknown_relations():
    person = PersonFactory(name="Valentina Chupik")
    mentions, silent = ArticleFactory(), ArticleFactory()
    mentions.people.add(person)
    result = articles_links_change(
        user=None,
        kind=RevisionKind.SEARCH,
        relation="people",
        article_ids=[mentions.pk, silent.pk],
        targets=[person],
        remove=True,
        scope="matching “Chupik”",
    )
    assert result.revision.summary == "Removed person “Valentina Chupik” from 1 of the 2 articles matching “Chupik”"
    assert not mentions.people.exists()
    with pytest.raises(ValueError):
        articles_links_change(
            user=None, kind=RevisionKind.BULK, relation="authors", article_ids=[1], targets=[person], scope=""
        )


def test_status_change_saves_only_articles_whose_status_changes():
    draft = ArticleFactory(status=ArticleStatus.DRAFT, title="A draft")
    retracted = ArticleFactory(status=ArticleStatus.RETRACTED, title="A retraction")
    published = ArticleFactory(status=ArticleStatus.PUBLISHED)
    stamped_before = published.updated_at
    assert Article.objects.get(pk=retracted.pk).retracted_at is not None

    revision = articles_status_change(
        articles=Article.objects.filter(pk__in=[draft.pk, retracted.pk, published.pk]),
        status=ArticleStatus.PUBLISHED,
        user=None,
    )
    assert revision.kind == RevisionKind.BULK and revision.undo is None and not revision.can_be_undone
    assert revision.summary == "Published 2 articles (1 draft, 1 retracted)"
    assert sorted((c.object_repr, c.field, c.old, c.new) for c in revision.changes.all()) == [
        ("A draft", "status", "draft", "published"),
        ("A retraction", "status", "retracted", "published"),
    ]
    # Published again, the retraction's date goes, as when an editor saves its page; its note stays.
    retracted.refresh_from_db()
    assert (retracted.status, retracted.retracted_at) == (ArticleStatus.PUBLISHED, None)
    assert retracted.retraction_note
    published.refresh_from_db()
    assert published.updated_at == stamped_before


def test_status_changes_count_articles_in_and_out_of_the_search_statistics_as_a_rebuild_would():
    harvest = ArticleFactory(title="Harvest", body="Wheat harvest near Kostanay.")
    ArticleFactory(title="Exports", body="Wheat exports grew.")
    draft = ArticleFactory(status=ArticleStatus.DRAFT, title="Fields", body="Quinoa fields near Osh.")
    TagFactory(name="Kostanay Region")
    vocabulary_refresh()

    articles_status_change(articles=[harvest], status=ArticleStatus.RETRACTED, retraction_note=NOTE, user=None)
    vocabulary = dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])
    assert (vocabulary["wheat"], vocabulary["kostanay"]) == (1, 0)  # a tag's name still holds it
    assert "harvest" not in vocabulary and "quinoa" not in vocabulary

    articles_status_change(articles=[harvest, draft], status=ArticleStatus.PUBLISHED, user=None)
    vocabulary = dict(assert_search_statistics_as_rebuilt()["articles_vocabulary"])
    assert (vocabulary["wheat"], vocabulary["harvest"], vocabulary["quinoa"], vocabulary["near"]) == (2, 1, 1, 2)

    articles_status_change(articles=[draft], status=ArticleStatus.DRAFT, user=None)
    rows = assert_search_statistics_as_rebuilt()
    assert "quinoa" not in dict(rows["articles_vocabulary"])
    assert rows["articles_search_stats"][0][1] == 2


def test_status_change_with_nothing_to_change_records_nothing():
    article = ArticleFactory(status=ArticleStatus.DRAFT)
    assert articles_status_change(articles=[article], status=ArticleStatus.DRAFT, user=None) is None
    assert not Revision.objects.exists()


def test_a_retraction_needs_a_note_and_stamps_its_date():
    article = ArticleFactory(title="Invented figures")
    with pytest.raises(ValueError, match="note"):
        articles_status_change(articles=[article], status=ArticleStatus.RETRACTED, retraction_note="  ", user=None)
    revision = articles_status_change(
        articles=[article], status=ArticleStatus.RETRACTED, retraction_note=f"  {NOTE}\n", user=None
    )
    article.refresh_from_db()
    assert article.status == ArticleStatus.RETRACTED and article.retracted_at is not None
    assert article.retraction_note == NOTE
    assert {(c.field, c.old, c.new) for c in revision.changes.all()} == {
        ("status", "published", "retracted"),
        ("retraction note", "", NOTE),
    }


def test_a_status_change_moves_updated_at_so_an_open_article_form_conflicts(admin_client):
    article = ArticleFactory(status=ArticleStatus.DRAFT)
    opened = article_form_data(article)
    articles_status_change(articles=[article], status=ArticleStatus.PUBLISHED, user=None)
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), opened)
    assert "Someone else saved this article at" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_status_change_queries_grow_by_a_bounded_number_per_article():
    def queries_for(count: int) -> int:
        articles = ArticleFactory.create_batch(count, status=ArticleStatus.DRAFT)
        with CaptureQueriesContext(connection) as queries:
            articles_status_change(articles=articles, status=ArticleStatus.PUBLISHED, user=None)
        return len(queries)

    one, six = queries_for(1), queries_for(6)
    assert six - one <= 5 * 5  # a savepoint, the earlier text read under lock, the update, its release


# --- Bulk actions on the articles selected ---------------------------------------------------------


def action_post(client, action: str, articles, *, confirm: bool = False, follow: bool = True, **fields):
    """The changelist's action form (``index``), or the confirmation page's form (``confirm``)."""
    data = {"action": action, "_selected_action": [article.pk for article in articles], **fields}
    data |= {"confirm": "yes"} if confirm else {"index": "0"}
    return client.post(reverse(CHANGELIST), data, follow=follow)


LINK_ACTIONS = {"add_tags": "tags", "remove_tags": "tags", "add_people": "people"}
STATUS_ACTIONS = ("publish", "unpublish", "retract")


@pytest.mark.parametrize("action", [*LINK_ACTIONS, *STATUS_ACTIONS])
def test_each_action_shows_a_confirmation_page(editor_client, action):
    articles = [ArticleFactory(title=f"Headline {n}") for n in range(3)]
    response = action_post(editor_client, action, articles)
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 articles selected" in page
    assert all(f">Headline {n}</a>" in page for n in range(3))
    assert all(f'name="_selected_action" value="{a.pk}"' in page for a in articles)
    assert f'name="action" value="{action}"' in page and 'name="confirm" value="yes"' in page
    if action in LINK_ACTIONS:
        relation = LINK_ACTIONS[action]
        assert f'name="{relation}"' in page and "admin-autocomplete" in page
        assert f'data-field-name="{relation}"' in page and 'data-ajax--url="/admin/autocomplete/"' in page
        # select2, the admin's jQuery it needs, and the admin's script that starts it.
        for script in ("vendor/select2/select2.full", "vendor/jquery/jquery", "jquery.init.", "autocomplete."):
            assert f"/static/admin/js/{script}" in page
    if action == "retract":
        assert '<textarea name="retraction_note"' in page
    assert not Revision.objects.exists()  # nothing changes before confirming


def test_a_long_selection_lists_some_titles_and_counts_the_rest(editor_client, monkeypatch):
    monkeypatch.setattr(bulk, "CONFIRMATION_LISTED", 2)
    articles = ArticleFactory.create_batch(5)
    page = action_post(editor_client, "publish", articles).content.decode()
    assert "5 articles selected" in page and "… and 3 more" in page
    assert page.count('name="_selected_action"') == 5


def test_confirmation_pages_take_as_many_queries_for_many_articles(editor_client):
    def queries_for(count: int) -> int:
        articles = ArticleFactory.create_batch(count, source=SourceFactory())
        with CaptureQueriesContext(connection) as queries:
            assert action_post(editor_client, "add_tags", articles).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(30)


def test_adding_tags_tags_the_articles_and_records_one_revision(editor_client):
    migration, moscow = TagFactory(name="Migration"), TagFactory(name="Moscow")
    articles = ArticleFactory.create_batch(3)
    articles[0].tags.add(migration)
    response = action_post(editor_client, "add_tags", articles, confirm=True, tags=[migration.pk, moscow.pk])
    page = response.content.decode()
    assert "Tagged 2 articles with “Migration” (1 already had it). Tagged 3 articles with “Moscow”." in page
    revision = Revision.objects.get()
    assert f'href="{reverse("admin:articles_revision_change", args=[revision.pk])}"' in page
    assert (revision.kind, revision.username) == (RevisionKind.BULK, "editor")
    assert all(tag_names(article) == ["Migration", "Moscow"] for article in articles)
    assert sorted((c.object_id, c.field, c.old, c.new) for c in revision.changes.all()) == [
        (articles[0].pk, "tags", "Migration", "Migration, Moscow"),
        (articles[1].pk, "tags", "", "Migration, Moscow"),
        (articles[2].pk, "tags", "", "Migration, Moscow"),
    ]
    assert revision.can_be_undone


def test_removing_tags(editor_client):
    migration, moscow = TagFactory(name="Migration"), TagFactory(name="Moscow")
    tagged, untagged = ArticleFactory(), ArticleFactory()
    tagged.tags.add(migration, moscow)
    page = action_post(editor_client, "remove_tags", [tagged, untagged], confirm=True, tags=[migration.pk])
    assert "Removed “Migration” from 1 article (1 did not have it)." in page.content.decode()
    assert tag_names(tagged) == ["Moscow"]
    change = FieldChange.objects.get()
    assert (change.object_id, change.old, change.new) == (tagged.pk, "Migration, Moscow", "Moscow")


def test_adding_people(editor_client):
    chupik = PersonFactory(name="Valentina Chupik")
    articles = ArticleFactory.create_batch(2)
    page = action_post(editor_client, "add_people", articles, confirm=True, people=[chupik.pk]).content.decode()
    assert "Added “Valentina Chupik” to the people mentioned in 2 articles." in page
    assert all(list(article.people.all()) == [chupik] for article in articles)
    assert set(FieldChange.objects.values_list("field", "new")) == {("people mentioned", "Valentina Chupik")}


def test_a_link_action_without_a_choice_asks_again(editor_client):
    article = ArticleFactory()
    response = action_post(editor_client, "add_tags", [article], confirm=True)
    assert "Choose at least one tag." in response.content.decode()
    response = action_post(editor_client, "add_tags", [article], confirm=True, tags=["not-an-id"])
    assert response.status_code == 200
    assert "not a valid value" in response.content.decode()
    assert not Revision.objects.exists()


def test_an_action_with_nothing_to_change_says_so(editor_client):
    migration, article = TagFactory(name="Migration"), ArticleFactory()
    article.tags.add(migration)
    page = action_post(editor_client, "add_tags", [article], confirm=True, tags=[migration.pk]).content.decode()
    assert "Tagged 0 articles with “Migration” (1 already had it). Nothing changed." in page
    assert not Revision.objects.exists()


def test_publishing_makes_drafts_public(editor_client, client):
    draft, published = ArticleFactory(status=ArticleStatus.DRAFT), ArticleFactory()
    assert client.get(draft.get_absolute_url()).status_code == 404
    page = action_post(editor_client, "publish", [draft, published], confirm=True).content.decode()
    assert "Published 1 article (1 already published)." in page
    assert client.get(draft.get_absolute_url()).status_code == 200
    change = FieldChange.objects.get()
    assert (change.object_id, change.field, change.old, change.new) == (draft.pk, "status", "draft", "published")


def test_unpublishing_sends_articles_back_to_draft(editor_client, client):
    published, retracted = ArticleFactory(), ArticleFactory(status=ArticleStatus.RETRACTED)
    page = action_post(editor_client, "unpublish", [published, retracted], confirm=True).content.decode()
    assert "Unpublished 2 articles." in page
    for article in (published, retracted):
        article.refresh_from_db()
        assert (article.status, article.retracted_at) == (ArticleStatus.DRAFT, None)
        assert client.get(article.get_absolute_url()).status_code == 404


def test_retracting_without_a_note_is_refused(editor_client):
    article = ArticleFactory()
    response = action_post(editor_client, "retract", [article], confirm=True, retraction_note="   ")
    assert response.status_code == 200
    assert "A retraction needs a note: readers see it instead of the text." in response.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and not Revision.objects.exists()


def test_retracting_with_a_note_shows_the_note_to_readers(editor_client, client):
    article, already = ArticleFactory(title="Invented figures"), ArticleFactory(status=ArticleStatus.RETRACTED)
    own_note = already.retraction_note
    page = action_post(editor_client, "retract", [article, already], confirm=True, retraction_note=NOTE)
    assert "Retracted 1 article (1 already retracted)." in page.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.RETRACTED and article.retracted_at is not None
    public = client.get(article.get_absolute_url())
    assert public.status_code == 200 and NOTE in public.content.decode()
    already.refresh_from_db()
    assert already.retraction_note == own_note  # an article already retracted keeps its own note
    assert {(c.field, c.new) for c in Revision.objects.get().changes.all()} == {
        ("status", "retracted"),
        ("retraction note", NOTE),
    }


def test_selecting_every_article_of_a_filtered_list(editor_client):
    source = SourceFactory()
    mine, others = ArticleFactory.create_batch(3, source=source), ArticleFactory.create_batch(2)
    migration = TagFactory(name="Migration")
    url = f"{reverse(CHANGELIST)}?source__id__exact={source.pk}"
    data = {"action": "add_tags", "_selected_action": [mine[0].pk], "select_across": "1", "index": "0"}
    page = editor_client.post(url, data).content.decode()
    assert "3 articles selected" in page and 'name="select_across" value="1"' in page
    del data["index"]  # posted back by the confirmation page
    editor_client.post(url, {**data, "confirm": "yes", "tags": [migration.pk]})
    assert all(tag_names(article) == ["Migration"] for article in mine)
    assert all(tag_names(article) == [] for article in others)


def test_too_many_articles_selected_are_refused(editor_client, monkeypatch):
    monkeypatch.setattr(bulk, "LINKS_MAX_ARTICLES", 3)
    monkeypatch.setattr(bulk, "STATUS_MAX_ARTICLES", 2)
    articles = ArticleFactory.create_batch(3)
    page = action_post(editor_client, "publish", articles).content.decode()
    assert (
        "3 articles are selected, and this action changes at most 2 at once: narrow the list with its filters." in page
    )
    assert "3 articles selected" in action_post(editor_client, "add_tags", articles).content.decode()  # up to 3
    monkeypatch.setattr(bulk, "LINKS_MAX_ARTICLES", 2)
    page = action_post(editor_client, "add_tags", articles).content.decode()
    assert "changes at most 2 at once: narrow the list with its filters, or use “Tag a whole search”." in page
    assert not Revision.objects.exists()


def test_staff_who_cannot_change_articles_cannot_apply_actions(viewer_client):
    tag, article = TagFactory(), ArticleFactory(status=ArticleStatus.DRAFT)
    for action, fields in [("add_tags", {"tags": [tag.pk]}), ("publish", {})]:
        response = action_post(viewer_client, action, [article], confirm=True, **fields)
        assert response.status_code == 200 and f'value="{action}"' not in response.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT and not article.tags.exists()
    assert not Revision.objects.exists()


# --- Tag a whole search ----------------------------------------------------------------------------


def tag_search_url(query_string: str = "") -> str:
    return f"{reverse(TAG_SEARCH)}{query_string}"


def test_the_changelist_links_to_tag_a_whole_search(editor_client):
    page = editor_client.get(reverse(CHANGELIST), {"q": "mobilisation"}).content.decode()
    assert f'<a href="{tag_search_url("?q=mobilisation")}">Tag a whole search</a>' in page
    assert "Add article" in page  # the admin's own tools are kept


def test_the_page_opens_with_the_search_form_only(editor_client):
    response = editor_client.get(tag_search_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in page and 'name="status"' in page and 'name="date_from"' in page
    # Sources, people and tags are picked by autocomplete, as slugs.
    assert 'data-ajax--url="/admin/articles/article/tag-search/autocomplete/"' in page
    assert "Apply to" not in page


def test_the_preview_counts_drafts_too_and_filters_by_status(editor_client, seed_archive):
    draft = ArticleFactory(title="Mobilization draft", body="Mobilization draft text.", status=ArticleStatus.DRAFT)
    page = editor_client.get(tag_search_url(), {"q": "mobilization"}).content.decode()
    everything = Article.objects.search("mobilization").count()
    assert f"{everything} articles matching “mobilization”" in page
    assert "Mobilization draft" in page and f'name="previewed" value="{everything}"' in page

    page = editor_client.get(tag_search_url(), {"q": "mobilization", "status": "published"}).content.decode()
    assert f"{everything - 1} articles matching “mobilization” (Status: published)" in page
    assert "Mobilization draft" not in page
    assert draft.pk  # drafts are in the search only unless a status leaves them out


def test_the_preview_shows_the_first_matches(editor_client, monkeypatch):
    monkeypatch.setattr(bulk, "SEARCH_PREVIEW_SIZE", 2)
    source = SourceFactory(name="The Daily Record", slug="daily-record")
    ArticleFactory.create_batch(3, source=source, published_on="2024-05-01", published_precision="day")
    page = editor_client.get(tag_search_url(), {"source": "daily-record"}).content.decode()
    assert "3 articles matching Source: The Daily Record" in page
    assert page.count("<td>The Daily Record</td>") == 2 and "… and 1 more." in page
    assert "<td>2024-05-01</td>" in page and "<td>published</td>" in page
    # The filter chosen is shown in its autocomplete, by slug.
    assert '<option value="daily-record" selected>The Daily Record</option>' in page


def test_applying_tags_every_match_and_undo_restores_the_links(editor_client, seed_archive):
    migration = TagFactory(name="Migration")
    matches = list(Article.objects.search("mobilization"))
    had_it = matches[0]
    had_it.tags.add(migration)
    before = links_of("tags", Article.objects.all())
    url = tag_search_url("?q=mobilization")
    response = editor_client.post(url, {"operation": "add", "tag": migration.pk, "previewed": len(matches)})

    revision = Revision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_revision_change", args=[revision.pk])
    assert revision.kind == RevisionKind.SEARCH
    assert revision.summary == (
        f"Added tag “Migration” to {len(matches) - 1} of the {len(matches)} articles matching “mobilization”"
    )
    assert {change.object_id for change in revision.changes.all()} == {a.pk for a in matches} - {had_it.pk}
    assert set(Article.objects.filter(tags=migration)) == set(matches)

    revision_undo(revision=revision, user=None)
    assert links_of("tags", Article.objects.all()) == before
    assert list(had_it.tags.filter(pk=migration.pk)) == [migration]  # it had the tag before: it keeps it


def test_applying_can_remove_a_person_from_a_filtered_search(editor_client):
    person, source = PersonFactory(name="Valentina Chupik"), SourceFactory(name="BBC", slug="bbc")
    theirs, elsewhere = ArticleFactory(source=source), ArticleFactory()
    for article in (theirs, elsewhere):
        article.people.add(person)
    response = editor_client.post(
        tag_search_url("?source=bbc"), {"operation": "remove", "person": person.pk, "previewed": 1}, follow=True
    )
    assert "Removed person “Valentina Chupik” from 1 article matching Source: BBC. It can be undone" in (
        response.content.decode()
    )
    assert not theirs.people.exists() and elsewhere.people.exists()


def test_applying_needs_one_tag_or_person(editor_client):
    tag, person = TagFactory(), PersonFactory()
    ArticleFactory(source=SourceFactory(slug="bbc"))
    url = tag_search_url("?source=bbc")
    for choice in ({}, {"tag": tag.pk, "person": person.pk}):
        response = editor_client.post(url, {"operation": "add", "previewed": 1, **choice})
        assert response.status_code == 200
        assert "Choose a tag or a person (one of them)." in response.content.decode()
    response = editor_client.post(url, {"operation": "sideways", "tag": "x", "previewed": "many"})
    assert response.status_code == 200
    assert not Revision.objects.exists()


def test_applying_when_the_search_finds_other_articles_now_changes_nothing(editor_client):
    tag = TagFactory()
    ArticleFactory.create_batch(2, source=SourceFactory(slug="bbc"))
    response = editor_client.post(tag_search_url("?source=bbc"), {"operation": "add", "tag": tag.pk, "previewed": 1})
    page = response.content.decode()
    assert "The search now finds 2 articles, not the 1 you previewed" in page
    assert 'name="previewed" value="2"' in page  # applying again confirms what it finds now
    assert not Revision.objects.exists()


def test_a_search_with_nothing_to_change_says_so(editor_client):
    tag = TagFactory(name="Migration")
    article = ArticleFactory(source=SourceFactory(slug="bbc"))
    article.tags.add(tag)
    response = editor_client.post(
        tag_search_url("?source=bbc"), {"operation": "add", "tag": tag.pk, "previewed": 1}, follow=True
    )
    assert "Tagged 0 articles with “Migration” (1 already had it). Nothing changed." in response.content.decode()
    assert not Revision.objects.exists()


@pytest.mark.parametrize(
    "query_string, error",
    [
        ("?tag=no-such-tag", "There is no tag “no-such-tag”."),
        ("?date_from=yesterday", "Enter a date as YYYY-MM-DD."),
        ("?status=hidden", "There is no status “hidden”"),
        ("?q=migrants&sort=random", "Sort by relevance, newest or oldest."),
    ],
)
def test_bad_search_parameters_answer_400_with_the_error(editor_client, query_string, error):
    tag = TagFactory()
    for response in (
        editor_client.get(tag_search_url(query_string)),
        editor_client.post(tag_search_url(query_string), {"operation": "add", "tag": tag.pk, "previewed": 0}),
    ):
        assert response.status_code == 400
        assert error in response.content.decode()
    assert not Revision.objects.exists()


def test_a_search_must_narrow_the_archive(editor_client):
    tag = TagFactory()
    ArticleFactory()
    response = editor_client.post(
        tag_search_url("?sort=newest&q=+"), {"operation": "add", "tag": tag.pk, "previewed": 1}
    )
    assert "Enter search words or choose at least one filter" in response.content.decode()
    assert not Revision.objects.exists()


def test_a_search_finding_too_many_articles_cannot_be_applied(editor_client, monkeypatch):
    monkeypatch.setattr(bulk, "LINKS_MAX_ARTICLES", 2)
    tag = TagFactory()
    ArticleFactory.create_batch(3, source=SourceFactory(slug="bbc"))
    page = editor_client.get(tag_search_url("?source=bbc")).content.decode()
    assert "This search finds more than 2 articles" in page and "Apply to" not in page
    response = editor_client.post(tag_search_url("?source=bbc"), {"operation": "add", "tag": tag.pk, "previewed": 3})
    assert "This search finds more than 2 articles" in response.content.decode()
    assert not Revision.objects.exists()


def test_the_filters_autocomplete_answers_slugs(editor_client):
    TagFactory(name="Moscow", slug="moscow")
    response = editor_client.get(
        reverse("admin:articles_article_tag_search_autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "tags", "term": "Mosc"},
    )
    assert response.json()["results"] == [{"id": "moscow", "text": "Moscow"}]


def test_viewers_may_preview_but_not_apply(viewer_client):
    tag = TagFactory()
    ArticleFactory(source=SourceFactory(slug="bbc"))
    page = viewer_client.get(tag_search_url("?source=bbc")).content.decode()
    assert "1 article matching" in page and "Apply to" not in page
    response = viewer_client.post(tag_search_url("?source=bbc"), {"operation": "add", "tag": tag.pk, "previewed": 1})
    assert response.status_code == 403
    assert not Revision.objects.exists()


def test_staff_who_cannot_view_articles_cannot_open_it(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="unused", is_staff=True))
    assert client.get(tag_search_url("?q=migrants")).status_code == 403


def test_the_preview_takes_as_many_queries_for_many_matches(editor_client):
    def queries_for(count: int) -> int:
        source = SourceFactory()
        ArticleFactory.create_batch(count, source=source)
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(tag_search_url(f"?source={source.slug}")).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(25)
