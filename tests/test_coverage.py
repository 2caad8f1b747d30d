"""The counts of published articles the database keeps (migration 0012's and 0027's triggers,
articles.models.PersonCoverage, TagCoverage, SourceCoverage, CoverageMonth): after every kind of
change, exactly what counting the articles afresh gives."""

import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import TruncMonth

from articles.models import (
    Article,
    ArticleStatus,
    CoverageMonth,
    Person,
    PersonCoverage,
    Source,
    SourceCoverage,
    Tag,
    TagCoverage,
)
from articles.services import people_merge, tags_merge
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db


def counted_afresh() -> dict:
    """Every count, from the articles and their links as they are now (only published articles count)."""
    published = Article.objects.published()
    months = Counter()
    for month, precision in published.annotate(m=TruncMonth("published_on")).values_list("m", "published_precision"):
        months[None, month, precision] += 1
    mentions, articles, tags = Counter(), Counter(), Counter()
    for article in published.prefetch_related("people", "authors", "tags"):
        mentioned = {person.pk for person in article.people.all()}
        involved = mentioned | {person.pk for person in article.authors.all()}
        day = article.published_on
        month = datetime.date(day.year, day.month, 1) if day else None
        for person in mentioned:
            mentions[person] += 1
        for person in involved:
            articles[person] += 1
            months[person, month, article.published_precision] += 1
        for tag in article.tags.all():
            tags[tag.pk] += 1
    sources = Counter(source for source in published.values_list("source_id", flat=True) if source is not None)
    return {"mentions": mentions, "articles": articles, "tags": tags, "sources": sources, "months": months}


def kept() -> dict:
    """Every count the database keeps (rows at 0 left out: a count that fell to nothing)."""
    people = PersonCoverage.objects.values_list("person_id", "mentions", "articles")
    months = CoverageMonth.objects.values_list("person_id", "month", "precision", "articles")
    return {
        "mentions": Counter({person: n for person, n, _ in people if n}),
        "articles": Counter({person: n for person, _, n in people if n}),
        "tags": Counter(dict(TagCoverage.objects.filter(articles__gt=0).values_list("tag_id", "articles"))),
        "sources": Counter(dict(SourceCoverage.objects.filter(articles__gt=0).values_list("source_id", "articles"))),
        "months": Counter({(person, month, precision): n for person, month, precision, n in months if n}),
    }


def assert_exact() -> None:
    assert kept() == counted_afresh()
    assert not PersonCoverage.objects.filter(mentions__lt=0).exists()
    assert not CoverageMonth.objects.filter(articles__lt=0).exists()
    assert not SourceCoverage.objects.filter(articles__lt=0).exists()


@pytest.fixture
def linked():
    """Two people and two tags linked to articles in every way: mentioned, author, both; three statuses;
    two sources, and articles without one."""
    ana, ben = PersonFactory(name="Ana"), PersonFactory(name="Ben")
    war, peace = TagFactory(name="War"), TagFactory(name="Peace")
    daily, weekly = SourceFactory(name="Daily"), SourceFactory(name="Weekly")
    articles = []
    for n, status in enumerate([ArticleStatus.PUBLISHED] * 4 + [ArticleStatus.DRAFT, ArticleStatus.RETRACTED]):
        article = ArticleFactory(
            status=status,
            published_on=datetime.date(2023, 1 + n, 2 + n),
            published_precision="day",
            source=(daily, weekly, None)[n % 3],
        )
        article.people.add(ana)
        if n % 2:
            article.authors.add(ana, ben)
        else:
            article.people.add(ben)
        article.tags.add(war if n % 2 else peace)
        articles.append(article)
    ArticleFactory(published_on=None, published_precision="").people.add(ben)
    ArticleFactory(published_on=datetime.date(2020, 1, 1), published_precision="year").authors.add(ben)
    return {"people": (ana, ben), "tags": (war, peace), "sources": (daily, weekly), "articles": articles}


def test_links_made_as_articles_are_written_are_counted(linked):
    assert_exact()
    ana, ben = linked["people"]
    assert PersonCoverage.objects.get(person=ana).mentions == 4
    assert PersonCoverage.objects.get(person=ben).articles == 6
    daily, weekly = linked["sources"]
    assert SourceCoverage.objects.get(source=daily).articles == 2  # the first and the fourth
    assert SourceCoverage.objects.get(source=weekly).articles == 1  # the second; the fifth is a draft


def test_moving_articles_between_sources(linked):
    daily, weekly = linked["sources"]
    first, second, third = linked["articles"][:3]
    first.source = weekly
    first.save()
    assert_exact()
    third.source = daily  # it had none
    third.save()
    assert_exact()
    second.source = None
    second.save()
    assert_exact()
    Article.objects.update(source=daily)
    assert_exact()
    Article.objects.filter(pk__in=[first.pk, second.pk]).update(source=weekly, status=ArticleStatus.DRAFT)
    assert_exact()


def test_a_source_deleted_takes_its_row_with_it(linked):
    daily, _ = linked["sources"]
    Article.objects.filter(source=daily).update(source=None)
    daily_id = daily.pk
    daily.delete()
    assert_exact()
    assert not SourceCoverage.objects.filter(source_id=daily_id).exists()
    assert Source.objects.filter(pk=daily_id).count() == 0


@pytest.mark.parametrize(
    ("status", "note"),
    [(ArticleStatus.DRAFT, ""), (ArticleStatus.RETRACTED, "Could not be verified.")],
)
def test_unpublishing_or_retracting_and_publishing_again(linked, status, note):
    article = linked["articles"][1]
    article.status, article.retraction_note = status, note
    article.save()
    assert_exact()
    article.status, article.retraction_note = ArticleStatus.PUBLISHED, ""
    article.save()
    assert_exact()


def test_publishing_a_draft_and_saving_one_unchanged(linked):
    draft = linked["articles"][4]
    draft.status = ArticleStatus.PUBLISHED
    draft.save()
    assert_exact()
    draft.title = "Retitled"
    draft.save()
    assert_exact()


def test_redating_moves_an_article_between_months_and_precisions(linked):
    article = linked["articles"][0]
    for day, precision in [
        (datetime.date(2019, 7, 1), "month"),
        (datetime.date(2019, 1, 1), "year"),
        (None, ""),
        (datetime.date(2024, 2, 29), "day"),
    ]:
        article.published_on, article.published_precision = day, precision
        article.save()
        assert_exact()


def test_bulk_updates_of_status_and_dates(linked):
    Article.objects.filter(pk__in=[a.pk for a in linked["articles"][:3]]).update(status=ArticleStatus.DRAFT)
    assert_exact()
    Article.objects.update(status=ArticleStatus.PUBLISHED, retraction_note="")
    assert_exact()
    Article.objects.filter(published_on__isnull=False).update(
        published_on=datetime.date(2022, 6, 1), published_precision="day"
    )
    assert_exact()


def test_deleting_articles(linked):
    linked["articles"][1].delete()
    assert_exact()
    Article.objects.filter(status=ArticleStatus.PUBLISHED).delete()
    assert_exact()
    assert kept() == {
        "mentions": Counter(),
        "articles": Counter(),
        "tags": Counter(),
        "sources": Counter(),
        "months": Counter(),
    }


def test_linking_and_unlinking_people_and_tags(linked):
    ana, ben = linked["people"]
    war, peace = linked["tags"]
    first, second = linked["articles"][:2]
    first.authors.add(ana)  # mentioned and now an author too: still one article
    assert_exact()
    first.people.remove(ana)  # an author only now
    assert_exact()
    second.authors.remove(ana, ben)
    second.people.set([ben])
    assert_exact()
    first.tags.set([war, peace])
    second.tags.clear()
    assert_exact()
    linked["articles"][4].people.add(PersonFactory())  # a draft's links count for nothing
    assert_exact()


def test_links_changed_in_place(linked):
    ana, _ = linked["people"]
    Article.people.through.objects.filter(person=ana).update(person=PersonFactory())
    assert_exact()
    Article.tags.through.objects.update(tag=linked["tags"][0])
    assert_exact()


def test_merging_people_and_tags(linked):
    ana, ben = linked["people"]
    cat = PersonFactory(name="Cat")
    linked["articles"][0].authors.add(cat)
    people_merge(keep=cat, merged=[ana, ben])
    assert_exact()
    assert not PersonCoverage.objects.filter(person_id__in=[ana.pk, ben.pk]).exists()
    assert not CoverageMonth.objects.filter(person_id__in=[ana.pk, ben.pk]).exists()
    war, peace = linked["tags"]
    tags_merge(keep=war, merged=[peace])
    assert_exact()
    assert not TagCoverage.objects.filter(tag_id=peace.pk).exists()


def test_deleting_people_and_tags(linked):
    ana, _ = linked["people"]
    ana_id = ana.pk
    ana.delete()
    Tag.objects.filter(pk=linked["tags"][1].pk).delete()
    assert_exact()
    assert not CoverageMonth.objects.filter(person_id=ana_id).exists()


def test_the_seed_archive_as_loaded_from_its_fixture():
    call_command("loaddata", "seed_archive", verbosity=0)
    assert_exact()
    assert Person.objects.with_mention_counts().filter(mention_count__gt=0).exists()


def test_rebuilding_from_scratch_gives_the_same_counts(linked):
    before = kept()
    with connection.cursor() as cursor:
        cursor.execute("SELECT articles_coverage_rebuild()")
        cursor.execute("SELECT articles_source_coverage_rebuild()")
    assert kept() == before == counted_afresh()


def test_truncating_the_links_rebuilds_the_counts(linked):
    with connection.cursor() as cursor:
        # TRUNCATE waits for no deferred foreign-key checks: run them first (as generate_corpus --flush does).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE articles_article_people")
    assert_exact()


def test_truncating_the_articles_rebuilds_the_counts(linked):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE articles_article CASCADE")
    assert_exact()
    assert not SourceCoverage.objects.filter(articles__gt=0).exists()
