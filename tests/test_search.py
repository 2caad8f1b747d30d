"""The stored search vector: filled by PostgreSQL, weighted, accent-insensitive and indexed."""

import random

import pytest
from django.db import connection

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

GENERATED_ARTICLES = 3000
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bra", "dor", "fen", "gul", "hap", "jir"]


def test_vector_is_generated_with_weights():
    article = ArticleFactory(title="Mobilisation", summary="Migrants", body="Conscription offices.")
    article.refresh_from_db()
    vector = str(article.search_vector)
    assert "'mobilis':1A" in vector
    assert "'migrant':2B" in vector
    assert "'conscript':3C" in vector


def test_vector_follows_edits():
    article = ArticleFactory(body="An early draft.")
    article.body = "The corrected text about Tajikistan."
    article.save()
    assert Article.objects.search("Tajikistan").get() == article


def test_search_is_accent_insensitive_both_ways():
    accented = ArticleFactory(body="Emilia Pérez premiered at Cannes.")
    plain = ArticleFactory(body="A review of Emilia Perez.")
    assert set(Article.objects.search("Perez")) == {accented, plain}
    assert set(Article.objects.search("Pérez")) == {accented, plain}


def test_search_stems_english():
    article = ArticleFactory(body="Reservists were mobilized last week.")
    assert list(Article.objects.search("mobilize reservist")) == [article]


def test_title_outranks_summary_outranks_body():
    in_body = ArticleFactory(title="Other", body="Conscription offices burned.")
    in_title = ArticleFactory(title="Conscription offices", body="Nothing else.")
    in_summary = ArticleFactory(title="Another", summary="On conscription.", body="Unrelated text.")
    assert list(Article.objects.search("conscription")) == [in_title, in_summary, in_body]


def test_websearch_syntax():
    both = ArticleFactory(body="Migrants in Moscow were detained.")
    moscow = ArticleFactory(body="Moscow in winter.")
    phrase = ArticleFactory(body="Police detained migrants.")
    assert set(Article.objects.search('"migrants in moscow"')) == {both}
    assert set(Article.objects.search("moscow -migrants")) == {moscow}
    assert set(Article.objects.search("winter OR police")) == {moscow, phrase}


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_query_finds_nothing(query):
    ArticleFactory()
    assert not Article.objects.search(query).exists()


@pytest.mark.slow
def test_gin_index_serves_a_search_over_thousands_of_articles():
    rng = random.Random(2022)
    # A few thousand made-up words, so the vectors differ the way real articles do.
    vocabulary = list({"".join(rng.choices(SYLLABLES, k=3)) for _ in range(5000)})

    def random_text(words: int) -> str:
        return " ".join(rng.choices(vocabulary, k=words))

    articles = [
        ArticleFactory.build(title=random_text(8), body=f"{random_text(120)}\n\n{random_text(120)} {n}")
        for n in range(GENERATED_ARTICLES)
    ]
    articles[1234].body += " Yakutsk"
    articles[1234].body_sha256 = ArticleFactory.body_sha256.function(articles[1234])
    Article.objects.bulk_create(articles, batch_size=1000)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: merge GIN's pending list and gather statistics.
        cursor.execute("SELECT gin_clean_pending_list('article_search_vector_gin')")
        cursor.execute("ANALYZE articles_article")

    assert Article.objects.exclude(search_vector=None).count() == GENERATED_ARTICLES
    plan = Article.objects.search("Yakutsk").explain()
    assert "article_search_vector_gin" in plan, plan
    assert [a.slug for a in Article.objects.search("Yakutsk")] == [articles[1234].slug]
