"""The mention key (lowercase, accents folded, punctuation made spaces) and the indexes on the head of
names (their key's first two words) behind suggested links (see articles.suggestions).

Raw SQL, invisible to Django's model state: the indexes are on an expression over a function of the
archive's own, which ``Meta.indexes`` cannot declare without the function existing first.
"""

from django.db import migrations

from articles.suggestions import (
    DROP_MENTION_FUNCTIONS_SQL,
    create_head_indexes_sql,
    create_mention_functions_sql,
    drop_head_indexes_sql,
)


def create_mention_functions(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'")
        (schema,) = cursor.fetchone()
    schema_editor.execute(create_mention_functions_sql(schema))


def drop_mention_functions(apps, schema_editor):
    schema_editor.execute(DROP_MENTION_FUNCTIONS_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_history"),
    ]

    operations = [
        migrations.RunPython(create_mention_functions, drop_mention_functions),
        migrations.RunSQL(create_head_indexes_sql(), reverse_sql=drop_head_indexes_sql()),
    ]
