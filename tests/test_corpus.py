"""The synthetic corpus (articles.corpus) and the generate_corpus command that loads it."""

import hashlib
import re
import statistics
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from articles import corpus as corpus_module
from articles.corpus import BODY_WORDS, FIRST_DAY, HEADLINE_WORDS, LAST_DAY, PARAGRAPH_SENTENCES, Corpus, CorpusSize
from articles.models import (
    Article,
    ArticleFingerprint,
    ArticleStatus,
    Claim,
    ClaimReport,
    DatePrecision,
    NearDuplicate,
    Person,
    PersonAlias,
    Source,
    Tag,
)
from articles.text import normalise_body, split_paragraphs
from tests.factories import ArticleFactory, SourceFactory

ARTICLES = 200
SEED = 7
SUMMARY = re.compile(
    r"Generated (?P<articles>\d+) articles \(seed (?P<seed>-?\d+)\): 200 sources, (?P<people>\d+) people "
    r"\((?P<aliases>\d+) aliases\), (?P<tags>\d+) tags, (?P<claims>\d+) claims; \d+ people mentioned, "
    r"\d+ authorships, \d+ tags, \d+ claim reports(; (?P<suffixed>\d+) slugs taken got a suffix)?\.\n"
    r"Loaded in \d+\.\d s \(\d+ articles/s(, with fingerprints)?\), statistics \d+\.\d s, "
    r"search vocabulary \d+\.\d s; \d+\.\d s in all \(\d+ articles/s\)\.\n"
)
# Sentences end with a full stop or a question mark; quotes inside them end with a comma.
SENTENCE_END = re.compile(r"[.?](?= |$)")
QUOTED = re.compile(r"“([^”]+)”")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(articles=ARTICLES, seed=SEED)


def generate(**options) -> tuple[str, str]:
    """Run generate_corpus; returns (stdout, stderr)."""
    stdout, stderr = StringIO(), StringIO()
    call_command("generate_corpus", stdout=stdout, stderr=stderr, **{"articles": ARTICLES, "seed": SEED, **options})
    return stdout.getvalue(), stderr.getvalue()


def corpus_digest(corpus: Corpus) -> str:
    """A digest of everything the corpus holds, entities and articles."""
    digest = hashlib.sha256()
    for rows in (corpus.sources, corpus.people, corpus.tags, corpus.claims, corpus.articles()):
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def archive_digest() -> str:
    """A digest of the archive's rows and links as stored, ids included."""
    digest = hashlib.sha256()
    queries = [
        Source.objects.order_by("pk").values_list("pk", "name", "slug", "kind", "homepage", "country"),
        Person.objects.order_by("pk").values_list("pk", "name", "slug", "description"),
        PersonAlias.objects.order_by("name").values_list("person_id", "name", "kind"),
        Tag.objects.order_by("pk").values_list("pk", "name", "slug", "kind"),
        Claim.objects.order_by("pk").values_list("pk", "slug", "quote", "claimant_person", "claimant_source", "rating"),
        Article.objects.order_by("pk").values_list(
            "pk", "title", "slug", "source", "body_sha256", "summary", "published_on", "status", "url", "archived_at"
        ),
        Article.authors.through.objects.order_by("article_id", "person_id").values_list("article_id", "person_id"),
        Article.people.through.objects.order_by("article_id", "person_id").values_list("article_id", "person_id"),
        Article.tags.through.objects.order_by("article_id", "tag_id").values_list("article_id", "tag_id"),
        ClaimReport.objects.order_by("article_id", "claim_id").values_list("article_id", "claim_id", "paragraph"),
    ]
    for query in queries:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def quotes_claim(paragraph: str, claim_words: str, claimant_names: list[str]) -> bool:
    """Whether ``paragraph`` names who made a claim (in any spelling) and quotes a few of its words."""
    named = any(name in paragraph for name in claimant_names)
    return named and any(excerpt in claim_words for excerpt in QUOTED.findall(paragraph))


# --- The corpus, without the database --------------------------------------------------------------


def test_the_same_seed_gives_the_same_corpus(corpus):
    assert corpus_digest(Corpus(articles=ARTICLES, seed=SEED)) == corpus_digest(corpus)


def test_the_corpus_is_pinned(corpus):
    # The same on every machine and every run. A change to the generator (or to wordfreq's list)
    # changes this on purpose: benchmark figures from before and after are then not comparable.
    assert corpus.people[0].name == "Svetlana Novebelchuk"
    assert corpus.article(0).title == "Agencies hussein passing mattered projects steps fire girls"
    assert corpus_digest(corpus) == "1563b2b6c0ff8145983e1b7930946f8abdb6fe6f73839b3a148b04778ee43694"


def test_another_seed_gives_another_corpus(corpus):
    other = Corpus(articles=ARTICLES, seed=SEED + 1)
    assert {a.body for a in other.articles()}.isdisjoint(a.body for a in corpus.articles())
    assert [p.name for p in other.people] != [p.name for p in corpus.people]


def test_an_article_does_not_depend_on_the_others_built(corpus):
    assert list(corpus.articles(150, 153)) == [corpus.article(152 - n) for n in range(3)][::-1]
    with pytest.raises(IndexError):
        corpus.article(ARTICLES)


def test_more_articles_keep_the_people_and_sources():
    small, large = Corpus(articles=ARTICLES, seed=SEED), Corpus(articles=10_000, seed=SEED)
    assert len(large.people) == 2 * len(small.people)
    assert large.people[: len(small.people)] == small.people
    assert large.sources == small.sources


@pytest.mark.parametrize(
    ("articles", "people", "tags", "claims"),
    [
        (200, 1_000, 100, 50),
        (10_000, 2_000, 200, 200),
        (100_000, 20_000, 2_000, 2_000),
        (1_000_000, 20_000, 2_000, 2_000),
    ],
)
def test_sizes_scale_with_the_articles_up_to_the_issue_s_figures(articles, people, tags, claims):
    assert CorpusSize.for_articles(articles) == CorpusSize(articles, 200, people, tags, claims)


def test_words_are_english_letters_only_without_profanity():
    words, frequencies = corpus_module.vocabulary()
    assert len(words) == corpus_module.VOCABULARY_SIZE
    assert words[:3] == ("the", "to", "and")
    assert all(word.isascii() and word.isalpha() for word in words)
    assert corpus_module.EXCLUDED_WORDS.isdisjoint(words)
    assert list(frequencies) == sorted(frequencies, reverse=True)


def test_lengths_and_shape(corpus):
    for article in corpus.articles():
        assert HEADLINE_WORDS[0] <= len(article.title.split()) <= HEADLINE_WORDS[1], article.title
        assert BODY_WORDS[0] <= len(article.body.split()) <= BODY_WORDS[1]
        assert normalise_body(article.body) == article.body
        for paragraph in split_paragraphs(article.body):
            assert PARAGRAPH_SENTENCES[0] <= len(SENTENCE_END.findall(paragraph)) <= PARAGRAPH_SENTENCES[1], paragraph
        assert not article.title[0].islower()  # capitalised, or a year ("2019 … floods")


def test_dates_statuses_and_summaries(corpus):
    articles = list(corpus.articles())
    dated = [a for a in articles if a.published_on is not None]
    assert all(FIRST_DAY <= a.published_on <= LAST_DAY for a in dated)
    # 25 whole years, fixed: the corpus is the same whenever it is generated.
    assert (FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, LAST_DAY.month, LAST_DAY.day) == (2000, 1, 1, 12, 31)
    assert LAST_DAY.year - FIRST_DAY.year + 1 == 25
    precisions = Counter(a.published_precision for a in dated)
    assert precisions.keys() <= set(DatePrecision.values)
    assert precisions[DatePrecision.DAY] > 0.9 * len(dated) and precisions[DatePrecision.MONTH] > 0
    assert all(a.published_on.day == 1 for a in dated if a.published_precision != DatePrecision.DAY)
    assert all(a.published_on.month == 1 for a in dated if a.published_precision == DatePrecision.YEAR)
    statuses = Counter(a.status for a in articles)
    assert statuses[ArticleStatus.PUBLISHED] > 0.95 * ARTICLES
    assert all(a.retraction_note for a in articles if a.status == ArticleStatus.RETRACTED)
    assert 0.4 * ARTICLES < sum(1 for a in articles if a.summary) < 0.8 * ARTICLES


def test_people_are_named_in_the_texts_that_link_to_them(corpus):
    alias_spelt = 0
    for article in corpus.articles():
        for person in article.people:
            spellings = [corpus.people[person].name, *(alias.name for alias in corpus.people[person].aliases)]
            assert any(spelling in article.body for spelling in spellings), (article.number, spellings)
            alias_spelt += corpus.people[person].name not in article.body
    assert alias_spelt > 0


def test_claims_are_reported_in_the_paragraph_their_report_points_to(corpus):
    reports = 0
    for article in corpus.articles():
        paragraphs = split_paragraphs(article.body)
        for claim_number, paragraph in article.claim_reports:
            claim = corpus.claims[claim_number]
            if claim.claimant_person is None:
                names = [corpus.sources[claim.claimant_source].name]
            else:
                person = corpus.people[claim.claimant_person]
                names = [person.name, *(alias.name for alias in person.aliases)]
            assert quotes_claim(paragraphs[paragraph - 1], claim.quote or claim.statement, names)
            reports += 1
    assert reports > 0.2 * ARTICLES


def test_about_a_tenth_of_people_have_an_alias_and_names_are_unique(corpus):
    with_alias = sum(1 for person in corpus.people if person.aliases)
    assert 0.06 * len(corpus.people) < with_alias < 0.14 * len(corpus.people)
    names = [p.name.lower() for p in corpus.people] + [a.name.lower() for p in corpus.people for a in p.aliases]
    assert len(set(names)) == len(names)
    assert len({p.slug for p in corpus.people}) == len(corpus.people)


def test_popularity_is_zipf_like():
    # Enough articles for a tail: 2,000 (without the database, about 2 s).
    corpus = Corpus(articles=2_000, seed=SEED)
    mentions, tags = Counter(), Counter()
    for article in corpus.articles():
        mentions.update(article.people)
        tags.update(article.tags)
    people = sorted((mentions[n] for n in range(len(corpus.people))), reverse=True)
    assert people[0] > 50 * max(1, statistics.median(people))
    assert sum(people[:100]) > 0.4 * sum(people)  # the top tenth of people: close to half the mentions
    assert sorted(tags.values(), reverse=True)[0] > 5 * statistics.median(tags.values())


# --- Loading it ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_loads_the_corpus(corpus):
    stdout, stderr = generate(verbosity=1)

    match = SUMMARY.fullmatch(stdout)
    assert match, stdout
    assert (int(match["articles"]), int(match["seed"]), int(match["people"])) == (ARTICLES, SEED, 1_000)
    assert int(match["aliases"]) == PersonAlias.objects.count() == sum(len(p.aliases) for p in corpus.people)
    assert f"… {ARTICLES} of {ARTICLES} articles" in stderr
    # Every constraint holds, the deferred foreign keys included.
    connection.check_constraints()
    assert Article.objects.count() == ARTICLES
    assert list(Article.objects.order_by("pk").values_list("title", flat=True)) == [
        article.title for article in corpus.articles()
    ]
    assert Source.objects.count() == 200 and Tag.objects.count() == 100 and Claim.objects.count() == 50
    assert ClaimReport.objects.count() == sum(len(article.claim_reports) for article in corpus.articles())


@pytest.mark.django_db
def test_two_loads_of_one_seed_give_the_same_archive_however_chunked():
    generate(flush=True, chunk_size=64)
    first = archive_digest()
    generate(flush=True)
    assert archive_digest() == first
    assert Article.objects.order_by("pk").values_list("pk", flat=True)[0] == 1
    generate(flush=True, seed=SEED + 1)
    assert archive_digest() != first


@pytest.mark.django_db
def test_stored_claim_reports_point_to_real_paragraphs():
    generate()
    reports = ClaimReport.objects.select_related("article", "claim__claimant_person", "claim__claimant_source")
    assert reports.exists()
    for report in reports:
        claim = report.claim
        assert report.paragraph <= len(report.article.paragraphs)
        if claim.claimant_person is None:
            names = [claim.claimant_source.name]
        else:
            names = [claim.claimant_person.name, *claim.claimant_person.aliases.values_list("name", flat=True)]
        assert quotes_claim(report.paragraph_text, claim.quote or claim.statement, names)


@pytest.mark.django_db
def test_generated_articles_are_searchable_by_word_and_alias():
    generate()
    article = Article.objects.published().order_by("pk").first()
    word = max(article.title.split(), key=len)
    assert article in Article.objects.published().search(word)

    # An alias finds the articles linked to its person, whichever spelling they use.
    alias = PersonAlias.objects.filter(person__articles__status=ArticleStatus.PUBLISHED).order_by("pk").first()
    found = set(Article.objects.published().search(f'"{alias.name}"'))
    assert set(Article.objects.published().involving(alias.person)) <= found


@pytest.mark.django_db
def test_pages_of_a_generated_article_and_its_people_render(client):
    generate()
    article = Article.objects.published().filter(people__isnull=False).order_by("pk").first()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert article.title in response.text
    person = article.people.order_by("pk").first()
    assert client.get(person.get_absolute_url()).status_code == 200
    assert client.get("/search/", {"q": article.title.split()[-1]}).status_code == 200


@pytest.mark.django_db
def test_quiet_runs_show_no_progress():
    stdout, stderr = generate(verbosity=0)
    assert stderr == ""
    assert SUMMARY.fullmatch(stdout)


@pytest.mark.django_db
def test_adds_to_an_archive_after_its_ids_and_refuses_the_same_corpus_twice(seed_archive, corpus):
    seed_ids = set(Article.objects.values_list("pk", flat=True))
    generate()
    generated = Article.objects.exclude(pk__in=seed_ids)
    assert generated.count() == ARTICLES
    assert min(generated.values_list("pk", flat=True)) > max(seed_ids)
    connection.check_constraints()

    with pytest.raises(CommandError, match="already holds this corpus"):
        generate()
    assert Article.objects.count() == len(seed_ids) + ARTICLES


@pytest.mark.django_db
def test_taken_slugs_get_a_suffix(corpus):
    first = corpus.article(0)
    ArticleFactory(title="Someone else's", slug=first.slug)
    SourceFactory(slug=corpus.sources[0].slug)

    stdout, _ = generate()

    assert SUMMARY.fullmatch(stdout)["suffixed"] == "1"
    stored = Article.objects.get(body_sha256=first.body_sha256)
    assert stored.slug == f"{first.slug}-{first.body_sha256[:8]}"
    assert Source.objects.filter(name=corpus.sources[0].name).get().slug.startswith(f"{corpus.sources[0].slug}-")


@pytest.mark.django_db
def test_flush_empties_the_archive_first(seed_archive):
    generate(flush=True)
    assert Article.objects.count() == ARTICLES
    assert not Article.objects.filter(
        slug__in=["russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict"]
    )


@pytest.mark.django_db
def test_fingerprints_on_request():
    generate(with_fingerprints=True, articles=40)
    assert set(ArticleFingerprint.objects.values_list("article_id", flat=True).distinct()) == set(
        Article.objects.values_list("pk", flat=True)
    )
    assert not NearDuplicate.objects.exists()  # no article retells another


@pytest.mark.django_db
def test_without_fingerprints_none_are_stored():
    generate(articles=40)
    assert not ArticleFingerprint.objects.exists()
