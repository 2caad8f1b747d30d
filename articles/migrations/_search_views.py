"""The materialized views the search's vocabulary and statistics were until migration 0019, as SQL.

Kept here, out of the running code, for the migrations that created them (0003, 0011, 0014) and
for 0019's way back, with the RunPython functions they share. The underscore keeps Django's
migration loader from reading this as a migration.
"""


# The archive's own words, as readers type them (lowercase, unstemmed), with how many published
# articles use each: prefixes expand to them and "did you mean" respells from them. The words of
# people's names, aliases and tag names are in it too (0 articles when no text uses them), so a
# correction can reach a spelling only an alias has. Letters (and inner ' or -) only, so numbers and
# URLs stay out. Tables are named with their schema because PostgreSQL 17+ builds and refreshes
# materialized views with a search_path of pg_catalog only.
def create_vocabulary_sql(schema: str) -> str:
    return f"""
CREATE MATERIALIZED VIEW articles_vocabulary AS
SELECT word, max(ndoc) AS ndoc FROM (
    SELECT word, ndoc FROM ts_stat($$
        SELECT to_tsvector('simple', title || ' ' || summary || ' ' || body)
        FROM {schema}.articles_article WHERE status = 'published'
    $$)
    UNION ALL
    SELECT word, 0 FROM ts_stat($$
        SELECT to_tsvector('simple', name) FROM {schema}.articles_person
        UNION ALL SELECT to_tsvector('simple', name) FROM {schema}.articles_personalias
        UNION ALL SELECT to_tsvector('simple', name) FROM {schema}.articles_tag
    $$)
) AS words
WHERE word ~ '^[[:alpha:]]([[:alpha:]''-]*[[:alpha:]])?$' AND length(word) <= 40
GROUP BY word;
CREATE UNIQUE INDEX articles_vocabulary_word ON articles_vocabulary (word text_pattern_ops);
CREATE INDEX articles_vocabulary_word_trgm ON articles_vocabulary USING gin (word gin_trgm_ops);
"""


DROP_VOCABULARY_SQL = "DROP MATERIALIZED VIEW IF EXISTS articles_vocabulary;"


# What BM25-like ranking needs to know of the archive: in how many published articles each stored
# (stemmed) lexeme occurs, and how many published articles there are with their mean length
# (bytes of title, summary and body: see ``ArticleSearch.rank_expression``). Materialized views
# for the same reason as the vocabulary, refreshed with it.
def create_search_statistics_sql(schema: str) -> str:
    return f"""
CREATE MATERIALIZED VIEW articles_lexeme_stats AS
SELECT word AS lexeme, ndoc FROM ts_stat($$
    SELECT search_vector FROM {schema}.articles_article WHERE status = 'published'
$$);
CREATE UNIQUE INDEX articles_lexeme_stats_lexeme ON articles_lexeme_stats (lexeme);
CREATE MATERIALIZED VIEW articles_search_stats AS
SELECT 1 AS id, count(*) AS articles,
       coalesce(avg(octet_length(title) + octet_length(summary) + octet_length(body)), 0)::float8 AS average_length
FROM {schema}.articles_article WHERE status = 'published';
CREATE UNIQUE INDEX articles_search_stats_id ON articles_search_stats (id);
"""


DROP_SEARCH_STATISTICS_SQL = (
    "DROP MATERIALIZED VIEW IF EXISTS articles_lexeme_stats; DROP MATERIALIZED VIEW IF EXISTS articles_search_stats;"
)


def _quoted_schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    return schema_editor.quote_name(schema)


def create_vocabulary(apps, schema_editor):
    schema_editor.execute(create_vocabulary_sql(_quoted_schema(schema_editor)))


def drop_vocabulary(apps, schema_editor):
    schema_editor.execute(DROP_VOCABULARY_SQL)


def create_search_statistics(apps, schema_editor):
    schema_editor.execute(create_search_statistics_sql(_quoted_schema(schema_editor)))


def drop_search_statistics(apps, schema_editor):
    schema_editor.execute(DROP_SEARCH_STATISTICS_SQL)
