"""Full-text search settings shared by the model, the migrations and the QuerySets.

The stored search vector is a generated column, so everything it is built from
must be immutable. ``unaccent()`` the function is only STABLE, but the
``unaccent`` *dictionary* inside a text-search configuration is fine:
``to_tsvector(regconfig, text)`` stays IMMUTABLE. Hence a configuration of our
own, created in migration 0001: English stemming after accent folding, so
"Perez" and "Pérez" meet.
"""

from django.contrib.postgres.search import SearchVector

SEARCH_CONFIG = "english_unaccent"

# Title above summary above body (PostgreSQL's weights A > B > C).
TITLE_WEIGHT = "A"
SUMMARY_WEIGHT = "B"
BODY_WEIGHT = "C"

CREATE_SEARCH_CONFIG_SQL = f"""
CREATE TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION {SEARCH_CONFIG}
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""
DROP_SEARCH_CONFIG_SQL = f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {SEARCH_CONFIG};"


def article_search_vector() -> SearchVector:
    """The weighted vector stored on every article (title A, summary B, body C)."""
    return (
        SearchVector("title", weight=TITLE_WEIGHT, config=SEARCH_CONFIG)
        + SearchVector("summary", weight=SUMMARY_WEIGHT, config=SEARCH_CONFIG)
        + SearchVector("body", weight=BODY_WEIGHT, config=SEARCH_CONFIG)
    )
