"""The articles each frequent lexeme scores best, which a ranking window scores besides the newest.

Written by ``services.ranking_champions_refresh`` (``manage.py refresh_ranking_champions``), never
by a trigger: an empty table, as here, leaves every search as it was.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0022_ranking_vector_words_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='RankingChampion',
            fields=[
                ('pk', models.CompositePrimaryKey('lexeme', 'article', blank=True, editable=False, primary_key=True, serialize=False)),
                ('lexeme', models.TextField()),
                ('article', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='articles.article')),
            ],
            options={
                'db_table': 'articles_ranking_champion',
            },
        ),
    ]
