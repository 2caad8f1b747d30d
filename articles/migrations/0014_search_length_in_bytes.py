"""BM25's document length: the text's size in bytes rather than the vector's distinct lexemes."""

from django.db import migrations

from articles.migrations._search_views import create_search_statistics, drop_search_statistics


def recreate_search_statistics(apps, schema_editor):
    drop_search_statistics(apps, schema_editor)
    create_search_statistics(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_coverage_counts"),
    ]

    operations = [
        # Both ways recreate the views as they were defined then (migration 0011 does the same).
        migrations.RunPython(recreate_search_statistics, recreate_search_statistics),
    ]
