"""The ranking vectors' table (migrations 0020 to 0022) follows the published articles, whatever writes them."""

import datetime

import pytest
from django.db import connection

from articles.models import Article, ArticleStatus
from tests.factories import ArticleFactory, SourceFactory
from tests.search_statistics import assert_ranking_vectors_as_articles, ranking_vector_rows

pytestmark = pytest.mark.django_db


def row_version(article: Article):
    """Where the article's row of the table is stored: another place once the row is written again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid FROM articles_ranking_vector WHERE article_id = %s", [article.pk])
        found = cursor.fetchone()
    return found[0] if found else None


def test_published_articles_have_a_row_and_the_others_none():
    source = SourceFactory()
    published = ArticleFactory(
        title="Queues at the border", summary="", body="Queues at the border crossing.", source=source
    )
    ArticleFactory(status=ArticleStatus.DRAFT)
    ArticleFactory(status=ArticleStatus.RETRACTED, retraction_note="Wrong.")
    ((article_id, published_on, source_id, length, vector),) = assert_ranking_vectors_as_articles()
    assert (article_id, published_on, source_id) == (published.pk, published.published_on, source.pk)
    assert length == len("Queues at the border") + len("Queues at the border crossing.")
    assert "border" in vector and "queue" in vector


def test_saving_publishing_and_retracting_write_or_remove_the_row():
    article = ArticleFactory(status=ArticleStatus.DRAFT, body="A draft about wheat.")
    assert ranking_vector_rows() == []
    article.status = ArticleStatus.PUBLISHED
    article.save()
    assert "wheat" in assert_ranking_vectors_as_articles()[0][4]
    article.body = "Now about barley, and longer than before."
    article.published_on, article.published_precision = datetime.date(2020, 2, 2), "day"
    article.save()
    ((_, published_on, _, _, vector),) = assert_ranking_vectors_as_articles()
    assert published_on == datetime.date(2020, 2, 2) and "barley" in vector and "wheat" not in vector
    article.status, article.retraction_note = ArticleStatus.RETRACTED, "Wrong."
    article.save()
    assert assert_ranking_vectors_as_articles() == []


def test_statements_over_many_articles_and_deletions():
    articles = ArticleFactory.create_batch(3, summary="Old summary.")
    Article.objects.update(summary="A new summary for all.")
    assert len(assert_ranking_vectors_as_articles()) == 3
    Article.objects.filter(pk=articles[0].pk).update(status=ArticleStatus.DRAFT)
    Article.objects.filter(pk=articles[1].pk).delete()
    assert [row[0] for row in assert_ranking_vectors_as_articles()] == [articles[2].pk]


def test_an_update_changing_nothing_it_holds_does_not_write_the_row():
    article = ArticleFactory()
    stored = row_version(article)
    Article.objects.filter(pk=article.pk).update(published_note="Checked against the print edition.")
    assert row_version(article) == stored
    Article.objects.filter(pk=article.pk).update(title="A corrected headline")
    assert row_version(article) != stored
    assert_ranking_vectors_as_articles()


def test_a_change_of_source_is_written_to_the_row():
    article = ArticleFactory()
    stored = row_version(article)
    source = SourceFactory()
    Article.objects.filter(pk=article.pk).update(source=source)
    assert row_version(article) != stored
    assert [row[2] for row in assert_ranking_vectors_as_articles()] == [source.pk]
    Article.objects.filter(pk=article.pk).update(source=None)
    assert [row[2] for row in assert_ranking_vectors_as_articles()] == [None]


def test_emptying_the_articles_empties_the_table():
    ArticleFactory.create_batch(2)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute("TRUNCATE articles_article CASCADE")
    assert ranking_vector_rows() == []


def test_the_rows_with_words_are_listed_by_their_own_gin_index():
    """Migration 0022: a ranking window is listed from the table alone (``WindowFirst``)."""
    matching = ArticleFactory(body="Queues at the border crossing.")
    ArticleFactory(body="Nothing of the sort.")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT article_id FROM articles_ranking_vector WHERE vector @@ to_tsquery('english', 'queue')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT article_id FROM articles_ranking_vector WHERE vector @@ to_tsquery('english', 'queue')")
        assert cursor.fetchall() == [(matching.pk,)]
    assert "Bitmap Index Scan on articles_ranking_vector_gin" in plan
