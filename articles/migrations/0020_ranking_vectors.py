"""Published articles' search vectors, copied inline into a narrow table for scoring.

Ranking reads the vector of each article it scores (``articles.search``). In ``articles_article``
a vector (about 4.6 kB) is stored out of line, in TOAST, and reading one took about 10 µs even
from shared buffers (a TOAST index lookup and three chunks), the bulk of ranking the newest
5,000 matches of a common word at 1,000,000 articles. Here each row holds its vector in the row
itself (``STORAGE MAIN``, rows up to a page kept whole by ``toast_tuple_target``), with what the
scoring also needs (the date that breaks ties, the text's length in bytes): 5,000 of them read by
id in a few milliseconds.

Triggers keep it equal to the published articles, each statement at once (an import's ``COPY``
of a batch is one statement): a row for each published article, with the vector, date and
length it has; none for drafts and retracted articles. Reversible: going back drops the table.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

RANKING_VECTORS_SQL = """
CREATE TABLE articles_ranking_vector (
    article_id bigint PRIMARY KEY,
    published_on date,
    length integer NOT NULL,
    vector tsvector NOT NULL
) WITH (toast_tuple_target = 8160);
ALTER TABLE articles_ranking_vector ALTER COLUMN vector SET STORAGE MAIN;

-- Stored in date order, so that a walk newest first reads neighbouring rows (articles added later
-- go at the end: mostly the newest). At 1,000,000 articles, stored so, the walk for "well" tested
-- 9,762 rows in 16 ms; stored by id, the one for "something" 14,271 rows in 74 ms (EXPLAIN ANALYZE).
INSERT INTO articles_ranking_vector (article_id, published_on, length, vector)
SELECT id, published_on, octet_length(title) + octet_length(summary) + octet_length(body), search_vector
FROM articles_article WHERE status = 'published' ORDER BY published_on, id;
-- Newest first, as the window of a word in most articles is found: walking the dates, each
-- article's vector tested in its row.
CREATE INDEX articles_ranking_vector_newest ON articles_ranking_vector (published_on DESC NULLS LAST, article_id DESC);
ANALYZE articles_ranking_vector;

CREATE FUNCTION articles_ranking_vector_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_ranking_vector (article_id, published_on, length, vector)
    SELECT id, published_on, octet_length(title) + octet_length(summary) + octet_length(body), search_vector
    FROM new_articles WHERE status = 'published';
    RETURN NULL;
END $$;

CREATE TRIGGER articles_ranking_vector_inserted AFTER INSERT ON articles_article
    REFERENCING NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_ranking_vector_insert();

-- An article no longer published loses its row; one whose row would change (text, date, status)
-- gets it written. Updates that change none of that (a timestamp, a note) write nothing.
CREATE FUNCTION articles_ranking_vector_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM articles_ranking_vector
    WHERE article_id = ANY (ARRAY(SELECT id FROM new_articles WHERE status <> 'published'));
    INSERT INTO articles_ranking_vector (article_id, published_on, length, vector)
    SELECT article.id, article.published_on,
           octet_length(article.title) + octet_length(article.summary) + octet_length(article.body),
           article.search_vector
    FROM new_articles AS article JOIN old_articles AS earlier ON earlier.id = article.id
    WHERE article.status = 'published'
      AND (earlier.status, earlier.published_on, earlier.title, earlier.summary, earlier.body)
          IS DISTINCT FROM (article.status, article.published_on, article.title, article.summary, article.body)
    ON CONFLICT (article_id) DO UPDATE
        SET published_on = excluded.published_on, length = excluded.length, vector = excluded.vector;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_ranking_vector_updated AFTER UPDATE ON articles_article
    REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_ranking_vector_update();

CREATE FUNCTION articles_ranking_vector_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM articles_ranking_vector WHERE article_id = ANY (ARRAY(SELECT id FROM old_articles));
    RETURN NULL;
END $$;

CREATE TRIGGER articles_ranking_vector_deleted AFTER DELETE ON articles_article
    REFERENCING OLD TABLE AS old_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_ranking_vector_delete();

CREATE FUNCTION articles_ranking_vector_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Not TRUNCATE: the truncation of the articles may name this table too (``manage.py flush``).
    DELETE FROM articles_ranking_vector;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_ranking_vector_truncated AFTER TRUNCATE ON articles_article
    FOR EACH STATEMENT EXECUTE FUNCTION articles_ranking_vector_truncate();
"""

DROP_RANKING_VECTORS_SQL = """
DROP TRIGGER articles_ranking_vector_truncated ON articles_article;
DROP TRIGGER articles_ranking_vector_deleted ON articles_article;
DROP TRIGGER articles_ranking_vector_updated ON articles_article;
DROP TRIGGER articles_ranking_vector_inserted ON articles_article;
DROP FUNCTION articles_ranking_vector_truncate();
DROP FUNCTION articles_ranking_vector_delete();
DROP FUNCTION articles_ranking_vector_update();
DROP FUNCTION articles_ranking_vector_insert();
DROP TABLE articles_ranking_vector;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0019_search_statistics_tables"),
    ]

    operations = [
        migrations.RunSQL(RANKING_VECTORS_SQL, DROP_RANKING_VECTORS_SQL),
        migrations.CreateModel(
            name="RankingVector",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="ranking_vector",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("published_on", models.DateField(null=True)),
                ("length", models.IntegerField(help_text="Bytes of title, summary and body.")),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={"db_table": "articles_ranking_vector", "managed": False},
        ),
    ]
