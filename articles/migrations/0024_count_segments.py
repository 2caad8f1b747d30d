"""The search counts' segments: the articles in blocks of ids, each with its own number of changes.

``articles.caching.by_segment`` keeps a search's counts for each block of 2^15 article ids (a
segment: ``id >> 15``) under that segment's number, so that a change to a few articles makes the
next reader count again only their segments, not the whole archive (``articles_publicversion``,
migration 0015, still moves at every change: it keys everything else the caches hold).

A segment's number moves with every statement that changes what a search counts in it: its
articles (text, status, source, date), their authors, people and tags, the claims they report and
those claims' ratings (the ``rating`` filter). The triggers are AFTER ... FOR EACH STATEMENT with
transition tables, so a batch of 500 imported articles moves each of its segments once. Like the
published state, a row also names the transaction that last moved it, so that two states reached
by the same number of changes (one rolled back, then another) are told apart.

Segments without a row have never held an article: the rows of the segments holding some now are
written here, and inserting into a segment writes its row. A TRUNCATE moves every row.
"""

from django.db import migrations

SEGMENT_BITS = 15  # articles.caching.COUNT_SEGMENT_BITS

# Each table whose rows decide what a search counts, and how its changed rows name their articles:
# SQL over the transition table ``{rows}``.
COUNTED_TABLES = {
    "articles_article": "SELECT id FROM {rows}",
    "articles_article_authors": "SELECT article_id FROM {rows}",
    "articles_article_people": "SELECT article_id FROM {rows}",
    "articles_article_tags": "SELECT article_id FROM {rows}",
    "articles_claimreport": "SELECT article_id FROM {rows}",
    # A claim's rating is what the ``rating`` filter reads: the articles reporting it change.
    "articles_claim": "SELECT article_id FROM articles_claimreport WHERE claim_id IN (SELECT id FROM {rows})",
}

CREATE_SQL = f"""
CREATE TABLE articles_countsegment (
    segment bigint PRIMARY KEY,
    number bigint NOT NULL DEFAULT 1,
    changed_by bigint NOT NULL DEFAULT 0
);
INSERT INTO articles_countsegment (segment) SELECT DISTINCT id >> {SEGMENT_BITS} FROM articles_article;

CREATE FUNCTION articles_count_segments_move(articles bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO articles_countsegment (segment, number, changed_by)
    SELECT DISTINCT article >> {SEGMENT_BITS}, 1, pg_current_xact_id()::text::bigint
    FROM unnest(articles) AS article WHERE article IS NOT NULL
    ON CONFLICT (segment) DO UPDATE
    SET number = articles_countsegment.number + 1, changed_by = EXCLUDED.changed_by
$$;

CREATE FUNCTION articles_count_segments_move_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE articles_countsegment SET number = number + 1, changed_by = pg_current_xact_id()::text::bigint;
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE FUNCTION {table}_count_segments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM articles_count_segments_move(ARRAY({articles.format(rows="new_rows")}));
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM articles_count_segments_move(ARRAY({articles.format(rows="old_rows")}));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER count_segments_insert AFTER INSERT ON {table}
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_count_segments();
CREATE TRIGGER count_segments_update AFTER UPDATE ON {table}
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_count_segments();
CREATE TRIGGER count_segments_delete AFTER DELETE ON {table}
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_count_segments();
CREATE TRIGGER count_segments_truncate AFTER TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION articles_count_segments_move_all();"""
    for table, articles in COUNTED_TABLES.items()
)

DROP_SQL = (
    "".join(
        f"""
DROP TRIGGER count_segments_insert ON {table};
DROP TRIGGER count_segments_update ON {table};
DROP TRIGGER count_segments_delete ON {table};
DROP TRIGGER count_segments_truncate ON {table};
DROP FUNCTION {table}_count_segments();"""
        for table in COUNTED_TABLES
    )
    + """
DROP FUNCTION articles_count_segments_move_all();
DROP FUNCTION articles_count_segments_move(bigint[]);
DROP TABLE articles_countsegment;
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0023_ranking_champions"),
    ]

    operations = [migrations.RunSQL(CREATE_SQL, DROP_SQL)]
