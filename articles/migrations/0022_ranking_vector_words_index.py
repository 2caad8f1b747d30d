"""A GIN index on the ranking vectors, so that a ranking window is listed from them alone.

A window found by sorting (a word in a tenth of the archive, say) was listed from the articles:
the articles' GIN index and their date index found the matches of the months it reaches back to,
PostgreSQL read each of those articles for its id and date, kept the newest 5,000, and then read
each one's ranking vector by id to score it. With this index the same months' matches are found
among the ranking vectors, and each row read gives its date and its vector at once: "sorry -mind"
at 1,000,000 articles, 87 to 89 ms for the statement before, 67 to 70 after. Results few enough to
score them all are listed so too ("comedy barbara", 1,604 results: 22 to 15 ms).

It is an index like the articles' own (about 900 MB at 1,000,000 articles, built in under three
minutes), which the triggers' writes keep as they keep the table. Reversible: going back drops it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("articles", "0021_ranking_vector_sources")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX articles_ranking_vector_gin ON articles_ranking_vector USING gin (vector)",
            "DROP INDEX articles_ranking_vector_gin",
        ),
    ]
