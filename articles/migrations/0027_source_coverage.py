"""How many published articles each source has, kept by the database as migration 0012 keeps people's and tags'.

Browsing the whole archive (the search page with no words and no filter) shows the sources,
people and tags of every published article with their counts, and its timeline: at 1,000,000
articles, counting them took 5 s for the first reader, while the people's, the tags' and the
months' counts were kept already (``articles_personcoverage``, ``articles_tagcoverage``,
``articles_coveragemonth``). The sources' were not, and the sources' index counted each source's
published articles (1.5 s). A statement trigger on the articles moves a source's count when
published articles come, go, change source or stop being published; TRUNCATE counts again.
"""

from django.db import migrations, models

CREATE_SQL = """
CREATE TABLE articles_sourcecoverage (
    source_id bigint PRIMARY KEY,
    articles integer NOT NULL DEFAULT 0
);

-- The published articles of each source, from scratch.
CREATE FUNCTION articles_source_coverage_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM articles_sourcecoverage;
    INSERT INTO articles_sourcecoverage (source_id, articles)
    SELECT source_id, count(*) FROM articles_article
    WHERE status = 'published' AND source_id IS NOT NULL GROUP BY source_id;
END $$;

-- Statement triggers, one pass over all the rows a statement wrote (an import's COPY, a bulk
-- status change), rows in key order so that two writers never wait for each other crosswise (as
-- migration 0012's). A function each for inserts, updates and deletes: a function may name only
-- the transition tables its trigger has.
CREATE FUNCTION articles_source_coverage_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_sourcecoverage AS c (source_id, articles)
    SELECT source_id, count(*) FROM new_articles
    WHERE status = 'published' AND source_id IS NOT NULL GROUP BY source_id ORDER BY source_id
    ON CONFLICT (source_id) DO UPDATE SET articles = c.articles + EXCLUDED.articles;
    RETURN NULL;
END $$;

-- Each source's published articles after the statement less those before it: a statement that
-- changes neither an article's status nor its source moves nothing.
CREATE FUNCTION articles_source_coverage_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_sourcecoverage AS c (source_id, articles)
    SELECT source_id, sum(delta) FROM (
        SELECT source_id, 1 AS delta FROM new_articles WHERE status = 'published' AND source_id IS NOT NULL
        UNION ALL
        SELECT source_id, -1 FROM old_articles WHERE status = 'published' AND source_id IS NOT NULL
    ) AS moved
    GROUP BY source_id HAVING sum(delta) <> 0 ORDER BY source_id
    ON CONFLICT (source_id) DO UPDATE SET articles = c.articles + EXCLUDED.articles;
    RETURN NULL;
END $$;

CREATE FUNCTION articles_source_coverage_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_sourcecoverage AS c (source_id, articles)
    SELECT source_id, -count(*) FROM old_articles
    WHERE status = 'published' AND source_id IS NOT NULL GROUP BY source_id ORDER BY source_id
    ON CONFLICT (source_id) DO UPDATE SET articles = c.articles + EXCLUDED.articles;
    RETURN NULL;
END $$;

CREATE FUNCTION articles_source_coverage_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_source_coverage_rebuild();
    RETURN NULL;
END $$;

-- A source deleted (one no article names: articles protect theirs) takes its row with it.
CREATE FUNCTION articles_source_coverage_source_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM articles_sourcecoverage WHERE source_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;

CREATE TRIGGER articles_source_coverage_inserted AFTER INSERT ON articles_article
    REFERENCING NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_source_coverage_inserted();
CREATE TRIGGER articles_source_coverage_updated AFTER UPDATE ON articles_article
    REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_source_coverage_updated();
CREATE TRIGGER articles_source_coverage_deleted AFTER DELETE ON articles_article
    REFERENCING OLD TABLE AS old_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_source_coverage_deleted();
CREATE TRIGGER articles_source_coverage_truncated AFTER TRUNCATE ON articles_article
    FOR EACH STATEMENT EXECUTE FUNCTION articles_source_coverage_truncated();
CREATE TRIGGER articles_source_coverage_deleted AFTER DELETE ON articles_source
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_source_coverage_source_deleted();
CREATE TRIGGER articles_source_coverage_truncated AFTER TRUNCATE ON articles_source
    FOR EACH STATEMENT EXECUTE FUNCTION articles_source_coverage_truncated();

SELECT articles_source_coverage_rebuild();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS articles_source_coverage_inserted ON articles_article;
DROP TRIGGER IF EXISTS articles_source_coverage_updated ON articles_article;
DROP TRIGGER IF EXISTS articles_source_coverage_deleted ON articles_article;
DROP TRIGGER IF EXISTS articles_source_coverage_truncated ON articles_article;
DROP TRIGGER IF EXISTS articles_source_coverage_deleted ON articles_source;
DROP TRIGGER IF EXISTS articles_source_coverage_truncated ON articles_source;
DROP FUNCTION IF EXISTS articles_source_coverage_source_deleted();
DROP FUNCTION IF EXISTS articles_source_coverage_truncated();
DROP FUNCTION IF EXISTS articles_source_coverage_deleted();
DROP FUNCTION IF EXISTS articles_source_coverage_inserted();
DROP FUNCTION IF EXISTS articles_source_coverage_updated();
DROP FUNCTION IF EXISTS articles_source_coverage_rebuild();
DROP TABLE IF EXISTS articles_sourcecoverage;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0026_people_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="SourceCoverage",
            fields=[
                (
                    "source",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.DO_NOTHING,
                        primary_key=True,
                        related_name="coverage",
                        serialize=False,
                        to="articles.source",
                    ),
                ),
                ("articles", models.IntegerField()),
            ],
            options={"db_table": "articles_sourcecoverage", "managed": False},
        ),
        migrations.RunSQL(CREATE_SQL, reverse_sql=DROP_SQL),
    ]
