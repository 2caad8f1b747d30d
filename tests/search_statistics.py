"""The search's word list and ranking statistics as rows, to compare what was added to a rebuild."""

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
    kept = search_statistics_rows()
    vocabulary_refresh()
    assert search_statistics_rows() == kept
    return kept
