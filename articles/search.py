"""Full-text search settings shared by the model, the migrations and the QuerySets.

The stored search vector is a generated column, so everything it is built from
must be immutable. ``unaccent()`` the function is only STABLE, but the
``unaccent`` *dictionary* inside a text-search configuration is fine:
``to_tsvector(regconfig, text)`` stays IMMUTABLE. Hence a configuration of our
own, created in migration 0001: English stemming after accent folding, so
"Perez" and "Pérez" meet.
"""

from dataclasses import dataclass

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


# --- The search API used by the views (implementation in progress) -------------------------------

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"
SORT_CHOICES = [(SORT_RELEVANCE, "relevance"), (SORT_NEWEST, "newest first"), (SORT_OLDEST, "oldest first")]


@dataclass(frozen=True)
class Suggestions:
    """What to offer when a search finds nothing."""

    correction: str | None  # the query respelled from the archive's own vocabulary, if any
    people: list  # nearest Person rows by name or alias
    tags: list  # nearest Tag rows by name


def search_headlines(articles, query: str) -> None:
    """Set ``article.headline`` (safe HTML, matches in <mark>) on each of ``articles``: one query.

    Call it with the page being shown only; headlines are the costliest part of a search.
    """
    from django.contrib.postgres.search import SearchHeadline, SearchQuery
    from django.utils.safestring import mark_safe

    from articles.models import Article

    ids = [article.pk for article in articles]
    if not ids:
        return
    rows = dict(
        Article.objects.filter(pk__in=ids)
        .annotate(
            headline=SearchHeadline(
                "body",
                SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG),
                config=SEARCH_CONFIG,
                start_sel="<mark>",
                stop_sel="</mark>",
                max_fragments=2,
                max_words=35,
                min_words=15,
            )
        )
        .values_list("pk", "headline")
    )
    for article in articles:
        article.headline = mark_safe(escape_headline(rows.get(article.pk, "")))


def escape_headline(headline: str) -> str:
    """Escape a ts_headline result while keeping its <mark> tags: bodies are text, never HTML."""
    from django.utils.html import escape

    return escape(headline).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")


def matching_people(query: str) -> list:
    """People whose name or one of whose aliases the query names (e.g. "Cupik" → Valentina Chupik)."""
    return []


def search_suggestions(query: str) -> Suggestions:
    """A respelling of ``query`` and the nearest people and tags, for a search that found nothing."""
    return Suggestions(correction=None, people=[], tags=[])
