"""BM25's document length: the text's size in bytes rather than the vector's distinct lexemes."""

from django.db import migrations

from articles.migrations._search_views import DROP_SEARCH_STATISTICS_SQL, create_search_statistics_sql


def recreate_search_statistics(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    schema_editor.execute(DROP_SEARCH_STATISTICS_SQL)
    schema_editor.execute(create_search_statistics_sql(schema_editor.quote_name(schema)))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_coverage_counts"),
    ]

    operations = [
        # Both ways recreate the views as they were defined then (migration 0011 does the same).
        migrations.RunPython(recreate_search_statistics, recreate_search_statistics),
    ]
