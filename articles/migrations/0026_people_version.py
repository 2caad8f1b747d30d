"""The state of the people readers may find by name: a number of its own, beside the published state's.

A search whose words name someone looks up who they name and whether readers may see them
(``search.ArticleSearch.people_by_term``), and remembers it per state (``caching.remembered``).
Under the published state (migration 0015), which every change moves, an editor's change to one
article's text made every such search look its people up again: three statements, 10 to 17 ms at
1,000,000 articles. This number moves only with what the answer is read from: the people's names
and aliases, the links between articles and people (mentions and bylines), the published articles
each person has (``articles_personcoverage``, which migration 0012's triggers keep), the claims,
whose claimants readers see when a published article reports them, and an article's status, which
decides whether its reports count. An edit that leaves an article's status as it was leaves it.

The triggers are AFTER ... FOR EACH STATEMENT with transition tables, as the count segments'
(migration 0024), and move the number only for a statement that changed rows. The
published state's own BEFORE triggers have locked the row by then for each of these tables but
``articles_personcoverage``, which only those tables' triggers write to. Like the published state,
the number comes with the transaction that last moved it.
"""

from django.db import migrations

# Tables any change to which may change who a name names, or whether readers may see them.
PEOPLE_TABLES = (
    "articles_person",
    "articles_personalias",
    "articles_personcoverage",
    "articles_article_people",
    "articles_article_authors",
    "articles_claim",
    "articles_claimreport",
)

CREATE_SQL = """
ALTER TABLE articles_publicversion
    ADD COLUMN people_number bigint NOT NULL DEFAULT 0,
    ADD COLUMN people_changed_by bigint NOT NULL DEFAULT 0;

CREATE FUNCTION articles_people_version_move() RETURNS void LANGUAGE sql AS $$
    UPDATE articles_publicversion
    SET people_number = people_number + 1, people_changed_by = pg_current_xact_id()::text::bigint
$$;

CREATE FUNCTION articles_people_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_people_version_move();
    RETURN NULL;
END $$;

-- Statement triggers fire for statements that change no row: the coverage triggers' own, for an
-- article linked to no one, would move the number at every new article.
CREATE FUNCTION articles_people_version_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM changed_rows) THEN
        PERFORM articles_people_version_move();
    END IF;
    RETURN NULL;
END $$;

-- An article's status decides whether the claims it reports are seen, so whether their claimants are.
CREATE FUNCTION articles_people_version_article_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM old_articles AS o JOIN new_articles AS n ON n.id = o.id WHERE n.status IS DISTINCT FROM o.status
    ) THEN
        PERFORM articles_people_version_move();
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_people_version AFTER UPDATE ON articles_article
REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
FOR EACH STATEMENT EXECUTE FUNCTION articles_people_version_article_status();
CREATE TRIGGER articles_people_version_truncate AFTER TRUNCATE ON articles_article
FOR EACH STATEMENT EXECUTE FUNCTION articles_people_version_bump();
""" + "".join(
    f"""
CREATE TRIGGER articles_people_version_insert AFTER INSERT ON {table}
REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_people_version_rows_changed();
CREATE TRIGGER articles_people_version_update AFTER UPDATE ON {table}
REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_people_version_rows_changed();
CREATE TRIGGER articles_people_version_delete AFTER DELETE ON {table}
REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_people_version_rows_changed();
CREATE TRIGGER articles_people_version_truncate AFTER TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION articles_people_version_bump();"""
    for table in PEOPLE_TABLES
)

DROP_SQL = (
    "".join(
        f"DROP TRIGGER articles_people_version_{event} ON {table};"
        for table in PEOPLE_TABLES
        for event in ("insert", "update", "delete", "truncate")
    )
    + """
DROP TRIGGER articles_people_version_truncate ON articles_article;
DROP TRIGGER articles_people_version ON articles_article;
DROP FUNCTION articles_people_version_article_status();
DROP FUNCTION articles_people_version_rows_changed();
DROP FUNCTION articles_people_version_bump();
DROP FUNCTION articles_people_version_move();
ALTER TABLE articles_publicversion DROP COLUMN people_number, DROP COLUMN people_changed_by;
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0025_finer_count_segments"),
    ]

    operations = [migrations.RunSQL(CREATE_SQL, DROP_SQL)]
