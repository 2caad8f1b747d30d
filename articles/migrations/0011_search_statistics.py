"""Document frequencies of the stored lexemes, and the archive's size and mean vector length, for BM25-like ranking."""

from django.db import migrations

from articles.migrations._search_views import create_search_statistics, drop_search_statistics


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_suggestion_indexes"),
    ]

    operations = [
        migrations.RunPython(create_search_statistics, drop_search_statistics),
    ]
