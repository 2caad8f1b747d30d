"""The archive's published state as one number, moved by every change a public page could show.

``articles.caching`` keys what it caches by this row, so a change makes every cached page and
count stale at once. The row is updated in the writer's transaction, so it is locked until the
writer commits: writers to these tables commit one after another. They are editors and imports,
and an import commits every few hundred articles. The triggers are BEFORE ... FOR EACH STATEMENT,
so the row is locked before the statement locks the rows it changes or the counts migration
0012's triggers move: a writer waits for another at its first change, rather than after taking
locks the other may be waiting for.

The search log, the editors' history and the near-duplicate fingerprints are left out: no
public page shows them.
"""

from django.db import migrations

PUBLIC_TABLES = (
    "articles_article",
    "articles_article_authors",
    "articles_article_people",
    "articles_article_tags",
    "articles_articleversion",
    "articles_claim",
    "articles_claimreport",
    "articles_mergedperson",
    "articles_mergedtag",
    "articles_nearduplicate",
    "articles_person",
    "articles_personalias",
    "articles_source",
    "articles_tag",
)

CREATE_SQL = """
CREATE TABLE articles_publicversion (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- This database's own: caches shared by several databases (a test run's and the archive's,
    -- two servers') never take one's state for another's.
    database uuid NOT NULL DEFAULT gen_random_uuid(),
    number bigint NOT NULL DEFAULT 0,
    changed_by bigint NOT NULL DEFAULT 0
);
INSERT INTO articles_publicversion DEFAULT VALUES;

CREATE FUNCTION articles_public_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE articles_publicversion SET number = number + 1, changed_by = pg_current_xact_id()::text::bigint;
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER articles_public_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION articles_public_version_bump();"""
    for table in PUBLIC_TABLES
)

DROP_SQL = "".join(f"DROP TRIGGER articles_public_version ON {table};" for table in PUBLIC_TABLES) + """
DROP FUNCTION articles_public_version_bump();
DROP TABLE articles_publicversion;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_search_length_in_bytes"),
    ]

    operations = [migrations.RunSQL(CREATE_SQL, DROP_SQL)]
