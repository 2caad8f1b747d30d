"""The search's word list, ranking statistics and ranking vectors as rows, to compare what was added
to a rebuild, or to the articles."""

from django.db import connection

from articles.services import vocabulary_refresh

TABLES = {"articles_vocabulary": "word", "articles_lexeme_stats": "lexeme", "articles_search_stats": "id"}


def search_statistics_rows() -> dict[str, list[tuple]]:
    """Every row of the three tables, in key order."""
    rows = {}
    with connection.cursor() as cursor:
        for table, key in TABLES.items():
            cursor.execute(f"SELECT * FROM {table} ORDER BY {key}")
            rows[table] = cursor.fetchall()
    return rows


def assert_search_statistics_as_rebuilt() -> dict[str, list[tuple]]:
    """The tables hold what a rebuild from every article and name gives; their rows."""
    assert_ranking_vectors_as_articles()
    kept = search_statistics_rows()
    vocabulary_refresh()
    assert search_statistics_rows() == kept
    return kept


def ranking_vector_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT article_id, published_on, source_id, length, vector FROM articles_ranking_vector ORDER BY 1"
        )
        return cursor.fetchall()


def assert_ranking_vectors_as_articles() -> list[tuple]:
    """The ranking vectors' table holds a row for each published article, with its vector, date,
    source and length in bytes, and no other row; its rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, published_on, source_id, octet_length(title) + octet_length(summary) + octet_length(body),"
            " search_vector FROM articles_article WHERE status = 'published' ORDER BY 1"
        )
        published = cursor.fetchall()
    rows = ranking_vector_rows()
    assert rows == published
    return rows
