"""The ranking vectors' table (migrations 0020 to 0022) follows the published articles, whatever writes them."""

import datetime
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction

from articles.caching import public_version
from articles.models import Article, ArticleStatus, RankingChampion
from articles.search import BM25_B, BM25_K1, RECENT_RANKING_INDEX, recent_ranking_index_read
from articles.services import (
    ChampionsRefreshed,
    ranking_champions_refresh,
    recent_ranking_index_refresh,
    vocabulary_refresh,
)
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


# --- The recent vectors' index (``services.recent_ranking_index_refresh``) ------------------------


def monthly(*months: tuple[int, int]) -> list[Article]:
    return [
        ArticleFactory(
            published_on=datetime.date(year, month, 10), published_precision="day", body=f"Queues in {year}-{month}."
        )
        for year, month in months
    ]


def recent_index_plan(since: datetime.date) -> str:
    """How PostgreSQL would find the rows with a word dated ``since`` on, without the date indexes
    (on a few rows it prefers them): whether the recent index's condition is seen to be met."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("DROP INDEX articles_ranking_vector_newest, articles_ranking_vector_source_newest")
        cursor.execute(
            "EXPLAIN SELECT article_id FROM articles_ranking_vector"
            " WHERE vector @@ to_tsquery('english', 'queue') AND published_on >= %s",
            [since],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def test_the_recent_index_holds_the_newest_share_of_the_vectors_from_the_first_of_a_month(monkeypatch):
    monkeypatch.setattr("articles.services.RECENT_RANKING_MIN_ARTICLES", 4)
    monkeypatch.setattr("articles.services.RECENT_RANKING_SHARE", 0.4)
    monthly((2021, 1), (2021, 2), (2021, 3), (2021, 4), (2022, 5), (2022, 6), (2022, 7))
    ArticleFactory(published_on=None, body="Queues, undated.")  # counts for no month
    assert recent_ranking_index_read() is None
    before = public_version()
    # The newest 40% of seven (2.8): the two newest, and the third's month (2022-05-10).
    assert recent_ranking_index_refresh() == datetime.date(2022, 5, 1) == recent_ranking_index_read()
    assert public_version() != before  # each process reads the new day again
    assert "Bitmap Index Scan on articles_ranking_vector_recent" in recent_index_plan(datetime.date(2022, 6, 1))
    assert "articles_ranking_vector_recent" not in recent_index_plan(datetime.date(2022, 4, 30))

    unchanged = public_version()
    assert recent_ranking_index_refresh() == datetime.date(2022, 5, 1)  # the same day: nothing done
    assert public_version() == unchanged

    monthly((2023, 1), (2023, 2), (2023, 3), (2023, 4))  # 40% of eleven (4.4): the fifth's month on
    assert recent_ranking_index_refresh() == datetime.date(2022, 7, 1) == recent_ranking_index_read()
    assert public_version() != unchanged
    assert "articles_ranking_vector_recent" not in recent_index_plan(datetime.date(2022, 6, 1))
    assert "Bitmap Index Scan on articles_ranking_vector_recent" in recent_index_plan(datetime.date(2022, 7, 1))

    monkeypatch.setattr("articles.services.RECENT_RANKING_MIN_ARTICLES", 100)  # too few for one
    assert recent_ranking_index_refresh() is None and recent_ranking_index_read() is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'articles_ranking_vector_recent%%'")
        assert cursor.fetchone() == (0,)


def test_a_recent_index_refresh_waits_for_one_under_way():
    """Another session refreshing it holds the lock: this one waits (here, until its lock timeout)."""
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [RECENT_RANKING_INDEX])
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '50ms'")
            recent_ranking_index_refresh()
        other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [RECENT_RANKING_INDEX])
    finally:
        other.close()
    assert recent_ranking_index_refresh() is None  # its turn: too few articles for an index


def test_the_recent_index_command_says_from_which_day_it_holds_the_vectors(monkeypatch):
    for module in ("articles.services", "articles.management.commands.refresh_recent_ranking_index"):
        monkeypatch.setattr(f"{module}.RECENT_RANKING_MIN_ARTICLES", 2)
    monkeypatch.setattr("articles.services.RECENT_RANKING_SHARE", 0.5)
    out = StringIO()
    call_command("refresh_recent_ranking_index", stdout=out)
    assert out.getvalue() == "No recent ranking index: fewer than 2 dated articles.\n"
    monthly((2021, 1), (2022, 3))
    out = StringIO()
    call_command("refresh_recent_ranking_index", stdout=out)
    assert out.getvalue() == "The recent ranking index holds the articles dated from 2021-01-01 on.\n"  # both


# --- Each frequent lexeme's champions (``services.ranking_champions_refresh``) --------------------


def term_score(uses: int, length: int, average_length: float) -> float:
    """BM25's term part without the idf, as ``search.rank_sql`` computes it (every use weighs 1)."""
    return uses / (uses + BM25_K1 * (1 - BM25_B + BM25_B * length / average_length))


def champions_of(lexeme: str) -> set[int]:
    return set(RankingChampion.objects.filter(lexeme=lexeme).values_list("article_id", flat=True))


def test_the_champions_are_the_best_scored_articles_of_each_frequent_lexeme(monkeypatch):
    monkeypatch.setattr("articles.services.RANKING_CHAMPION_MIN_ARTICLES", 3)  # "queue" is in 5, "border" in 3
    monkeypatch.setattr("articles.services.RANKING_CHAMPIONS_PER_LEXEME", 2)
    bodies = {
        "two, short": "Queues, queues at the border.",
        "three, long": "Queues, queues, queues at the border, " + "and long waits on either side of it. " * 8,
        "four, short": "Queues queues queues queues.",
        "two, long": "Queues and queues. " + "Waiting for hours in the heat by the road. " * 8,
        "one, shortest": "A queue.",
    }
    articles = {name: ArticleFactory(title="Q", summary="", body=body) for name, body in bodies.items()}
    ArticleFactory(title="Q", summary="", body="Queues queues queues queues queues!", status=ArticleStatus.DRAFT)
    vocabulary_refresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT average_length FROM articles_search_stats")
        (average_length,) = cursor.fetchone()
    lengths = {name: len("Q") + len(body) for name, body in bodies.items()}
    uses = {"two, short": 2, "three, long": 3, "four, short": 4, "two, long": 2}  # once is too few
    best = sorted(uses, key=lambda name: term_score(uses[name], lengths[name], average_length), reverse=True)
    before = public_version()

    refreshed = ranking_champions_refresh()
    assert champions_of("queue") == {articles[name].pk for name in best[:2]}
    assert champions_of("border") == set()  # in three articles, not more
    assert refreshed == ChampionsRefreshed(lexemes=1, champions=2)
    assert public_version() != before  # each process reads the lists again, cached pages go

    # Listed again from the articles as they are now: the best one unpublished, the third best in.
    gone = articles[best[0]]
    gone.status, gone.retraction_note = ArticleStatus.RETRACTED, "Wrong."
    gone.save()
    vocabulary_refresh()
    ranking_champions_refresh()
    assert champions_of("queue") == {articles[name].pk for name in best[1:3]}


def test_the_champions_command_says_how_many_it_listed(monkeypatch):
    for module in ("articles.services", "articles.management.commands.refresh_ranking_champions"):
        monkeypatch.setattr(f"{module}.RANKING_CHAMPION_MIN_ARTICLES", 1)
    out = StringIO()
    call_command("refresh_ranking_champions", stdout=out)
    assert out.getvalue() == "No champions: no word stem is in more than 1 published articles.\n"
    for body in ("Queues, queues.", "Queues, queues, queues.", "Queues and long queues, queues."):
        ArticleFactory(title="Q", summary="", body=body)
    vocabulary_refresh()
    out = StringIO()
    call_command("refresh_ranking_champions", stdout=out)
    assert out.getvalue() == "Listed 3 champion articles for 1 word stems (at most 200 each).\n"
    assert RankingChampion.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_champions_table_is_vacuumed_after_a_refresh_outside_a_transaction(monkeypatch):
    """The rows a refresh replaces are dead ones: gone at once, and the planner's counts taken."""
    monkeypatch.setattr("articles.services.RANKING_CHAMPION_MIN_ARTICLES", 1)
    for body in ("Queues, queues.", "Queues, queues, queues."):
        ArticleFactory(title="Q", summary="", body=body)
    vocabulary_refresh()

    def vacuums() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables"
                " WHERE relname = 'articles_ranking_champion'"
            )
            return cursor.fetchone()

    before = vacuums()
    ranking_champions_refresh()
    assert [after - earlier for after, earlier in zip(vacuums(), before, strict=True)] == [1, 1]
    with transaction.atomic():
        ranking_champions_refresh()  # in the caller's transaction: VACUUM cannot run there
    assert [after - earlier for after, earlier in zip(vacuums(), before, strict=True)] == [1, 1]
