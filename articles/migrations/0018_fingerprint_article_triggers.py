"""Fingerprints follow their article through triggers instead of a foreign key.

An article has some 260 fingerprints, and a foreign key checks every row it is given on its own
(an index probe and a row lock each, at commit since it was deferred): of an import's time at
3,000 articles, 2.7 s of 12.9 went to those checks. The triggers here keep the same rule, each
statement at once:

- a statement that stores fingerprints fails, as the foreign key did, if one names an article
  that does not exist, and locks the articles it names (``FOR KEY SHARE``, the foreign key's lock)
  so that none is deleted before it commits: the statement's articles are gathered once, then
  each is found and locked once;
- deleting articles deletes their fingerprints (``ON DELETE CASCADE``, which Django asked for and
  now leaves to the database), through the BRIN index by article; truncating the articles empties
  the fingerprints.

Article ids never change (nothing updates a primary key), so that side of the rule needs nothing.
Reversible: going back drops the triggers and restores the foreign key, which checks every row.
"""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS_SQL = """
CREATE FUNCTION articles_fingerprint_articles_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named bigint[];
    present bigint[];
BEGIN
    -- The articles named (a few hundred rows each), then each of them locked and found once.
    SELECT array_agg(DISTINCT article_id) INTO named FROM new_fingerprints;
    SELECT coalesce(array_agg(id), '{}') INTO present
        FROM (SELECT id FROM articles_article WHERE id = ANY (named) FOR KEY SHARE) AS locked;
    IF cardinality(present) < cardinality(named) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'insert or update on table "articles_articlefingerprint" names a missing article',
            DETAIL = format(
                'Key (article_id)=(%s) is not present in table "articles_article".',
                (SELECT min(id) FROM unnest(named) AS id WHERE id <> ALL (present))
            ),
            TABLE = 'articles_articlefingerprint', COLUMN = 'article_id';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_fingerprint_inserted AFTER INSERT ON articles_articlefingerprint
    REFERENCING NEW TABLE AS new_fingerprints
    FOR EACH STATEMENT EXECUTE FUNCTION articles_fingerprint_articles_exist();
CREATE TRIGGER articles_fingerprint_updated AFTER UPDATE ON articles_articlefingerprint
    REFERENCING NEW TABLE AS new_fingerprints
    FOR EACH STATEMENT EXECUTE FUNCTION articles_fingerprint_articles_exist();

CREATE FUNCTION articles_fingerprint_article_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM articles_articlefingerprint WHERE article_id = ANY (ARRAY(SELECT id FROM old_articles));
    RETURN NULL;
END $$;

CREATE TRIGGER articles_fingerprint_article_deleted AFTER DELETE ON articles_article
    REFERENCING OLD TABLE AS old_articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_fingerprint_article_deleted();

CREATE FUNCTION articles_fingerprint_articles_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM articles_articlefingerprint;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_fingerprint_articles_truncated AFTER TRUNCATE ON articles_article
    FOR EACH STATEMENT EXECUTE FUNCTION articles_fingerprint_articles_truncated();
"""

DROP_TRIGGERS_SQL = """
DROP TRIGGER articles_fingerprint_articles_truncated ON articles_article;
DROP FUNCTION articles_fingerprint_articles_truncated();
DROP TRIGGER articles_fingerprint_article_deleted ON articles_article;
DROP FUNCTION articles_fingerprint_article_deleted();
DROP TRIGGER articles_fingerprint_updated ON articles_articlefingerprint;
DROP TRIGGER articles_fingerprint_inserted ON articles_articlefingerprint;
DROP FUNCTION articles_fingerprint_articles_exist();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_sign_in_failure"),
    ]

    operations = [
        migrations.AlterField(
            model_name="articlefingerprint",
            name="article",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="fingerprints",
                to="articles.article",
            ),
        ),
        migrations.RunSQL(TRIGGERS_SQL, DROP_TRIGGERS_SQL),
    ]
