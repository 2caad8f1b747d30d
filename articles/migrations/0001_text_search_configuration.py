"""Extensions and the accent-insensitive English text-search configuration.

They come first because the articles' generated search vector depends on them.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

from articles.search import CREATE_SEARCH_CONFIG_SQL, DROP_SEARCH_CONFIG_SQL


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunSQL(CREATE_SEARCH_CONFIG_SQL, reverse_sql=DROP_SEARCH_CONFIG_SQL),
    ]
