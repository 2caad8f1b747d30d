"""The search's vocabulary and ranking statistics as tables, so that an import adds its batches to them.

As materialized views they could only be refreshed from every published article: about a minute at
100,000 articles after every import, however small. The tables take the views' rows as they are
(no text is read again); the articles' total length is the mean times their number, exact to the
byte up to the mean's rounding until the next rebuild (``articles.services.vocabulary_refresh``).
"""

from django.db import migrations

from articles.migrations._search_views import create_search_statistics, create_vocabulary

VIEWS_TO_TABLES_SQL = """
ALTER MATERIALIZED VIEW articles_vocabulary RENAME TO articles_vocabulary_view;
ALTER MATERIALIZED VIEW articles_lexeme_stats RENAME TO articles_lexeme_stats_view;
ALTER MATERIALIZED VIEW articles_search_stats RENAME TO articles_search_stats_view;
ALTER INDEX articles_vocabulary_word RENAME TO articles_vocabulary_view_word;
ALTER INDEX articles_vocabulary_word_trgm RENAME TO articles_vocabulary_view_word_trgm;
ALTER INDEX articles_lexeme_stats_lexeme RENAME TO articles_lexeme_stats_view_lexeme;
ALTER INDEX articles_search_stats_id RENAME TO articles_search_stats_view_id;

CREATE TABLE articles_vocabulary (word text NOT NULL, ndoc integer NOT NULL) WITH (fillfactor = 50);
INSERT INTO articles_vocabulary (word, ndoc) SELECT word, ndoc FROM articles_vocabulary_view ORDER BY word;
CREATE UNIQUE INDEX articles_vocabulary_word ON articles_vocabulary (word text_pattern_ops);
CREATE INDEX articles_vocabulary_word_trgm ON articles_vocabulary USING gin (word gin_trgm_ops);

CREATE TABLE articles_lexeme_stats (lexeme text PRIMARY KEY, ndoc integer NOT NULL) WITH (fillfactor = 50);
INSERT INTO articles_lexeme_stats (lexeme, ndoc) SELECT lexeme, ndoc FROM articles_lexeme_stats_view;

-- One row. The total is kept rather than the mean so that adding articles is exact.
CREATE TABLE articles_search_stats (
    id integer PRIMARY KEY CHECK (id = 1),
    articles bigint NOT NULL,
    total_length bigint NOT NULL,
    average_length double precision GENERATED ALWAYS AS (
        CASE WHEN articles > 0 THEN total_length::double precision / articles ELSE 0 END
    ) STORED
);
INSERT INTO articles_search_stats (id, articles, total_length)
SELECT 1, articles, round(average_length * articles)::bigint FROM articles_search_stats_view;

DROP MATERIALIZED VIEW articles_vocabulary_view;
DROP MATERIALIZED VIEW articles_lexeme_stats_view;
DROP MATERIALIZED VIEW articles_search_stats_view;
ANALYZE articles_vocabulary, articles_lexeme_stats, articles_search_stats;
"""

DROP_TABLES_SQL = "DROP TABLE articles_vocabulary, articles_lexeme_stats, articles_search_stats;"


def tables_to_views(apps, schema_editor):
    """The way back: the views, built again from the articles."""
    schema_editor.execute(DROP_TABLES_SQL)
    create_vocabulary(apps, schema_editor)
    create_search_statistics(apps, schema_editor)


def views_to_tables(apps, schema_editor):
    schema_editor.execute(VIEWS_TO_TABLES_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_fingerprint_article_triggers"),
    ]

    operations = [
        migrations.RunPython(views_to_tables, tables_to_views),
    ]
