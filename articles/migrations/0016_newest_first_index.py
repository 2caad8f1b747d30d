"""An index of published articles newest first, undated last, as search pages sort them by date."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0015_public_version'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(models.OrderBy(models.F('published_on'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('status', 'published')), name='article_published_newest'),
        ),
    ]
