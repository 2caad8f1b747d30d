"""Near-duplicates: fingerprints and verification (articles.near_duplicates), how imports, the seed
loader, the recompute command and body edits store them, and the article page's "Also reported in"."""

import json
import random
import re
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from articles import near_duplicates
from articles.models import Article, ArticleFingerprint, ArticleStatus, NearDuplicate
from articles.near_duplicates import (
    BOILERPLATE_HOLDERS,
    GUARANTEE_WORDS,
    MIN_SHARED_WORDS,
    WINNOW_WINDOW,
    candidate_pairs,
    fingerprints,
    overlap,
    shingle_hash,
    texts_analyse,
    words,
)
from articles.services import articles_import, near_duplicates_refresh
from tests.factories import ArticleFactory, SourceFactory

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_archive.json"
# The seed's two tellings of one BBC report (BBC on migrants and prisoners made to fight).
RETELLINGS = {
    "russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict",
    "prisoners-and-immigrants-are-being-forced-to-fight-for-russia-in-ukraine",
}

# A topic's words, common ones first: generated texts "on the same topic" draw from these.
TOPIC = (
    "the of to and in a that russia for on was said migrants is with by russian war as they from army "
    "moscow were have ukraine been had mobilisation men at their who not an be it police this central asian "
    "workers recruitment offices passport citizenship front conscription tajik uzbek kyrgyz families "
    "officials reported according prison contract soldiers fight border labour rights lawyer "
    "detained raids dormitories construction sites streets metro buses registration documents embassy "
    "government ministry defence kremlin president decree authorities citizens foreigners nationals "
    "communities diaspora remittances economy sanctions rouble salary payment promise offer fast track "
    "volunteer battalion region republic dagestan buryatia ethnic minorities protests"
)
TOPIC_WORDS = TOPIC.split()


def generated_text(seed: int, paragraphs: int = 6) -> str:
    """A text of random sentences on TOPIC_WORDS, Zipf-weighted: same topic, no shared passages."""
    rng = random.Random(seed)
    weights = [1 / rank for rank in range(1, len(TOPIC_WORDS) + 1)]
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            sentence = rng.choices(TOPIC_WORDS, weights, k=rng.randint(10, 22))
            sentences.append(" ".join(sentence).capitalize() + ".")
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def seed_bodies() -> dict[str, str]:
    with SEED_FIXTURE.open(encoding="utf-8") as fixture:
        return {
            item["fields"]["slug"]: item["fields"]["body"]
            for item in json.load(fixture)
            if item["model"] == "articles.article"
        }


def sentences_of(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", text)


def pairs_stored() -> set[frozenset[str]]:
    return {frozenset(pair) for pair in NearDuplicate.objects.values_list("article__slug", "other__slug")}


# --- Pure functions: words, hashes, fingerprints ------------------------------------------------


def test_words_are_lowercase_without_punctuation_or_accents():
    assert words("Pérez\u2019s  FAST-track: «Đorđe», naïve   café!") == [
        "perez",
        "s",
        "fast",
        "track",
        "đorđe",
        "naive",
        "cafe",
    ]
    assert words("Путин   сказал: «Мобилизация»") == ["путин", "сказал", "мобилизация"]
    assert words("…  — ") == []


def test_shingle_hashes_are_stable_signed_64_bit_blake2b():
    value = shingle_hash("they twisted his arms and")
    assert value == shingle_hash("they twisted his arms and")
    assert -(2**63) <= value < 2**63
    # Fixed forever: fingerprints stored by one release are compared with the next one's.
    assert value == int.from_bytes(
        __import__("hashlib").blake2b(b"they twisted his arms and", digest_size=8).digest(), "big", signed=True
    )


def test_fingerprints_of_short_texts():
    assert fingerprints(words("Four words only here")) == set()
    five = words("Exactly five words are here")
    assert fingerprints(five) == {shingle_hash(" ".join(five))}
    # Fewer 5-grams than a window: the smallest one.
    assert len(fingerprints(words("one two three four five six seven eight"))) == 1


def test_fingerprints_are_the_smallest_shingle_hash_of_every_window():
    text = words("Сотни мигрантов из Средней Азии получили повестки, " + generated_text(8, paragraphs=2))
    hashes = [shingle_hash(" ".join(text[i : i + 5])) for i in range(len(text) - 4)]
    expected = {min(hashes[i : i + WINNOW_WINDOW]) for i in range(len(hashes) - WINNOW_WINDOW + 1)}
    assert fingerprints(text) == expected


def test_fingerprints_are_a_fraction_of_the_text():
    text = words(generated_text(1, paragraphs=12))
    prints = fingerprints(text)
    # Winnowing keeps about 2 / (window + 1) of the 5-grams.
    assert 0.5 * 2 / (WINNOW_WINDOW + 1) < len(prints) / len(text) < 1.5 * 2 / (WINNOW_WINDOW + 1)
    assert prints == fingerprints(list(text))


@given(
    passage=st.lists(st.sampled_from(TOPIC_WORDS), min_size=GUARANTEE_WORDS, max_size=40),
    before=st.integers(0, 50),
    seed=st.integers(0, 10**6),
)
def test_a_shared_passage_of_the_guaranteed_length_always_shares_fingerprints(passage, before, seed):
    """The winnowing guarantee: GUARANTEE_WORDS shared words, one fingerprint; WINNOW_WINDOW more, two."""
    rng = random.Random(seed)
    first = rng.choices(TOPIC_WORDS, k=before) + passage + rng.choices(TOPIC_WORDS, k=30)
    second = rng.choices(TOPIC_WORDS, k=20) + passage + rng.choices(TOPIC_WORDS, k=before)
    shared = fingerprints(first) & fingerprints(second)
    assert len(shared) >= 1
    if len(passage) >= GUARANTEE_WORDS + WINNOW_WINDOW and len(set(passage)) == len(passage):
        assert len(shared) >= 2


def test_the_analysis_of_some_of_its_articles_is_what_analysing_them_alone_gives():
    bodies = {pk: generated_text(pk) for pk in (3, 5, 8)}
    analysis = texts_analyse(bodies)

    assert analysis.of_articles([3, 8]) == texts_analyse({3: bodies[3], 8: bodies[8]})
    assert analysis.of_articles([5, 3, 8]) is analysis
    assert analysis.of_articles([]) == texts_analyse({})


def test_candidate_pairs_count_shared_fingerprints_with_stored_and_new_articles():
    prints = {10: {1, 2, 3, 4}, 11: {3, 4, 5}, 12: {6, 7}}
    stored = {1: [1, 2], 2: [1], 3: [2, 5], 6: [2], 7: [3]}
    # 10 shares 1 and 2 with article 1, 1 and 3 with article 2; 10 and 11 share 3 and 4;
    # 12 shares one fingerprint with 2 and one with 3: not enough.
    assert candidate_pairs(prints, stored, min_shared=2, max_holders=100) == [(10, 1), (10, 2), (10, 11)]
    # Held by four articles in all, fingerprint 3 is boilerplate when three is the most.
    assert candidate_pairs(prints, stored, min_shared=2, max_holders=3) == [(10, 1)]
    assert candidate_pairs({}, stored) == []


# --- Pure functions: the exact comparison --------------------------------------------------------


def test_identical_texts_are_one_passage_and_entirely_contained():
    text = words(generated_text(2))
    found = overlap(text, text)
    assert (found.passages, found.words, found.containment) == (1, len(text), 1.0)
    assert found.is_near_duplicate and found.is_mostly_same


def test_overlap_is_symmetric_and_counted_in_the_shorter_text():
    long, short = generated_text(3), generated_text(4, paragraphs=2)
    quote = " ".join(words(long)[100:140])
    short_with_quote = short + f'\n\nAs the report put it, "{quote}", officials said.'
    a, b = words(long), words(short_with_quote)
    assert overlap(a, b) == overlap(b, a)
    found = overlap(a, b)
    assert (found.passages, found.words) == (1, 40)
    assert found.containment == pytest.approx(40 / len(b))
    assert found.is_near_duplicate and not found.is_mostly_same


def test_a_changed_word_does_not_end_a_passage():
    original = words("these countries a fast track to obtain a russian passport if they join the")
    retold = words("these countries a fast track to obtaining a russian passport if they join the")
    # Either side of the change alone (6 and 7 words) would be too short to count.
    found = overlap(original, retold)
    assert (found.passages, found.words) == (1, len(original) - 1)


def test_stock_phrases_are_not_passages():
    a = words("He said that the war in Ukraine had changed everything for the migrants in Moscow.")
    b = words("Officials insist the war in Ukraine had no effect on recruitment, the ministry said.")
    assert overlap(a, b).passages == 0
    assert not overlap(a, b).is_near_duplicate


def test_passages_below_the_threshold_do_not_make_a_near_duplicate():
    a, b = words(generated_text(5)), words(generated_text(6))
    shared = words(generated_text(7))[: MIN_SHARED_WORDS - 1]
    found = overlap(a[:50] + shared + a[50:], b[:80] + shared + b[80:])
    assert (found.passages, found.words) == (1, MIN_SHARED_WORDS - 1)
    assert not found.is_near_duplicate


def test_on_the_seed_texts_only_the_two_retellings_share_passages():
    bodies = {slug: words(body) for slug, body in seed_bodies().items()}
    found = {frozenset((a, b)): overlap(bodies[a], bodies[b]) for a in bodies for b in bodies if a < b}
    near = {pair for pair, shared in found.items() if shared.is_near_duplicate}
    assert near == {frozenset(RETELLINGS)}
    retold = found[frozenset(RETELLINGS)]
    # "in Uzbek, Kyrgyz and Tajik languages offering citizens of these countries a fast track to obtain a
    # Russian passport if they join the", "officers demanding why they had detained him, they twisted his
    # arms and threw him back into the bus", each with a word or two changed.
    assert (retold.passages, retold.words) == (2, 38)
    assert not retold.is_mostly_same
    assert all(shared.words == 0 for pair, shared in found.items() if pair not in near)


# --- Stored: seed archive, recompute command ------------------------------------------------------


def test_seed_archive_recomputed_has_exactly_the_one_pair(seed_archive):
    near_duplicates_refresh(Article.objects.values_list("pk", flat=True))

    assert pairs_stored() == {frozenset(RETELLINGS)}
    assert NearDuplicate.objects.count() == 2  # one row from each side
    row = NearDuplicate.objects.first()
    assert (row.shared_passages, row.shared_words) == (2, 38)
    assert ArticleFingerprint.objects.values("article").distinct().count() == 5


def test_load_seed_archive_finds_the_pair(db):
    call_command("load_seed_archive", stdout=StringIO())

    assert pairs_stored() == {frozenset(RETELLINGS)}


def test_find_near_duplicates_command_is_idempotent(seed_archive):
    out = StringIO()
    call_command("find_near_duplicates", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == "Recomputed 5 articles; the archive has 1 near-duplicate pair."
    rows = set(NearDuplicate.objects.values_list("article_id", "other_id", "shared_words"))
    prints = set(ArticleFingerprint.objects.values_list("hash", "article_id"))

    call_command("find_near_duplicates", stdout=StringIO())
    one = Article.objects.get(slug=min(RETELLINGS))
    call_command("find_near_duplicates", "--article", str(one.pk), stdout=StringIO())

    assert set(NearDuplicate.objects.values_list("article_id", "other_id", "shared_words")) == rows
    assert set(ArticleFingerprint.objects.values_list("hash", "article_id")) == prints


def test_find_near_duplicates_command_refuses_unknown_ids(db):
    with pytest.raises(CommandError, match="No article with id 999"):
        call_command("find_near_duplicates", "--article", "999", stdout=StringIO())


# --- Stored: generated near-copies ---------------------------------------------------------------


def near_copies() -> dict[str, str]:
    """Edited copies of one generated article, each a near-duplicate of it."""
    original = generated_text(10, paragraphs=8)
    paragraphs = original.split("\n\n")
    sentences = sentences_of(original.replace("\n\n", " "))
    changed = list(sentences)
    for position in (2, 9, 17, 25):
        changed[position] = sentences_of(generated_text(11, paragraphs=1))[0]
    quote = " ".join(original.split()[200:245])
    return {
        "original": original,
        "sentences changed": " ".join(changed),
        "paragraphs dropped": "\n\n".join(paragraphs[:3] + paragraphs[5:]),
        "paragraphs reordered": "\n\n".join(reversed(paragraphs)),
        "quoted in another text": f'{generated_text(12, paragraphs=3)}\n\nThe report said: "{quote}"',
    }


def test_generated_near_copies_are_found_and_same_topic_texts_are_not(db):
    copies = {name: ArticleFactory(title=name, body=body) for name, body in near_copies().items()}
    unrelated = [ArticleFactory(title=f"unrelated {seed}", body=generated_text(seed)) for seed in range(20, 26)]

    near_duplicates_refresh([article.pk for article in [*copies.values(), *unrelated]])

    original = copies["original"]
    found = {row.other.title: row for row in NearDuplicate.objects.filter(article=original).select_related("other")}
    assert set(found) == set(copies) - {"original"}
    for name in ("sentences changed", "paragraphs dropped", "paragraphs reordered"):
        assert found[name].is_mostly_same, name
    assert found["paragraphs reordered"].containment == 1.0
    assert found["quoted in another text"].shared_passages == 1
    assert found["quoted in another text"].shared_words == 45
    assert not NearDuplicate.objects.filter(article__in=unrelated).exists()


def test_boilerplate_fingerprints_find_no_candidates(db, monkeypatch):
    monkeypatch.setattr("articles.services.BOILERPLATE_HOLDERS", 3)
    footer = "This article was produced by the regional desk and may be republished free of charge with credit."
    articles = [ArticleFactory(body=f"{generated_text(seed)}\n\n{footer}") for seed in range(30, 34)]

    near_duplicates_refresh([article.pk for article in articles])

    assert not NearDuplicate.objects.exists()


def test_refresh_costs_the_same_queries_for_three_articles_or_thirty(db):
    copies = near_copies()
    few = [ArticleFactory(body=generated_text(seed)) for seed in range(40, 42)]
    few.append(ArticleFactory(body=copies["original"]))
    with CaptureQueriesContext(connection) as for_few:
        near_duplicates_refresh([article.pk for article in few])

    many = [ArticleFactory(body=generated_text(seed)) for seed in range(42, 69)]
    many.append(ArticleFactory(body=copies["sentences changed"]))  # a pair with one of the few
    with CaptureQueriesContext(connection) as for_many:
        assert near_duplicates_refresh([article.pk for article in many]) == 1

    assert len(for_few) == len(for_many) - 2  # the candidate's body, the pair's rows


def test_an_article_never_lists_itself(db):
    article = ArticleFactory(body=generated_text(80) + "\n\n" + generated_text(80))  # repeats itself

    near_duplicates_refresh([article.pk])

    assert not NearDuplicate.objects.exists()


def test_deleting_an_article_deletes_its_fingerprints_and_pairs(db):
    copies = near_copies()
    original = ArticleFactory(body=copies["original"])
    copy = ArticleFactory(body=copies["paragraphs dropped"])
    near_duplicates_refresh([original.pk, copy.pk])

    copy.delete()

    assert not NearDuplicate.objects.exists()
    assert set(ArticleFingerprint.objects.values_list("article_id", flat=True)) == {original.pk}


def test_deleting_articles_in_sql_deletes_their_fingerprints_too(db):
    kept, deleted, also_deleted = (ArticleFactory(body=generated_text(seed)) for seed in (60, 61, 62))
    fingerprinted = set(ArticleFingerprint.objects.values_list("article_id", flat=True))
    assert fingerprinted == {kept.pk, deleted.pk, also_deleted.pk}

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_nearduplicate")
        cursor.execute("DELETE FROM articles_article_people")
        cursor.execute("DELETE FROM articles_article_authors")
        cursor.execute("DELETE FROM articles_article_tags")
        cursor.execute("DELETE FROM articles_article WHERE id IN (%s, %s)", [deleted.pk, also_deleted.pk])

    assert set(ArticleFingerprint.objects.values_list("article_id", flat=True)) == {kept.pk}


def test_truncating_the_articles_empties_the_fingerprints(db):
    ArticleFactory(body=generated_text(60))
    assert ArticleFingerprint.objects.exists()

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute("TRUNCATE articles_article CASCADE")

    assert not ArticleFingerprint.objects.exists()


def test_fingerprints_of_an_article_that_does_not_exist_are_refused(db):
    article = ArticleFactory()
    missing = article.pk + 1000

    refused = pytest.raises(IntegrityError, match=f"Key \\(article_id\\)=\\({missing}\\) is not present")
    with refused, transaction.atomic():
        ArticleFingerprint.objects.store({article.pk: {1, 2}, missing: {3}}, max_holders=BOILERPLATE_HOLDERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFingerprint.objects.bulk_create([ArticleFingerprint(hash=4, article_id=missing)])
    ArticleFingerprint.objects.bulk_create([ArticleFingerprint(hash=5, article=article)])
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFingerprint.objects.filter(hash=5).update(article_id=missing)

    stored = ArticleFingerprint.objects.filter(hash__in=[1, 2, 3, 4, 5])
    assert list(stored.values_list("hash", "article_id")) == [(5, article.pk)]


@pytest.mark.django_db(transaction=True)
def test_storing_fingerprints_holds_off_deleting_their_article_until_commit():
    """As the foreign key did: the articles named are locked (FOR KEY SHARE) by the storing transaction."""
    article = ArticleFactory()
    with transaction.atomic():
        ArticleFingerprint.objects.store({article.pk: {1}}, max_holders=BOILERPLATE_HOLDERS)
        with (
            psycopg.connect(**connection.get_connection_params()) as other,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            other.execute("SELECT FROM articles_article WHERE id = %s FOR UPDATE NOWAIT", [article.pk])
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT FROM articles_article WHERE id = %s FOR UPDATE NOWAIT", [article.pk])


# --- Import ---------------------------------------------------------------------------------------


def write_jsonl(path: Path, *bodies: str) -> Path:
    with path.open("w", encoding="utf-8") as file:
        for n, body in enumerate(bodies):
            file.write(json.dumps({"title": f"{path.stem} {n}", "body": body}) + "\n")
    return path


@pytest.mark.django_db(transaction=True)
def test_import_finds_near_copies_in_the_same_batch_and_across_batches(tmp_path):
    copies = near_copies()
    write_jsonl(tmp_path / "first.jsonl", copies["original"], generated_text(90), copies["sentences changed"])
    write_jsonl(tmp_path / "second.jsonl", generated_text(91), copies["paragraphs dropped"])

    result = articles_import(paths=[tmp_path / "first.jsonl", tmp_path / "second.jsonl"], batch_size=10)
    assert result.imported == 5
    assert pairs_stored() == {
        frozenset({"first-0", "first-2"}),
        frozenset({"first-0", "second-1"}),
        frozenset({"first-2", "second-1"}),
    }

    before = pairs_stored()
    write_jsonl(tmp_path / "later.jsonl", copies["quoted in another text"])
    articles_import(paths=[tmp_path / "later.jsonl"])
    # The quote is in every copy that kept its paragraph.
    assert pairs_stored() - before == {
        frozenset({"first-0", "later-0"}),
        frozenset({"first-2", "later-0"}),
        frozenset({"second-1", "later-0"}),
    }


@pytest.mark.django_db(transaction=True)
def test_import_one_article_per_batch_finds_the_same_pairs(tmp_path):
    copies = near_copies()
    write_jsonl(tmp_path / "feed.jsonl", copies["original"], copies["sentences changed"], copies["paragraphs dropped"])

    articles_import(paths=[tmp_path / "feed.jsonl"], batch_size=1)

    assert pairs_stored() == {
        frozenset({"feed-0", "feed-1"}),
        frozenset({"feed-0", "feed-2"}),
        frozenset({"feed-1", "feed-2"}),
    }


@pytest.mark.django_db(transaction=True)
def test_exact_duplicates_are_skipped_not_paired(tmp_path):
    body = generated_text(95)
    write_jsonl(tmp_path / "feed.jsonl", body, body.replace("  ", " "))
    write_jsonl(tmp_path / "again.jsonl", body)

    result = articles_import(paths=[tmp_path / "feed.jsonl", tmp_path / "again.jsonl"])

    assert (result.imported, result.duplicates) == (1, 2)
    assert not NearDuplicate.objects.exists()


# --- Editing a body -------------------------------------------------------------------------------


def test_saving_a_new_article_finds_its_tellings(db):
    copies = near_copies()
    original = ArticleFactory(body=copies["original"])
    copy = ArticleFactory(body=copies["sentences changed"])  # through Article.save(), as the admin does
    assert set(NearDuplicate.objects.values_list("article_id", "other_id")) == {
        (original.pk, copy.pk),
        (copy.pk, original.pk),
    }


def test_saving_an_edited_body_drops_and_finds_pairs_both_ways(db):
    copies = near_copies()
    original = ArticleFactory(body=copies["original"])
    copy = ArticleFactory(body=copies["sentences changed"])
    assert NearDuplicate.objects.count() == 2

    copy.body = generated_text(100)
    copy.save()
    assert not NearDuplicate.objects.exists()
    assert set(ArticleFingerprint.objects.filter(article=copy).values_list("hash", flat=True)) == fingerprints(
        words(copy.body)
    )

    copy.body = copies["paragraphs dropped"]
    copy.save()
    assert set(NearDuplicate.objects.values_list("article_id", "other_id")) == {
        (original.pk, copy.pk),
        (copy.pk, original.pk),
    }
    # Saving without changing the text leaves the pairs as they are.
    copy.title = "A new headline"
    copy.save()
    assert NearDuplicate.objects.count() == 2


# --- The article page -----------------------------------------------------------------------------


def also_reported(page: str) -> str:
    """The "Also reported in" section of an article page."""
    return page.split('id="also-reported-heading"')[1].split("</section>")[0]


def test_article_page_lists_the_other_tellings_with_links(client, db):
    call_command("load_seed_archive", stdout=StringIO())
    first, second = (Article.objects.get(slug=slug) for slug in sorted(RETELLINGS))

    for shown, other in ((first, second), (second, first)):
        page = client.get(shown.get_absolute_url()).content.decode()
        assert '<h2 id="also-reported-heading">Also reported in</h2>' in page
        assert f'<a href="{other.get_absolute_url()}">{escape(other.title)}</a>' in also_reported(page)
        assert "Shares 2 passages (38 words)" in page
        assert shown.get_absolute_url() not in also_reported(page)

    unrelated = Article.objects.exclude(slug__in=RETELLINGS).first()
    assert "Also reported in" not in client.get(unrelated.get_absolute_url()).content.decode()


def test_article_page_lists_only_published_tellings_strongest_first(client, db):
    copies = near_copies()
    source = SourceFactory(name="Wire service")
    shown = ArticleFactory(title="The original", body=copies["original"])
    ArticleFactory(title="Quoting it", body=copies["quoted in another text"], source=source)
    ArticleFactory(title="Mostly it", body=copies["paragraphs reordered"])
    ArticleFactory(title="Its draft", body=copies["paragraphs dropped"], status=ArticleStatus.DRAFT)
    ArticleFactory(title="Retracted", body=copies["sentences changed"], status=ArticleStatus.RETRACTED)
    near_duplicates_refresh(Article.objects.values_list("pk", flat=True))

    page = client.get(shown.get_absolute_url()).content.decode()
    listed = also_reported(page)
    assert re.findall(r'class="article-title"><a href="[^"]+">([^<]+)</a>', listed) == ["Mostly it", "Quoting it"]
    assert "Mostly the same text (100 %)" in listed
    assert "Shares 1 passage (45 words)" in listed
    assert "Wire service" in listed
    assert "Its draft" not in page and "Retracted" not in page
    # Found all the same, for the day they are published.
    assert NearDuplicate.objects.filter(article=shown, other__status=ArticleStatus.DRAFT).exists()


def test_article_page_query_count_does_not_grow_with_its_tellings(client, db, django_assert_max_num_queries):
    copies = near_copies()
    shown = ArticleFactory(body=copies["original"])
    ArticleFactory(body=copies["paragraphs dropped"], source=SourceFactory())
    near_duplicates_refresh(Article.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as with_one:
        assert client.get(shown.get_absolute_url()).status_code == 200

    for name in ("sentences changed", "paragraphs reordered", "quoted in another text"):
        ArticleFactory(body=copies[name], source=SourceFactory())
    near_duplicates_refresh(Article.objects.values_list("pk", flat=True))

    with django_assert_max_num_queries(len(with_one)):
        page = client.get(shown.get_absolute_url()).content.decode()
    assert page.count('<h3 class="article-title">') == 4


def test_a_passage_long_enough_to_count_is_always_a_candidate():
    """One shared passage of MIN_SHARED_WORDS words is guaranteed the two fingerprints candidates need."""
    assert GUARANTEE_WORDS + WINNOW_WINDOW <= MIN_SHARED_WORDS
    assert near_duplicates.CANDIDATE_MIN_SHARED == 2
