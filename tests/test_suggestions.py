"""Suggested links: finding the people and tags a text mentions (whole words, any case or accents, by name
or alias), the article page's panel and its one-click links, the bulk action, and their query counts."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.admin import suggestions as suggestions_admin
from articles.models import Article, Person, PersonAlias, Revision, RevisionKind, Tag
from articles.services import people_merge, revision_undo, suggestions_apply
from articles.suggestions import PEOPLE, TAGS, Suggestion, suggestions_for, suggestions_sql
from tests.factories import ArticleFactory, PersonAliasFactory, PersonFactory, TagFactory
from tests.test_admin import article_form_data

pytestmark = pytest.mark.django_db

PRISONERS = "prisoners-and-immigrants-are-being-forced-to-fight-for-russia-in-ukraine"
MOBILIZATION = "russias-partial-mobilization-is-prompting-xenophobic-rhetoric-against-central"
EXODUS = "russias-mobilization-drives-an-exodus-protests-and-attacks-on-enlistment"


def suggested(article: Article) -> list[Suggestion]:
    return list(suggestions_for([article.pk])[article.pk])


def names(article: Article) -> set[tuple[str, str]]:
    """What is suggested for ``article``, as (relation, name)."""
    return {(suggestion.relation, suggestion.name) for suggestion in suggested(article)}


def text_article(body: str, **fields) -> Article:
    return ArticleFactory(title=fields.pop("title", "A report"), body=body, **fields)


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def link_url(article: Article) -> str:
    return reverse("admin:articles_article_link_suggestion", args=[article.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The seed archive ---------------------------------------------------------------------------


def test_the_seed_archive_is_linked_to_all_it_mentions_but_moscow(seed_archive):
    found = suggestions_for(Article.objects.values_list("pk", flat=True))
    suggested_names = {
        Article.objects.get(pk=pk).slug: [(s.relation, s.name) for s in suggestions]
        for pk, suggestions in found.items()
    }
    assert suggested_names == {
        MOBILIZATION: [(TAGS, "Moscow")],  # "Moscow Mayor Sergey Sobyanin"
        EXODUS: [(TAGS, "Moscow")],  # "115 miles southeast of Moscow"
        "persecution-of-foreigners-by-russian-regime-escalates": [],
        "russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict": [],
        PRISONERS: [],
    }


def test_an_alias_spelling_in_a_seed_text_suggests_the_person(seed_archive):
    # The CNN retelling spells her "Valentina Cupik", one of Valentina Chupik's aliases.
    article = Article.objects.get(slug=PRISONERS)
    chupik = Person.objects.get(slug="valentina-chupik")
    article.people.remove(chupik)
    assert suggested(article) == [
        Suggestion(PEOPLE, article.pk, chupik.pk, "Valentina Chupik", "Valentina Cupik", True, chupik.description)
    ]


def test_a_transliteration_and_the_own_name_suggest_the_person_once(seed_archive):
    article = Article.objects.get(slug=MOBILIZATION)
    mironov = Person.objects.get(slug="sergey-mironov")
    article.people.remove(mironov)
    article.body += "\n\nSergei Mironov repeated it."  # his alias, beside his own name
    article.save()
    (suggestion,) = [s for s in suggested(article) if s.relation == PEOPLE]
    assert (suggestion.target_id, suggestion.spelling, suggestion.by_alias) == (mironov.pk, "Sergey Mironov", False)


def test_seed_texts_suggest_unlinked_tags_and_possessive_names(seed_archive):
    article = Article.objects.get(slug=EXODUS)
    article.tags.clear()
    article.people.clear()
    # "Vladimir Putin's mobilization", "Protests in Russia's Dagestan region" (curly apostrophes), "the War in Ukraine".
    assert names(article) >= {
        (PEOPLE, "Vladimir Putin"),
        (TAGS, "Protests"),
        (TAGS, "Russia"),
        (TAGS, "Dagestan"),
        (TAGS, "War in Ukraine"),
        (TAGS, "Partial mobilization"),
    }
    assert (TAGS, "Xenophobia") not in names(article)  # the text says "xenophobic" at most


# --- What counts as a mention ----------------------------------------------------------------------


def test_names_never_match_inside_a_word():
    TagFactory(name="Moscow")
    PersonFactory(name="Aziz")
    PersonFactory(name="Jo Shelley")
    article = text_article("Moscowitz met Azizov and the Azizes. Muscovites cheered Jo Shelleyan prose.")
    assert names(article) == set()


def test_punctuation_possessives_and_case_do_not_hide_a_name():
    moscow = TagFactory(name="Moscow")
    aziz = PersonFactory(name="Aziz")
    putin = PersonFactory(name="Vladimir Putin")
    war = TagFactory(name="War in Ukraine")
    article = text_article(
        "(MOSCOW) — Aziz\N{RIGHT SINGLE QUOTATION MARK}s brother opposed VLADIMIR PUTIN'S war-in-Ukraine."
    )
    assert names(article) == {(TAGS, moscow.name), (PEOPLE, aziz.name), (PEOPLE, putin.name), (TAGS, war.name)}


def test_accents_are_folded_on_both_sides():
    chupik = PersonFactory(name="Valentina Chupik")
    PersonAliasFactory(person=chupik, name="Valentina Cupik")
    perez = PersonFactory(name="José Pérez")
    article = text_article("Valentina Čupík and JOSE PEREZ spoke.")
    found = {suggestion.target_id: suggestion for suggestion in suggested(article)}
    assert set(found) == {chupik.pk, perez.pk}
    assert (found[chupik.pk].spelling, found[chupik.pk].by_alias) == ("Valentina Cupik", True)
    assert found[perez.pk].by_alias is False


def test_tags_match_their_own_words_only_without_stemming():
    TagFactory(name="Protests")
    TagFactory(name="Ethnic minorities")
    article = text_article("One protest; an ethnic minority. Protesters and minorities too.")
    assert names(article) == set()
    assert names(text_article("Protests grew among ethnic minorities.")) == {
        (TAGS, "Protests"),
        (TAGS, "Ethnic minorities"),
    }


def test_the_title_and_summary_count_but_a_name_never_spans_two_fields():
    TagFactory(name="Dagestan")
    PersonFactory(name="Vladimir Putin")
    in_title = text_article("No names here.", title="Women protest in Dagestan")
    spanning = text_article("Putin spoke.", title="A word from Vladimir", summary="Putin, again")
    assert names(in_title) == {(TAGS, "Dagestan")}
    assert names(spanning) == set()


def test_what_is_linked_is_not_suggested():
    mentioned, author, unlinked = PersonFactory(name="Olga Romanova"), PersonFactory(name="Jay Hicks"), PersonFactory()
    tag = TagFactory(name="Conscription")
    article = text_article(f"Olga Romanova told Jay Hicks about conscription. {unlinked.name} agreed.")
    article.people.add(mentioned)
    article.authors.add(author)
    article.tags.add(tag)
    assert names(article) == {(PEOPLE, unlinked.name)}


def test_a_merged_person_is_gone_and_their_spelling_suggests_the_one_kept():
    kept = PersonFactory(name="Valentina Chupik")
    duplicate = PersonFactory(name="Valentina Cupik")
    article = text_article("Valentina Cupik said so.")
    people_merge(keep=kept, merged=[duplicate])
    (suggestion,) = suggested(article)
    assert (suggestion.target_id, suggestion.spelling, suggestion.by_alias) == (kept.pk, "Valentina Cupik", True)


def test_two_people_of_the_same_name_are_both_offered():
    first, second = PersonFactory(name="Sergey Ivanov"), PersonFactory(name="Sergey Ivanov")
    article = text_article("Sergey Ivanov resigned.")
    assert {suggestion.target_id for suggestion in suggested(article)} == {first.pk, second.pk}


def test_names_of_punctuation_only_suggest_nothing():
    TagFactory(name="—")
    PersonFactory(name="?")
    assert names(text_article("A dash — and a question?")) == set()


# --- Query counts -----------------------------------------------------------------------------------


def many_names(count: int, start: int = 0) -> None:
    """People (each with an alias) and tags numbered from ``start``; ``mentioning_all`` names them."""
    for n in range(start, start + count):
        person = PersonFactory(name=f"Firstname{n} Lastname{n}")
        PersonAliasFactory(person=person, name=f"Firstnaam{n} Lastnaam{n}")
        TagFactory(name=f"Topic{n}")


def mentioning_all(count: int, extra: str = "") -> Article:
    words = " ".join(f"Firstname{n} Lastname{n}, Firstnaam{n} Lastnaam{n} and Topic{n}." for n in range(count))
    return text_article(f"{words} {extra}")


def test_one_query_finds_an_articles_suggestions_however_many_there_are():
    many_names(3)
    few = mentioning_all(3)
    with CaptureQueriesContext(connection) as queries:
        assert len(suggestions_for([few.pk])[few.pk]) == 6
    assert len(queries) == 1
    many_names(37, start=3)
    many = mentioning_all(40, extra="Again.")
    with CaptureQueriesContext(connection) as queries:
        assert len(suggestions_for([many.pk])[many.pk]) == 80
    assert len(queries) == 1


def test_one_query_per_batch_of_articles(monkeypatch):
    monkeypatch.setattr("articles.suggestions.SUGGESTION_BATCH_SIZE", 4)
    many_names(2)
    articles = [mentioning_all(2, extra=f"Copy {n}.") for n in range(9)]
    with CaptureQueriesContext(connection) as queries:
        found = suggestions_for(article.pk for article in articles)
    assert len(queries) == 3
    assert all(len(found[article.pk]) == 4 for article in articles)


def test_the_lookup_reads_the_head_indexes_not_every_name():
    """The query's expressions are the indexes' own (function and collation), so the indexes can serve it.

    Sequential scans are switched off because on a test database's few rows the planner may
    rightly prefer one; at the archive's scale (see the README) it picks the indexes by itself.
    """
    people = Person.objects.bulk_create(Person(name=f"Someone{n} Else{n}", slug=f"someone-{n}") for n in range(2000))
    PersonAlias.objects.bulk_create(PersonAlias(person=person, name=f"{person.name} Jr") for person in people)
    Tag.objects.bulk_create(Tag(name=f"Subject{n}", slug=f"subject-{n}") for n in range(2000))
    article = text_article("Someone7 Else7 Jr wrote on Subject7.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_person, articles_personalias, articles_tag")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + suggestions_sql(), {"article_ids": [article.pk]})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("person_mention_head", "person_alias_mention_head", "tag_mention_head"):
        assert re.search(rf"Index Scan (on|using) {index} ", plan), plan
    for table in ("articles_person", "articles_personalias", "articles_tag"):
        assert f"Seq Scan on {table} " not in plan, plan
    assert names(article) == {(PEOPLE, "Someone7 Else7"), (TAGS, "Subject7")}


# --- Applying them -------------------------------------------------------------------------------------


def test_applying_links_people_as_mentioned_and_tags_as_one_revision_that_can_be_undone(django_user_model):
    editor = django_user_model.objects.create_user("editor")
    person, tag = PersonFactory(name="Andriy Usov"), TagFactory(name="Wagner Group")
    first, second = text_article("Andriy Usov said so."), text_article("The Wagner Group recruited.")
    opened = Article.objects.get(pk=first.pk).updated_at
    revision = suggestions_apply(user=editor, article_ids=[first.pk, second.pk], summary="Linked suggestions")
    assert (revision.kind, revision.username, revision.summary) == (
        RevisionKind.SUGGESTIONS,
        "editor",
        "Linked suggestions",
    )
    assert list(first.people.all()) == [person] and not first.authors.exists()
    assert list(second.tags.all()) == [tag]
    assert Article.objects.get(pk=first.pk).updated_at > opened  # the optimistic lock sees it
    assert suggestions_apply(user=editor, article_ids=[first.pk, second.pk], summary="Again") is None
    revision_undo(revision=revision, user=editor)
    assert not first.people.exists() and not second.tags.exists()


# --- The article page ------------------------------------------------------------------------------


@pytest.fixture
def chupik_unlinked(seed_archive) -> Article:
    article = Article.objects.get(slug=PRISONERS)
    article.people.remove(Person.objects.get(slug="valentina-chupik"))
    article.tags.remove(Tag.objects.get(slug="moscow"))
    return article


def test_the_change_page_lists_suggestions_with_buttons_outside_the_main_form(admin_client, chupik_unlinked):
    chupik, moscow = Person.objects.get(slug="valentina-chupik"), Tag.objects.get(slug="moscow")
    page = admin_client.get(change_url(chupik_unlinked)).content.decode()
    assert "Suggested links" in page
    assert "Valentina Chupik</strong> — text says “Valentina Cupik”" in page
    assert f'form="suggested-links-form" name="link" value="people:{chupik.pk}"' in page
    assert f'form="suggested-links-form" name="link" value="tags:{moscow.pk}"' in page
    assert 'name="link" value="all">Link all suggestions</button>' in page
    assert "save your edits first" in page
    # The panel's own form comes after the article's, so forms do not nest; it carries a CSRF token.
    main_form_end = page.index("</form>", page.index('id="article_form"'))
    own_form = page.index(f'<form id="suggested-links-form" method="post" action="{link_url(chupik_unlinked)}">')
    assert own_form > main_form_end
    assert "csrfmiddlewaretoken" in page[own_form : page.index("</form>", own_form)]


def test_the_change_page_says_when_there_is_nothing_to_suggest(admin_client, seed_archive):
    article = Article.objects.get(slug=PRISONERS)
    page = admin_client.get(change_url(article)).content.decode()
    assert "No suggestions: everyone and every tag the text names is linked." in page
    assert 'form="suggested-links-form"' not in page  # no buttons


def test_the_add_page_has_no_panel(admin_client):
    assert "Suggested links" not in admin_client.get(reverse("admin:articles_article_add")).content.decode()


def test_one_click_links_records_a_revision_and_goes_back(admin_client, chupik_unlinked):
    chupik = Person.objects.get(slug="valentina-chupik")
    response = admin_client.post(link_url(chupik_unlinked), {"link": f"people:{chupik.pk}"})
    assert response.status_code == 302
    assert response["Location"] == change_url(chupik_unlinked)
    assert chupik_unlinked.people.filter(pk=chupik.pk).exists()
    assert not chupik_unlinked.tags.filter(slug="moscow").exists()  # only what was clicked
    revision = Revision.objects.get()
    assert revision.kind == RevisionKind.SUGGESTIONS
    assert revision.summary == f"Linked the suggested person “Valentina Chupik” to “{chupik_unlinked.title}”"
    assert messages_of(response) == [
        "Linked person “Valentina Chupik” to this article (1 link), recorded in the history."
    ]


def test_link_all_links_every_suggestion(admin_client, chupik_unlinked):
    response = admin_client.post(link_url(chupik_unlinked), {"link": "all"})
    assert response.status_code == 302
    assert chupik_unlinked.people.filter(slug="valentina-chupik").exists()
    assert chupik_unlinked.tags.filter(slug="moscow").exists()
    assert suggested(chupik_unlinked) == []
    assert "(2 links)" in messages_of(response)[0]
    assert Revision.objects.get().kind == RevisionKind.SUGGESTIONS


def test_linking_what_is_no_longer_suggested_changes_nothing(admin_client, seed_archive):
    article = Article.objects.get(slug=PRISONERS)
    chupik = Person.objects.get(slug="valentina-chupik")  # linked already
    stranger = PersonFactory()  # never mentioned
    for value in (f"people:{chupik.pk}", f"people:{stranger.pk}", "all"):
        response = admin_client.post(link_url(article), {"link": value})
        assert response.status_code == 302
        assert messages_of(response)[0].startswith("Nothing was linked")
    assert not Revision.objects.exists()
    assert not article.people.filter(pk=stranger.pk).exists()


@pytest.mark.parametrize("value", ["", "people", "people:x", "claims:1", "people:-1"])
def test_a_malformed_choice_is_a_bad_request(admin_client, value):
    article = text_article("Nothing to suggest.")
    assert admin_client.post(link_url(article), {"link": value}).status_code == 400


def test_linking_takes_a_post(admin_client, chupik_unlinked):
    assert admin_client.get(link_url(chupik_unlinked)).status_code == 405
    assert admin_client.post(reverse("admin:articles_article_link_suggestion", args=[10**9])).status_code == 404


def test_linking_is_csrf_protected(client, django_user_model, chupik_unlinked):
    client.handler.enforce_csrf_checks = True
    client.force_login(django_user_model.objects.create_superuser("boss", password="unused"))
    assert client.post(link_url(chupik_unlinked), {"link": "all"}).status_code == 403
    assert suggested(chupik_unlinked)


def test_the_optimistic_lock_refuses_a_form_opened_before_linking(admin_client, chupik_unlinked):
    page = admin_client.get(change_url(chupik_unlinked))
    opened_version = page.context["adminform"].form["opened_version"].value()
    admin_client.post(link_url(chupik_unlinked), {"link": "all"})
    stale = article_form_data(chupik_unlinked) | {"opened_version": opened_version, "title": "Edited"}
    response = admin_client.post(change_url(chupik_unlinked), stale)
    assert response.status_code == 200
    assert "Someone else saved this article at" in response.content.decode()


@pytest.fixture
def viewer_client(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="unused", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)
    return client


def test_a_view_only_user_sees_suggestions_but_cannot_link(viewer_client, chupik_unlinked):
    page = viewer_client.get(change_url(chupik_unlinked)).content.decode()
    assert "text says “Valentina Cupik”" in page
    assert "suggested-links-form" not in page
    assert viewer_client.post(link_url(chupik_unlinked), {"link": "all"}).status_code == 403
    assert suggested(chupik_unlinked)


def test_an_editor_can_link(client, django_user_model, chupik_unlinked):
    editor = django_user_model.objects.create_user("editor", password="unused", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.post(link_url(chupik_unlinked), {"link": "all"}).status_code == 302
    assert Revision.objects.get().username == "editor"


def test_the_change_page_queries_do_not_grow_with_suggestions(admin_client):
    many_names(2)
    few = mentioning_all(2)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(change_url(few))
    few_queries = len(queries)
    many_names(28, start=2)
    many = mentioning_all(30)
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(change_url(many)).content.decode()
    assert page.count('form="suggested-links-form" name="link" value="people:') == 30
    assert len(queries) <= few_queries


# --- The bulk action ---------------------------------------------------------------------------------


def action_data(articles, **extra) -> dict:
    return {"action": "link_suggestions", "_selected_action": [article.pk for article in articles], **extra}


def test_the_bulk_action_confirms_then_links_on_every_article_as_one_revision(admin_client, seed_archive):
    articles = list(Article.objects.order_by("pk"))
    for article in articles:
        article.people.clear()
    changelist = reverse("admin:articles_article_changelist")
    page = admin_client.post(changelist, action_data(articles))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Person: Valentina Chupik — text says “Valentina Cupik”" in content
    assert "Tag: Moscow" in content
    assert "19 links to make, on 5 of the 5 articles" in " ".join(content.split())
    assert 'name="confirm" value="yes"' in content
    assert not any(article.people.exists() for article in articles)  # nothing linked before confirming

    response = admin_client.post(changelist, action_data(articles, confirm="yes"))
    assert response.status_code == 302
    revision = Revision.objects.get()
    assert revision.kind == RevisionKind.SUGGESTIONS
    assert revision.summary == "Linked the suggested people and tags of 5 articles"
    assert all(article.people.exists() for article in articles)
    prisoners = Article.objects.get(slug=PRISONERS)
    assert prisoners.people.filter(slug="valentina-chupik").exists()
    assert Article.objects.get(slug=EXODUS).tags.filter(slug="moscow").exists()
    assert not any(suggestions_for(article.pk for article in articles).values())
    assert (
        messages_of(response)[-1]
        == "Made 19 suggested links on 5 articles, in one change you can undo from the history."
    )


def test_the_bulk_action_says_when_there_is_nothing_to_link(admin_client, seed_archive):
    articles = list(Article.objects.filter(slug=PRISONERS))
    page = admin_client.post(reverse("admin:articles_article_changelist"), action_data(articles))
    assert "There is nothing to link" in page.content.decode()


def test_the_bulk_action_refuses_too_many_articles(admin_client, monkeypatch, seed_archive):
    monkeypatch.setattr(suggestions_admin, "BULK_MAX_ARTICLES", 3)
    articles = list(Article.objects.all())
    response = admin_client.post(reverse("admin:articles_article_changelist"), action_data(articles, confirm="yes"))
    assert response.status_code == 302
    assert messages_of(response) == ["Select at most 3 articles at a time to link their suggestions."]
    assert not Revision.objects.exists()


def test_the_bulk_action_lists_only_the_first_articles(admin_client, monkeypatch):
    monkeypatch.setattr(suggestions_admin, "CONFIRMATION_SHOWN_ARTICLES", 2)
    TagFactory(name="Yakutsk")
    articles = [text_article(f"In Yakutsk, day {n}.") for n in range(5)]
    content = admin_client.post(reverse("admin:articles_article_changelist"), action_data(articles)).content.decode()
    assert content.count("Tag: Yakutsk") == 2
    assert "… and 3 links on 3 more articles." in content


def test_a_view_only_user_has_no_bulk_action(viewer_client, seed_archive):
    articles = list(Article.objects.all())
    response = viewer_client.post(reverse("admin:articles_article_changelist"), action_data(articles, confirm="yes"))
    assert not Revision.objects.exists()
    assert response.status_code in (200, 302)


def test_the_bulk_action_queries_do_not_grow_with_articles(admin_client):
    many_names(3)

    def confirm_queries(count: int) -> int:
        articles = [mentioning_all(3, extra=f"Copy {count}-{n}.") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(
                reverse("admin:articles_article_changelist"), action_data(articles, confirm="yes")
            )
        assert response.status_code == 302
        assert all(len(article.tags.all()) == 3 for article in articles)
        return len(queries)

    confirm_queries(1)  # first-use lookups, cached for the process (content types), out of the comparison
    assert confirm_queries(12) <= confirm_queries(2)


def test_the_bulk_confirmation_page_queries_do_not_grow_with_articles(admin_client):
    many_names(3)

    def page_queries(count: int) -> int:
        articles = [mentioning_all(3, extra=f"Page {count}-{n}.") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert (
                admin_client.post(reverse("admin:articles_article_changelist"), action_data(articles)).status_code
                == 200
            )
        return len(queries)

    page_queries(1)  # first-use lookups, cached for the process, out of the comparison
    assert page_queries(12) <= page_queries(2)
