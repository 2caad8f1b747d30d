"""Document frequencies of the stored lexemes, and the archive's size and mean vector length, for BM25-like ranking."""

from django.db import migrations

from articles.migrations._search_views import DROP_SEARCH_STATISTICS_SQL, create_search_statistics_sql


def create_search_statistics(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    schema_editor.execute(create_search_statistics_sql(schema_editor.quote_name(schema)))


def drop_search_statistics(apps, schema_editor):
    schema_editor.execute(DROP_SEARCH_STATISTICS_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_suggestion_indexes"),
    ]

    operations = [
        migrations.RunPython(create_search_statistics, drop_search_statistics),
    ]
