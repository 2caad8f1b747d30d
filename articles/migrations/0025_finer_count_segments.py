"""Count segments of 2^11 article ids instead of 2^15 (``articles.caching.COUNT_SEGMENT_BITS``).

``articles.caching.by_segment`` counts a search in blocks of 16 segments (32,768 ids, as before),
but the newest block segment by segment: a change there, where imports and editors' changes
land, then makes the next reader count 2,048 ids again instead of 32,768.

The segments' rows are written anew, each naming this migration's transaction as its last writer,
so that no state of a new segment equals one its number had before (a count kept then is never
taken for one of now). The reverse goes back to 2^15 the same way.
"""

from django.db import migrations

MOVE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION articles_count_segments_move(articles bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO articles_countsegment (segment, number, changed_by)
    SELECT DISTINCT article >> {bits}, 1, pg_current_xact_id()::text::bigint
    FROM unnest(articles) AS article WHERE article IS NOT NULL
    ON CONFLICT (segment) DO UPDATE
    SET number = articles_countsegment.number + 1, changed_by = EXCLUDED.changed_by
$$;
DELETE FROM articles_countsegment;
INSERT INTO articles_countsegment (segment, number, changed_by)
SELECT DISTINCT id >> {bits}, 1, pg_current_xact_id()::text::bigint FROM articles_article;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0024_count_segments"),
    ]

    operations = [migrations.RunSQL(MOVE_FUNCTION_SQL.format(bits=11), MOVE_FUNCTION_SQL.format(bits=15))]
