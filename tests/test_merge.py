"""Merging duplicate people and tags (articles.services.people_merge / tags_merge)."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import services
from articles.models import (
    AliasKind,
    Article,
    Claim,
    FieldChange,
    MergedPerson,
    MergedTag,
    Person,
    PersonAlias,
    Revision,
    RevisionKind,
    Tag,
)
from articles.services import MERGED_NAME_ALIAS_KIND, people_merge, tags_merge, vocabulary_refresh
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    TagFactory,
)
from tests.search_statistics import assert_search_statistics_as_rebuilt


def links(relation, **filters) -> set[tuple[int, int]]:
    """The (article id, person or tag id) rows of a many-to-many relation."""
    target = relation.field.m2m_reverse_field_name()
    return set(relation.through.objects.filter(**filters).values_list("article_id", f"{target}_id"))


def archive_state() -> dict:
    """Everything a merge may touch, to compare before and after a merge that fails."""
    return {
        "people": set(Person.objects.values_list("pk", "name", "slug", "description")),
        "tags": set(Tag.objects.values_list("pk", "name", "slug", "description")),
        "aliases": set(PersonAlias.objects.values_list("pk", "name", "person_id", "kind")),
        "mentions": links(Article.people),
        "authorships": links(Article.authors),
        "tagged": links(Article.tags),
        "claims": set(Claim.objects.values_list("pk", "claimant_person_id")),
        "merged_people": set(MergedPerson.objects.values_list("pk", "into_id")),
        "merged_tags": set(MergedTag.objects.values_list("pk", "into_id")),
    }


def vocabulary_has(word: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM articles_vocabulary WHERE word = %s)", [word])
        return cursor.fetchone()[0]


# --- People: what moves -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_mentions_authorships_claims_and_aliases_move_to_the_person_kept():
    keep, duplicate = PersonFactory(name="Sergey Mironov"), PersonFactory(name="Sergei Mironov")
    mentioning, written = ArticleFactory(), ArticleFactory()
    mentioning.people.set([duplicate])
    written.authors.set([duplicate])
    claim = ClaimFactory(claimant_person=duplicate)
    alias = PersonAliasFactory(person=duplicate, name="S. Mironov", kind=AliasKind.TRANSLITERATION)

    result = people_merge(keep=keep, merged=[duplicate])

    assert links(Article.people) == {(mentioning.pk, keep.pk)}
    assert links(Article.authors) == {(written.pk, keep.pk)}
    claim.refresh_from_db()
    assert claim.claimant_person == keep
    alias.refresh_from_db()
    assert (alias.person, alias.kind) == (keep, AliasKind.TRANSLITERATION)  # moved as it was
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert result.kept == keep
    assert (result.merged, result.article_links, result.authorships, result.claims) == (1, 1, 1, 1)
    assert (result.aliases_moved, result.aliases_created, result.redirects, result.redirects_repointed) == (1, 1, 1, 0)
    assert result.names_taken == ()


@pytest.mark.django_db
def test_an_article_linked_to_both_is_linked_to_the_one_kept_once():
    keep, first, second = PersonFactory(), PersonFactory(), PersonFactory()
    both, two_duplicates = ArticleFactory(), ArticleFactory()
    both.people.set([keep, first])
    both.authors.set([keep, second])
    two_duplicates.people.set([first, second])

    result = people_merge(keep=keep, merged=[first, second])

    assert links(Article.people) == {(both.pk, keep.pk), (two_duplicates.pk, keep.pk)}
    assert links(Article.authors) == {(both.pk, keep.pk)}
    assert (result.article_links, result.authorships) == (1, 0)  # what keep gained, not rows deleted


@pytest.mark.django_db
def test_the_merged_name_becomes_an_alias_and_searching_it_finds_the_kept_persons_articles():
    keep, duplicate = PersonFactory(name="Maria Kowalska"), PersonFactory(name="Marija Kovalska")
    about_keep = ArticleFactory(title="Budget debate in parliament")
    about_keep.people.set([keep])
    vocabulary_refresh()
    assert about_keep not in Article.objects.published().search("Marija Kovalska")

    people_merge(keep=keep, merged=[duplicate])

    alias = PersonAlias.objects.get(name="Marija Kovalska")
    assert (alias.person, alias.kind) == (keep, MERGED_NAME_ALIAS_KIND)
    assert list(Article.objects.published().search("Marija Kovalska")) == [about_keep]
    assert vocabulary_has("kovalska")  # the name is still a word readers can be corrected to
    assert_search_statistics_as_rebuilt()


@pytest.mark.django_db
def test_names_the_person_kept_already_goes_by_are_not_repeated():
    keep = PersonFactory(name="Zdeněk Čupík")
    PersonAliasFactory(person=keep, name="Zdenek Cupik")
    lowercase_twin = PersonFactory(name="zdeněk čupík")  # keep's own name, in another case
    known_spelling = PersonFactory(name="ZDENEK CUPIK")  # keep's alias, in another case
    redundant_alias = PersonAliasFactory(person=known_spelling, name="ZDENĚK ČUPÍK")  # keep's name again

    result = people_merge(keep=keep, merged=[lowercase_twin, known_spelling])

    assert sorted(keep.aliases.values_list("name", flat=True)) == ["Zdenek Cupik"]
    assert not PersonAlias.objects.filter(pk=redundant_alias.pk).exists()
    assert (result.aliases_created, result.aliases_moved) == (0, 0)


@pytest.mark.django_db
def test_several_people_merged_at_once_give_each_name_once():
    keep = PersonFactory(name="Volodymyr Zelensky")
    first = PersonFactory(name="Volodymyr Zelenskyy")
    PersonAliasFactory(person=first, name="Wolodymyr Selenskyj")
    second = PersonFactory(name="wolodymyr selenskyj")  # the first one's alias, in another case

    result = people_merge(keep=keep, merged=[first, second])

    assert sorted(keep.aliases.values_list("name", flat=True)) == ["Volodymyr Zelenskyy", "Wolodymyr Selenskyj"]
    assert (result.merged, result.aliases_created, result.aliases_moved) == (2, 1, 1)


@pytest.mark.django_db
def test_a_name_another_person_has_as_alias_stays_theirs_and_is_reported():
    keep, duplicate, other = PersonFactory(), PersonFactory(name="John Smith"), PersonFactory()
    PersonAliasFactory(person=other, name="john smith")

    result = people_merge(keep=keep, merged=[duplicate])

    assert result.names_taken == ("John Smith",)
    assert result.aliases_created == 0
    assert PersonAlias.objects.get(name="john smith").person == other
    assert MergedPerson.objects.get(pk=duplicate.pk).into == keep  # merged all the same


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kept_description", "merged_descriptions", "expected"),
    [
        ("Mayor of Riga", ["Former mayor"], "Mayor of Riga"),  # the editor's own text stays
        ("", ["", "Former mayor", "Deputy"], "Former mayor"),  # else the first merged one that has one
        ("", [""], ""),
    ],
)
def test_the_kept_description_stays_or_is_taken_from_a_merged_one(kept_description, merged_descriptions, expected):
    keep = PersonFactory(description=kept_description)
    merged = [PersonFactory(description=description) for description in merged_descriptions]

    people_merge(keep=keep, merged=merged)

    assert keep.description == expected  # the caller's instance is kept in step
    keep.refresh_from_db()
    assert keep.description == expected


# --- Redirects ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_old_person_page_feed_and_api_twin_redirect_to_the_person_kept(client):
    keep, duplicate = PersonFactory(slug="kept-person"), PersonFactory(slug="old-person")
    old_id = duplicate.pk

    people_merge(keep=keep, merged=[duplicate])

    redirects = {
        f"/people/{old_id}/old-person/": keep.get_absolute_url(),
        f"/people/{old_id}/old-person/feed/": f"/people/{keep.pk}/kept-person/feed/",
        f"/api/people/{old_id}/old-person/": f"http://testserver/api{keep.get_absolute_url()}",
    }
    for old_url, new_url in redirects.items():
        response = client.get(old_url)
        assert (response.status_code, response["Location"]) == (301, new_url), old_url
    assert client.get(keep.get_absolute_url()).status_code == 200
    assert MergedPerson.objects.filter(pk=old_id, name=duplicate.name, slug="old-person", into=keep).exists()


@pytest.mark.django_db
def test_the_old_tag_page_feed_and_api_twin_redirect_to_the_tag_kept(client):
    keep, duplicate = TagFactory(slug="kept-tag"), TagFactory(slug="old-tag")
    old_id = duplicate.pk

    tags_merge(keep=keep, merged=[duplicate])

    redirects = {
        f"/tags/{old_id}/old-tag/": keep.get_absolute_url(),
        f"/tags/{old_id}/old-tag/feed/": f"/tags/{keep.pk}/kept-tag/feed/",
        f"/api/tags/{old_id}/old-tag/": f"http://testserver/api{keep.get_absolute_url()}",
    }
    for old_url, new_url in redirects.items():
        response = client.get(old_url)
        assert (response.status_code, response["Location"]) == (301, new_url), old_url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("service", "factory", "merged_model", "kind"),
    [(people_merge, PersonFactory, MergedPerson, "people"), (tags_merge, TagFactory, MergedTag, "tags")],
)
def test_chained_merges_keep_the_oldest_redirect_working(client, service, factory, merged_model, kind):
    first, second, last = factory(slug="first"), factory(slug="second"), factory(slug="last")
    first_id, second_id = first.pk, second.pk

    service(keep=second, merged=[first])
    result = service(keep=last, merged=[second])

    assert result.redirects_repointed == 1
    assert set(merged_model.objects.values_list("pk", "into_id")) == {(first_id, last.pk), (second_id, last.pk)}
    for old_url in (f"/{kind}/{first_id}/first/", f"/{kind}/{second_id}/second/"):
        response = client.get(old_url)
        assert (response.status_code, response["Location"]) == (301, last.get_absolute_url()), old_url


# --- Tags ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tagged_articles_move_to_the_tag_kept_once():
    keep, duplicate = TagFactory(description=""), TagFactory(description="Everything about elections.")
    both, only_duplicate, only_keep = ArticleFactory(), ArticleFactory(), ArticleFactory()
    both.tags.set([keep, duplicate])
    only_duplicate.tags.set([duplicate])
    only_keep.tags.set([keep])

    result = tags_merge(keep=keep, merged=[duplicate])

    assert links(Article.tags) == {(both.pk, keep.pk), (only_duplicate.pk, keep.pk), (only_keep.pk, keep.pk)}
    assert not Tag.objects.filter(pk=duplicate.pk).exists()
    keep.refresh_from_db()
    assert keep.description == "Everything about elections."
    assert (result.merged, result.article_links, result.redirects) == (1, 1, 1)
    assert (result.authorships, result.claims, result.aliases_created, result.aliases_moved) == (0, 0, 0, 0)


# --- All or nothing -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("service", [people_merge, tags_merge])
def test_a_merge_that_fails_at_its_last_step_changes_nothing(monkeypatch, service):
    keep, duplicate = PersonFactory(description=""), PersonFactory(name="Old Name", description="A role")
    older = PersonFactory()
    MergedPerson.objects.create(id=older.pk + 1000, name="Older", slug="older", into=duplicate)
    PersonAliasFactory(person=duplicate)
    keep_tag, duplicate_tag = TagFactory(description=""), TagFactory(description="A topic")
    MergedTag.objects.create(id=duplicate_tag.pk + 1000, name="Older tag", slug="older-tag", into=duplicate_tag)
    article = ArticleFactory()
    article.people.set([duplicate])
    article.authors.set([duplicate])
    article.tags.set([duplicate_tag])
    ClaimReportFactory(claim__claimant_person=duplicate, article=article)
    before = archive_state()
    retire = services._merged_retire

    def retire_then_fail(*args, **kwargs):
        retire(*args, **kwargs)  # the rows are gone by now: the rollback must bring everything back
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_merged_retire", retire_then_fail)
    with pytest.raises(RuntimeError):
        if service is people_merge:
            people_merge(keep=keep, merged=[duplicate])
        else:
            tags_merge(keep=keep_tag, merged=[duplicate_tag])

    assert archive_state() == before


# --- Bad calls ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("service", "factory"), [(people_merge, PersonFactory), (tags_merge, TagFactory)], ids=["people", "tags"]
)
def test_bad_merges_are_refused_with_a_value_error(service, factory):
    keep, other = factory(), factory()
    deleted = factory()
    deleted.delete()
    wrong_kind = TagFactory() if factory is PersonFactory else PersonFactory()
    before = archive_state()
    bad_calls = {
        "nothing to merge": [],
        "into itself": [keep],
        "into itself among others": [other, keep],
        "not saved": [factory.build()],
        "gone meanwhile": [other, deleted],
        "another model": [wrong_kind],
    }
    for case, merged in bad_calls.items():
        with pytest.raises(ValueError):
            service(keep=keep, merged=merged)
        assert archive_state() == before, case
    with pytest.raises(ValueError):
        service(keep=deleted, merged=[other])  # the one to keep no longer exists


# --- Cost -----------------------------------------------------------------------------------------------


# Locks, aliases, two relations, claims, description, redirects, delete (and its cascades), savepoints,
# and the history: what the merge changes read before and after, and the revision written.
MAX_MERGE_QUERIES = 45


def people_with_articles(count: int) -> tuple[Person, Person]:
    keep, duplicate = PersonFactory(), PersonFactory()
    PersonAliasFactory(person=duplicate)
    ClaimFactory(claimant_person=duplicate)
    for index in range(count):
        article = ArticleFactory()
        article.people.set([duplicate, keep] if index % 2 else [duplicate])
        article.authors.set([duplicate])
    return keep, duplicate


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_articles():
    ContentType.objects.get_for_models(Article, Claim, Person)  # cached once per process: the history names them
    keep, duplicate = people_with_articles(2)
    with CaptureQueriesContext(connection) as small:
        people_merge(keep=keep, merged=[duplicate])
    keep, duplicate = people_with_articles(20)
    with CaptureQueriesContext(connection) as large:
        result = people_merge(keep=keep, merged=[duplicate])
    assert result.article_links == 10
    assert len(large.captured_queries) == len(small.captured_queries) <= MAX_MERGE_QUERIES


# --- The vocabulary -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_merge_takes_from_the_vocabulary_the_words_no_name_nor_article_holds_any_more():
    keep, duplicate = TagFactory(name="Elections"), TagFactory(name="Electionz Local")
    ArticleFactory(body="Local news first.")
    vocabulary_refresh()
    assert vocabulary_has("electionz")

    tags_merge(keep=keep, merged=[duplicate])

    assert not vocabulary_has("electionz")  # in no name now, nor in any article
    assert vocabulary_has("local") and vocabulary_has("elections")
    assert_search_statistics_as_rebuilt()


# --- A guard for whoever adds a relation ----------------------------------------------------------------


# ``coverage`` and ``coverage_months`` are counts the database keeps (articles.models.PersonCoverage etc.):
# its triggers follow the links the merge moves, and drop the merged rows' counts (tests/test_coverage.py).
@pytest.mark.parametrize(
    ("model", "handled"),
    [
        (Person, {"aliases", "articles", "authored_articles", "claims", "merged", "coverage", "coverage_months"}),
        (Tag, {"articles", "merged", "coverage"}),
    ],
)
def test_every_relation_to_people_and_tags_is_handled_by_the_merge(model, handled):
    """A new foreign key to Person or Tag must be moved by the merge too, or deleting the merged rows loses it."""
    related = {relation.get_accessor_name() for relation in model._meta.related_objects}
    assert related == handled


# --- The editors' history -------------------------------------------------------------------------------


def merge_changes(revision) -> dict[tuple[str, int, str], tuple[str, str]]:
    """A revision's changes: (model, row id, field) → (old, new)."""
    return {
        (change.content_type.model, change.object_id, change.field): (change.old, change.new)
        for change in revision.changes.select_related("content_type")
    }


@pytest.mark.django_db
def test_a_people_merge_is_one_revision_of_everything_it_changed(django_user_model):
    editor = django_user_model.objects.create_user("editor", password="unused")
    keep, duplicate = PersonFactory(name="Sergey Mironov"), PersonFactory(name="Sergei Mironov")
    PersonAliasFactory(person=keep, name="S. Mironov")
    PersonAliasFactory(person=duplicate, name="Mironov S.", kind=AliasKind.TRANSLITERATION)
    other = PersonFactory(name="Anna")
    mentioning, written, untouched = ArticleFactory(), ArticleFactory(), ArticleFactory()
    mentioning.people.set([duplicate, other])
    written.authors.set([duplicate, keep])
    untouched.people.set([keep])
    claim = ClaimFactory(claimant_person=duplicate, statement="Fines doubled")

    people_merge(keep=keep, merged=[duplicate], user=editor)

    revision = Revision.objects.get()
    assert (revision.kind, revision.user, revision.summary) == (
        RevisionKind.MERGE,
        editor,
        "Merged “Sergei Mironov” into “Sergey Mironov”",
    )
    assert merge_changes(revision) == {
        ("person", duplicate.pk, "merged into"): ("", "Sergey Mironov"),
        ("person", keep.pk, "aliases"): (
            "S. Mironov (spelling variant)",
            "Mironov S. (transliteration), S. Mironov (spelling variant), Sergei Mironov (spelling variant)",
        ),
        ("article", mentioning.pk, "people mentioned"): ("Anna, Sergei Mironov", "Anna, Sergey Mironov"),
        ("article", written.pk, "authors"): ("Sergei Mironov, Sergey Mironov", "Sergey Mironov"),
        ("claim", claim.pk, "claimant person"): ("Sergei Mironov", "Sergey Mironov"),
    }
    assert not revision.can_be_undone
    assert list(Revision.objects.touching(keep)) == [revision]
    assert list(Revision.objects.touching(mentioning)) == [revision]
    assert not Revision.objects.touching(untouched).exists()


@pytest.mark.django_db
def test_a_tags_merge_is_one_revision_of_the_articles_it_retagged():
    keep, duplicate = TagFactory(name="Moscow", description=""), TagFactory(name="moscow city", description="City")
    tagged, both = ArticleFactory(), ArticleFactory()
    tagged.tags.set([duplicate])
    both.tags.set([duplicate, keep])

    tags_merge(keep=keep, merged=[duplicate])

    revision = Revision.objects.get()
    assert (revision.kind, revision.user, revision.summary) == (
        RevisionKind.MERGE,
        None,
        "Merged “moscow city” into “Moscow”",
    )
    assert merge_changes(revision) == {
        ("tag", duplicate.pk, "merged into"): ("", "Moscow"),
        ("tag", keep.pk, "description"): ("", "City"),
        ("article", tagged.pk, "tags"): ("moscow city", "Moscow"),
        ("article", both.pk, "tags"): ("Moscow, moscow city", "Moscow"),
    }


@pytest.mark.django_db
def test_recording_a_merge_costs_the_same_queries_whatever_the_number_of_articles(django_assert_max_num_queries):
    ContentType.objects.get_for_models(Article, Claim, Person, Tag)  # cached once per process
    keep, duplicate = people_with_articles(2)
    with CaptureQueriesContext(connection) as small:
        people_merge(keep=keep, merged=[duplicate])
    keep, duplicate = people_with_articles(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        people_merge(keep=keep, merged=[duplicate])
    assert Revision.objects.filter(kind=RevisionKind.MERGE).count() == 2
    assert FieldChange.objects.filter(field="authors").count() == 32  # every article written, in both merges


@pytest.mark.django_db
def test_the_admin_merge_is_recorded_as_the_editors(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="unused", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    keep, duplicate = TagFactory(name="Moscow"), TagFactory(name="Moskva")
    ArticleFactory().tags.set([duplicate])
    client.post(
        reverse("admin:articles_tag_changelist"),
        {"action": "merge_tags", "_selected_action": [keep.pk, duplicate.pk], "confirm": "yes", "keep": keep.pk},
    )
    revision = Revision.objects.get()
    assert (revision.kind, revision.user) == (RevisionKind.MERGE, editor)
    page = client.get(reverse("admin:articles_revision_change", args=[revision.pk])).content.decode()
    assert "Merged “Moskva” into “Moscow”" in page
