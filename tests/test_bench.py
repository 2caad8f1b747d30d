"""The search benchmark's pure parts (bench/): percentiles, MRR, the query mix, parsing wrk and plans.

Nothing timed, and no database but for the exactness comparison, run once on a small archive: the
benchmark's figures are only as good as these functions.
"""

import datetime
import random
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import caching, filters
from articles import search as article_search
from articles.services import vocabulary_refresh
from articles.timeline import MonthCount, Timeline, YearCount
from bench import exactness, ranking, report, search, throughput
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory
from tests.test_caching import segment_states

# --- Percentiles and summaries --------------------------------------------------------------------


def test_percentile_interpolates_between_the_nearest_ranks():
    samples = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]
    assert report.percentile(samples, 0) == 1
    assert report.percentile(samples, 100) == 10
    assert report.percentile(samples, 50) == 5.5
    assert report.percentile(samples, 95) == pytest.approx(9.55)


def test_percentile_matches_the_inclusive_method_of_the_standard_library():
    rng = random.Random(3)
    samples = [rng.expovariate(0.1) for _ in range(57)]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    for p in (1, 25, 50, 95, 99):
        assert report.percentile(samples, p) == pytest.approx(cuts[p - 1])


def test_percentile_of_one_sample_is_that_sample_and_of_none_an_error():
    assert report.percentile([4.2], 99) == 4.2
    with pytest.raises(ValueError):
        report.percentile([], 50)
    with pytest.raises(ValueError):
        report.percentile([1, 2], 101)


def test_summary_gives_the_reported_percentiles():
    figures = report.summary([float(n) for n in range(1, 101)])
    assert figures == {"p50": 50.5, "p95": 95.0, "p99": 99.0, "mean": 50.5, "max": 100.0, "n": 100}


# --- Ranking figures ------------------------------------------------------------------------------


def test_reciprocal_rank_counts_the_first_ten_only():
    assert report.reciprocal_rank([7, 8, 9], 7) == 1
    assert report.reciprocal_rank([7, 8, 9], 9) == pytest.approx(1 / 3)
    ranked = list(range(100, 120))
    assert report.reciprocal_rank(ranked, 109) == pytest.approx(1 / 10)
    assert report.reciprocal_rank(ranked, 110) == 0
    assert report.reciprocal_rank([], 1) == 0


def test_ranking_figures_average_over_the_queries():
    figures = report.ranking_figures([([1, 2, 3], 1), ([4, 5, 6], 5), ([7], 8), ([], 9)])
    assert figures == {"mrr10": pytest.approx((1 + 0.5) / 4), "success1": 0.25, "found10": 0.5, "queries": 4}


def test_memory_is_flat_compares_the_two_halves_of_the_run():
    flat = [(0.5, 60), (1, 80), (2, 81), (3, 82), (4, 84)]
    assert report.memory_is_flat(flat)["flat"] is True
    growing = [(0.5, 60), (1, 80), (2, 100), (3, 120), (4, 140)]
    assert report.memory_is_flat(growing) == {"flat": False, "first_half_peak_mb": 100, "second_half_peak_mb": 140}
    assert report.memory_is_flat([(0.5, 60)])["flat"] is None


# --- Targets --------------------------------------------------------------------------------------


def target(name: str) -> report.Target:
    return next(target for target in report.TARGETS if target.name == name)


def test_a_missed_time_target_says_by_how_much():
    result = {"search": {"overall": {"relevance": {"p95": 300.0}}}}
    assert target("search p95, relevance (counts cached)").check(result) == (
        300.0,
        False,
        "over by 150 ms (2.0\N{MULTIPLICATION SIGN} off)",
    )
    assert report.target_cell(
        target("search p95, relevance (counts cached)"), {"search": {"overall": {"relevance": {"p95": 90}}}}
    ) == ("90.0 ✅")


def test_http_and_import_targets_count_errors_and_memory_as_misses():
    http = {"http": {"article": {"requests_per_s": 400.0, "errors": 3}}}
    assert target("article pages over HTTP, no errors").check(http) == (400.0, False, "3 errors")
    imported = {"import": {"rate": 2000.0, "memory": {"flat": True}}}
    assert target("import, flat memory").check(imported) == (2000.0, True, "met")
    imported["import"].update(rate=1000.0, memory={"flat": False, "first_half_peak_mb": 80, "second_half_peak_mb": 95})
    assert target("import, flat memory").check(imported) == (
        1000.0,
        False,
        "short by 500 articles/s (1.5\N{MULTIPLICATION SIGN} off); memory grew from 80 to 95 MB",
    )


def test_ranking_targets_compare_with_bm25():
    result = {"ranking": {"clean": {"page": {"mrr10": 0.80}, "bm25": {"mrr10": 0.85}}}}
    value, met, how = target("MRR@10 vs BM25, clean").check(result)
    assert (value, met) == (-0.05, False)
    assert how == "0.050 below BM25 (0.02 allowed)"
    result["ranking"]["clean"]["page"]["mrr10"] = 0.84
    assert target("MRR@10 vs BM25, clean").check(result)[1] is True


def test_the_search_table_shows_the_rounds_with_nothing_cached_beside_the_others():
    figures = {order: report.summary([10.0, 20.0]) for order in ("relevance", "newest", "textbook")}
    figures |= {f"{order} uncached": report.summary([100.0, 200.0]) for order in ("relevance", "newest")}
    figures["textbook_ratio_p95"] = 1.0
    query = {"kind": "rare word", "label": "walrus", "matches": 3, "textbook_matches": 3}
    searched = {"by_kind": {"rare word": figures}, "overall": figures, "queries": [query]}
    settings = {"repeat": 2, "warmup": 1, "textbook_repeat": 2, "uncached_repeat": 2}
    text = "\n".join(report.search_section(searched, settings))
    assert "relevance, nothing cached (p50 / p95)" in text
    assert "| 150 / 195 |" in text
    assert "empty the cache before each request" in text
    older = "\n".join(report.search_section(searched, {**settings, "uncached_repeat": 0}))
    assert "nothing cached" not in older
    assert target("search p95, relevance, nothing cached").check({"search": {"overall": figures}})[:2] == (195.0, False)


def test_a_target_not_measured_is_said_so():
    assert target("search pages over HTTP, no errors").check({}) == (None, None, "not measured")


# --- The query mix --------------------------------------------------------------------------------

TOTAL = 1_000


def fake_vocabulary() -> list[tuple[str, int]]:
    """Words with every share of the articles, named after it: w0005 is in 5 articles."""
    return [(f"w{ndoc:04d}{suffix}", ndoc) for ndoc in range(1, 800) for suffix in ("aaaa", "bbbb")]


def fake_matches(params: dict[str, str]) -> int:
    """Matches of a query of the fake vocabulary: a word's number; fewer with more conditions."""
    words = [word.strip('"*-') for word in params["q"].split()]
    numbers = [int(word[1:5]) for word in words if word.startswith("w") and word[1:5].isdigit()]
    found = min(numbers) if numbers else 3
    return found // 2 if len(params) > 1 or len(words) > 1 else found


def mix(seed: int = 1, instances: int = 3) -> list[search.BenchQuery]:
    return search.query_mix(
        vocabulary=fake_vocabulary(),
        stop_words={"the", "of"},
        total=TOTAL,
        texts=["The harvest failed in the north, prices rose sharply.", "Grain exports of the region fell."],
        aliases=["Sergey Volkoff", "Bill Ashton", "Jose Perez"],
        sources=["the-daily", "the-post"],
        matches=fake_matches,
        instances=instances,
        seed=seed,
    )


def test_the_mix_has_every_kind_the_issue_asks_for():
    queries = mix()
    assert [query.kind for query in queries] == [kind for kind in search.KINDS for _ in range(3)]
    by_kind = {kind: [query for query in queries if query.kind == kind] for kind in search.KINDS}
    for query in by_kind["rare word"]:
        assert 5 <= fake_matches(dict(query.params)) <= 50
    for query in by_kind["common word"]:
        assert 300 <= fake_matches(dict(query.params)) <= 600
    assert all(len(query.text.split()) == 2 for query in by_kind["two words"])
    assert all(query.text.startswith('"') and query.text.endswith('"') for query in by_kind["phrase"])
    assert all(" -" in query.text for query in by_kind["exclusion"])
    assert all(query.text.endswith("*") and len(query.text) == 6 for query in by_kind["prefix"])
    assert all(
        {"source"} <= dict(query.params).keys() or {"date_from", "date_to"} <= dict(query.params).keys()
        for query in by_kind["filtered"]
    )
    assert {query.text for query in by_kind["alias"]} <= {"Sergey Volkoff", "Bill Ashton", "Jose Perez"}


def test_the_mix_is_the_same_for_the_same_seed():
    assert mix(seed=4) == mix(seed=4)
    assert mix(seed=4) != mix(seed=5)


def test_a_kind_the_corpus_cannot_fill_is_an_error():
    with pytest.raises(ValueError, match="alias"):
        mix(instances=4)  # three aliases only


def test_the_textbook_rounds_come_after_every_round_of_the_page(monkeypatch):
    requests = []
    monkeypatch.setattr(search, "timed_get", lambda client, path: requests.append(("page", path)) or 1.0)
    monkeypatch.setattr(search, "uncached_get", lambda client, path: requests.append(("uncached", path)) or 2.0)
    monkeypatch.setattr(search, "changed_get", lambda client, path: requests.append(("changed", path)) or 4.0)
    monkeypatch.setattr(search, "timed_textbook", lambda query: requests.append(("textbook", query.text)) or 3.0)
    queries = mix()[:2]

    samples = search.search_rounds(None, queries, repeat=3, warmup=1, textbook_repeat=2, uncached_repeat=1)

    kinds = [kind for kind, _ in requests]
    pages, changed, uncached, textbook = (1 + 3) * 2 * 2, 1 * 2 * 2, 1 * 2 * 2, (1 + 2) * 2
    assert kinds == ["page"] * pages + ["changed"] * changed + ["uncached"] * uncached + ["textbook"] * textbook
    assert [text for _, text in requests[-2:]] == [query.text for query in queries]
    for query in queries:
        assert samples[query] == {
            "relevance": [1.0] * 3,
            "newest": [1.0] * 3,
            "relevance after a change": [4.0],
            "newest after a change": [4.0],
            "relevance uncached": [2.0],
            "newest uncached": [2.0],
            "textbook": [3.0] * 2,
        }


@pytest.mark.django_db
def test_facet_links_are_timed_as_followed_from_their_search(client, monkeypatch):
    source, person, tag = SourceFactory(slug="the-daily"), PersonFactory(slug="ann-lee"), TagFactory(slug="borders")
    for n in range(2):
        article = ArticleFactory(title=f"Migrants at the border, day {n}", source=source)
        article.people.add(person)
        article.tags.add(tag)
    timed = []
    monkeypatch.setattr(search, "timed_get", lambda client, path: timed.append(path) or 1.0)
    queries = [
        search.BenchQuery("rare word", "migrants", (("q", "migrants"),)),
        search.BenchQuery("filtered", "migrants (source: the-daily)", (("q", "migrants"), ("source", "the-daily"))),
    ]

    figures = search.facet_links_measure(client, queries)

    # The search with no value chosen only, its three facets' first links, each followed once.
    assert timed == [
        "/search/?q=migrants&sort=relevance&source=the-daily",
        "/search/?q=migrants&sort=relevance&person=ann-lee",
        "/search/?q=migrants&sort=relevance&tag=borders",
    ]
    assert figures["facet link after its search"]["n"] == 3


@pytest.mark.django_db
def test_counts_are_kept_ahead_for_the_mix_and_its_pages_timed_after_a_change(client, monkeypatch):
    for n in range(3):
        ArticleFactory(title=f"Migrants at the border, day {n}", source=SourceFactory(slug=f"source-{n}"))
    queries = [
        search.BenchQuery("rare word", "migrants", (("q", "migrants"),)),
        search.BenchQuery("filtered", "border (source: source-1)", (("q", "border"), ("source", "source-1"))),
    ]
    for query in queries:  # the search rounds log the mix's searches, in both orders
        for order in search.ORDERS:
            assert client.get(query.path(order)).status_code == 200
    client.get("/search/?q=once")  # made less often than the mix's: not kept
    counted, timed_get = [], search.timed_get

    def counted_get(client, path):
        with CaptureQueriesContext(connection) as statements:
            elapsed = timed_get(client, path)
        counted.append(sum(query["sql"].startswith("WITH results") for query in statements))
        return elapsed

    monkeypatch.setattr(search, "timed_get", counted_get)
    version = caching.public_version()

    kept = search.kept_ahead_measure(client, queries, rounds=2)

    assert caching.public_version() != version  # each round changed an article first
    assert kept["searches"] == 2 and kept["nothing_kept_s"] >= 0 and len(kept["after_a_change_s"]) == 2
    assert {order: figures["n"] for order, figures in kept["pages"].items()} == {"relevance": 4, "newest": 4}
    assert counted == [0] * 8  # every page found its counts kept and current
    text = "\n".join(report.kept_ahead_section(kept))
    assert "over the mix's 2 searches" in text and "after a change to one article" in text
    assert report.kept_ahead_section(None) == []


@pytest.mark.django_db
def test_a_change_before_a_request_is_a_save_of_the_newest_article(client):
    older = ArticleFactory(pk=caching.count_segment_bounds(0)[0] + 1, title="Migrants at the border")
    newest = ArticleFactory(pk=caching.count_segment_bounds(3)[0] + 1, title="Migrants at the border, again")
    version, segments = caching.public_version(), segment_states()

    assert search.changed_get(client, "/search/?q=migrants") > 0

    assert caching.public_version() != version
    assert segment_states()[3] != segments[3] and segment_states()[0] == segments[0]
    for article in (older, newest):
        saved = type(article).objects.get(pk=article.pk)
        assert (saved.title, saved.status, saved.body) == (article.title, article.status, article.body)


def test_query_paths_carry_the_sort_and_the_filters():
    query = search.BenchQuery("filtered", "water (source: the-daily)", (("q", "water"), ("source", "the-daily")))
    assert query.path("newest") == "/search/?q=water&source=the-daily&sort=newest"
    assert query.path("relevance", prefix="/api/search/") == "/api/search/?q=water&source=the-daily&sort=relevance"


def test_phrases_are_neighbours_within_a_clause_without_stop_words():
    text = "Prices rose in Moscow, markets fell sharply. The “grain deal” ended"
    phrases = search.phrase_candidates(text, stop_words={"in", "the"})
    assert phrases == ["prices rose", "markets fell", "fell sharply", "grain deal"]


# --- The SQL of a page, its plans, and wrk's report --------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "part"),
    [
        ("SET LOCAL enable_seqscan = off", "setup"),
        ('SELECT COUNT(*) AS "__count" FROM "articles_article" WHERE x', "count"),
        (
            'SELECT "articles_article"."id", "articles_source"."slug" FROM "articles_article" ORDER BY 1 LIMIT 20',
            "page",
        ),
        (
            'SELECT "articles_source"."slug" AS "source__slug", COUNT(1) FROM x WHERE id IN (SELECT 1 LIMIT 20)',
            "facet: source",
        ),
        ('SELECT "articles_tag"."slug" AS "tag__slug", COUNT(1) FROM x', "facet: tag"),
        ("\n   SELECT person.*, counts.n FROM (SELECT 1 UNION ALL SELECT 2) LIMIT 10", "facet: person"),
        ('SELECT EXTRACT(YEAR FROM "articles_article"."published_on") AS "year"', "facet: year"),
        ('SELECT DATE_TRUNC(\'month\', "articles_article"."published_on")', "timeline"),
        ('SELECT "articles_article"."id" AS "pk", ts_headline(\'english\', body) FROM x', "headlines"),
        ("SELECT 'authors' AS relation, link.article_id FROM x UNION ALL SELECT 'people'", "people and tags"),
        (
            "SELECT prefix, expansion.word FROM unnest(x) CROSS JOIN LATERAL (SELECT word FROM articles_vocabulary)",
            "prefixes",
        ),
        (
            '(SELECT 0 AS "position", "articles_person"."id" FROM "articles_person") UNION ALL (SELECT 1)',
            "people named",
        ),
        ('INSERT INTO "articles_searchlog" ("query") VALUES (\'x\')', "search log"),
        (
            "\n  SELECT typed.spelling, stem.lexeme FROM x LEFT JOIN articles_lexeme_stats AS lexeme_stats",
            "ranking statistics",
        ),
        ("\n  WITH full_matches AS (SELECT count(*) AS found FROM x)", "partial matches"),
        (caching.PUBLIC_VERSION_SQL, "published state"),
        ("SELECT segment, number, changed_by FROM articles_countsegment", "published state"),
        ('(\n        SELECT \'person\', value."slug", value."name", NULL::date', "counts: total, facets, timeline"),
        (filters.ARCHIVE_COUNTS_SQL, "counts: total, facets, timeline"),
        ("BEGIN", "transaction"),
        ("COMMIT", "transaction"),
        ("SELECT scored.article_id, count(*) FILTER (WHERE NOT scored.alias_match) OVER ()", "ranking window"),
        (
            'SELECT "articles_article"."id", "articles_article"."title" FROM "articles_article"'
            ' WHERE "articles_article"."id" IN (93101, 52806) ORDER BY "articles_article"."published_on" DESC',
            "page, read by id",
        ),
        ("SELECT 1", "other"),
    ],
)
def test_each_statement_of_a_search_page_is_named(statement, part):
    assert search.sql_part(statement) == part


def test_plan_summary_lists_the_top_nodes():
    plan = [
        "Limit  (cost=10.0..10.1 rows=20 width=8) (actual time=1.0..1.1 rows=20 loops=1)",
        "  Buffers: shared hit=12",
        "  ->  Sort  (cost=10.0..10.5 rows=200 width=8) (actual time=1.0..1.0 rows=20 loops=1)",
        "        Sort Key: rank DESC",
        "        ->  Bitmap Heap Scan on articles_article  (cost=1.0..9.0 rows=200 width=8) (actual time=0.1..0.9)",
        "              ->  Bitmap Index Scan on article_search_vector_gin  (cost=0.0..1.0 rows=200 width=0)",
        "Planning Time: 0.2 ms",
        "Execution Time: 1.2 ms",
    ]
    assert report.plan_summary(plan) == (
        "Limit → Sort; Bitmap Index Scan on article_search_vector_gin, Bitmap Heap Scan on articles_article"
    )
    assert report.plan_summary(plan[2:]) == (
        "Sort → Bitmap Heap Scan on articles_article; Bitmap Index Scan on article_search_vector_gin"
    )


WRK_REPORT = "\n".join(
    [
        "Running 15s test @ http://127.0.0.1:8000",
        "  2 threads and 20 connections",
        "  Thread Stats   Avg      Stdev     Max   +/- Stdev",
        "    Latency     1.36s   463.81ms   1.87s    64.52%",
        "    Req/Sec     9.75      8.34    30.00     65.00%",
        "  Latency Distribution",
        "     50%    1.54s ",  # wrk pads times in seconds with a space
        "     75%  712.03us",
        "     90%  250.45ms",
        "     99%    1.87s ",
        "  1233 requests in 15.07s, 2.17MB read",
        "  Socket errors: connect 0, read 2, write 0, timeout 5",
        "  Non-2xx or 3xx responses: 4",
        "Requests/sec:     81.82",
        "Transfer/sec:    723.20KB",
    ]
)


def test_wrk_report_is_parsed_with_its_errors():
    figures = throughput.wrk_parse(WRK_REPORT)
    assert figures["requests_per_s"] == 81.82
    assert figures["requests"] == 1233
    assert figures["non_2xx_3xx"] == 4
    assert figures["socket_errors"] == {"connect": 0, "read": 2, "write": 0, "timeout": 5}
    assert figures["errors"] == 11
    assert figures["latency_ms"] == {"p50": 1540.0, "p75": pytest.approx(0.71203), "p90": 250.45, "p99": 1870.0}


def test_a_clean_wrk_report_has_no_errors():
    clean = "\n".join(line for line in WRK_REPORT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert throughput.wrk_parse(clean)["errors"] == 0
    with pytest.raises(ValueError):
        throughput.wrk_parse("wrk: unable to connect")


def test_wrk_script_rotates_over_the_addresses():
    script = throughput.wrk_script(["/articles/1/a/", '/search/?q="a b"'])
    assert '"/articles/1/a/",\n"/search/?q=\\"a b\\""' in script
    assert "paths[counter % #paths + 1]" in script


# --- Known items ----------------------------------------------------------------------------------


def test_distinctive_words_are_rare_but_shared_and_one_form_each():
    text = "Korabelov said harvests failed. Korabelov blamed drought; droughts return. The end of it."
    frequency = {
        "korabelov": 12,
        "said": 400,
        "harvests": 30,
        "failed": 90,
        "blamed": 40,
        "drought": 20,
        "droughts": 15,
        "return": 150,
        "the": 1000,
        "end": 300,
        "only": 1,
    }
    words = ranking.distinctive_words(text, frequency, 1000, random.Random(1), count=3, pool=4)
    assert len(words) == 3
    assert set(words) <= {"korabelov", "harvests", "blamed", "drought", "droughts", "failed"}
    assert not {"drought", "droughts"} <= set(words)
    assert ranking.distinctive_words(text, frequency, 1000, random.Random(1), count=3, pool=4) == words
    assert ranking.distinctive_words("the end", frequency, 1000, random.Random(1)) == []


def test_the_foreign_word_is_one_the_article_does_not_contain():
    contained = {"harvest"}
    replaced = ranking.with_foreign_word(
        ["korabelov", "drought", "blamed"], ["harvest", "ministry"], random.Random(2), contained.__contains__
    )
    assert replaced is not None
    assert "ministry" in replaced and len(replaced) == 3
    assert ranking.with_foreign_word(["a1", "b1"], ["harvest"], random.Random(2), contained.__contains__) is None


# --- Results against the exact computation ------------------------------------------------------------


def test_an_identical_order_is_identical_and_at_the_top_of_the_exact_order():
    compared = exactness.order_compared([3, 1, 2], [3, 1, 2, 9, 8], top=3)
    assert compared == {
        "identical_top": True,
        "same_set": True,
        "overlap": 1.0,
        "positions": [1, 2, 3],
        "worst_position": 3,
        "unknown_ids": [],
    }
    assert exactness.order_compared([], [])["overlap"] == 1.0


def test_a_different_order_says_how_far_the_page_reaches_in_the_exact_one():
    exact = list(range(1, 31))
    page = [*range(1, 19), 25, 19]  # 25 in, 20 out
    compared = exactness.order_compared(page, exact)
    assert (compared["identical_top"], compared["same_set"]) == (False, False)
    assert compared["overlap"] == 0.95
    assert compared["worst_position"] == 25
    reordered = exactness.order_compared([2, 1], [1, 2, 3], top=2)
    assert (reordered["identical_top"], reordered["same_set"], reordered["overlap"]) == (False, True, 1.0)
    unknown = exactness.order_compared([1, 99], [1, 2])
    assert unknown["worst_position"] is None and unknown["unknown_ids"] == [99]


def match(pk: int, published_on: str | None, precision: str = "day") -> exactness.Match:
    return exactness.Match(pk, 0.0, datetime.date.fromisoformat(published_on) if published_on else None, precision)


def test_newest_first_puts_undated_last_and_breaks_ties_by_id():
    matches = [match(1, "2020-01-01"), match(2, None), match(3, "2021-05-01"), match(4, "2020-01-01"), match(5, None)]
    assert exactness.newest_first(matches) == [3, 4, 1, 5, 2]


def test_facet_values_are_counted_once_per_article():
    values_of = {1: {"a", "b"}, 2: {"a"}, 3: {"c"}, 4: {"a"}}
    assert exactness.value_counts(values_of, [1, 2, 3]) == {"a": 2, "b": 1, "c": 1}
    assert exactness.value_counts(values_of, [1, 2, 3, 9], excluded=["a"]) == {"b": 1, "c": 1}


def test_a_year_the_date_range_lies_within_offers_no_link():
    matches = [match(1, "2013-02-01"), match(2, "2013-09-01"), match(3, None)]
    assert exactness.year_counts(matches, None, None) == {"2013": 2}
    assert exactness.year_counts(matches, "2013-01-01", "2013-12-31") == {}
    assert exactness.year_counts(matches, "2012-01-01", "2013-12-31") == {"2013": 2}


def facet(name: str, *values: tuple[str, int]) -> dict:
    return {"name": name, "values": [{"value": value, "count": count} for value, count in values]}


def test_facets_as_exact_may_order_ties_at_the_cut_either_way():
    exact = {"tag": {"a": 5, "b": 3, "c": 3, "d": 1}, "year": {}}
    assert exactness.facets_compared([facet("tag", ("a", 5), ("c", 3)), facet("year")], exact, limit=2) == []
    assert exactness.facets_compared([facet("tag", ("a", 5), ("b", 3))], exact, limit=2) == []


def test_facets_not_as_exact_are_told_apart():
    exact = {"tag": {"a": 5, "b": 3, "c": 3}, "source": {"x": 2}}
    differences = exactness.facets_compared([facet("tag", ("a", 4), ("b", 3))], exact, limit=2)
    assert differences == ["source: counts [], exact [2]", "tag: counts [4, 3], exact [5, 3]", "tag a: 4, exact 5"]
    assert exactness.facets_compared([facet("tag", ("a", 5), ("d", 3))], {"tag": exact["tag"]}, limit=2) == [
        "tag d: 3, exact 0"
    ]


def test_a_timeline_and_the_matches_dates_are_counted_alike():
    matches = [
        match(1, "2020-01-15"),
        match(2, "2020-01-02", "month"),
        match(3, "2020-03-01"),
        match(4, "2019-01-01", "year"),
        match(5, None, ""),
    ]
    counted = exactness.timeline_counts(matches, year_precision="year")
    assert counted == {"months": {"2020-01": 2, "2020-03": 1}, "year_only": {"2019": 1}, "undated": 1}
    timeline = Timeline(
        months=(
            MonthCount(datetime.date(2020, 1, 1), 2),
            MonthCount(datetime.date(2020, 2, 1), 0),
            MonthCount(datetime.date(2020, 3, 1), 1),
        ),
        year_only=(YearCount(2019, 1),),
        undated=1,
    )
    assert exactness.timeline_figures(timeline) == counted


def compared_query(label: str, *, identical: bool = True, window: bool = False, **figures) -> dict:
    query = {
        "label": label,
        "matches": 36597,
        "page_scored": 20,
        "identical_top": identical,
        "same_set": identical,
        "overlap": 1.0 if identical else 0.5,
        "worst_position": 20 if identical else 4000,
        "window_applied": window,
        "count_equal": True,
        "newest_identical": True,
        "facets_equal": True,
        "timeline_equal": True,
    }
    return {**query, **figures}


def test_the_summary_counts_what_is_exact_and_bounds_the_rest():
    queries = [
        compared_query("rare"),
        compared_query("common, in the window's reach", window=True),
        compared_query("common", identical=False, window=True, overlap=0.4, worst_position=1234),
        compared_query("odd", identical=False, count_equal=False, facets_equal=None, timeline_equal=False),
        compared_query("dated", identical=False, window=True, overlap=0.0, worst_position=2032, page_scored=0),
    ]
    summary = exactness.exactness_summary(queries)
    assert summary == {
        "queries": 5,
        "identical_top": 2,
        "same_set": 2,
        "mean_overlap": pytest.approx((1 + 1 + 0.4 + 0.5 + 0) / 5),
        "counts_equal": 4,
        "newest_identical": 5,
        "facets_checked": 4,
        "facets_equal": 4,
        "timelines_checked": 5,
        "timelines_equal": 4,
        "windowed": 3,
        "windowed_identical": 1,
        "unexplained": ["odd"],
        "differing_min_overlap": 0.0,
        "differing_worst_position": 4000,
        "unscored_pages": ["dated"],
    }
    with pytest.raises(ValueError):
        exactness.exactness_summary([])


def exactness_result(queries: list[dict]) -> dict:
    for query in queries:
        query.setdefault("kind", "common word")
        query.setdefault("page_count", query["matches"])
        query.setdefault("window", 5000)
        query.setdefault("fallback", False)
        query.setdefault("page_last_score", 1.04)
        query.setdefault("exact_last_score", 1.07)
        query.setdefault("page_scored", 20)
    summary = exactness.exactness_summary(queries)
    return {
        "exactness": {
            "windows": {"rank": 5000, "partial": 1000},
            "top": 20,
            "queries": queries,
            "summary": summary,
            "seconds": 12.0,
        }
    }


def test_identical_results_meet_the_exactness_target():
    result = exactness_result([compared_query("rare"), compared_query("man")])
    exact_target = target("results as exact, top 20 and counts")
    assert exact_target.check(result) == (1.0, True, "met")
    assert report.target_cell(exact_target, result) == "100% ✅"
    section = "\n".join(report.exactness_section(result["exactness"]))
    assert "No query has more matches of its words than a ranking window" in section


def test_results_differing_beyond_a_window_miss_the_exactness_target_but_say_it_is_the_documented_difference():
    result = exactness_result(
        [compared_query("rare"), compared_query("man", identical=False, window=True, overlap=0.4, worst_position=1234)]
    )
    exact_target = target("results as exact, top 20 and counts")
    assert exact_target.check(result) == (0.5, False, "short by 50%")
    assert report.target_cell(exact_target, result) == (
        "50% ❌ short by 50% (1 of 2 identical; the other differs with overlap@20 ≥ 0.40, the page's 20 within the "
        "exact first 1,234, all beyond a ranking window (documented))"
    )
    section = "\n".join(report.exactness_section(result["exactness"]))
    assert "Counts, newest-first pages, facets and timelines are the exact computation's in every query." in section
    assert "(1 query, 1 of them beyond a window), the page's first 20 share as little as 40% with the exact" in section
    assert "reach down to position 1,234" in section
    assert "| common word: `man` | 36,597 | 5,000 | differs | 0.40 | 1,234 | 1.04 / 1.07 | 20/20 |" in section
    assert "only the newest are scored, the others following by date" in section  # a run before champions
    result["exactness"]["windows"]["champions"] = 500
    section = "\n".join(report.exactness_section(result["exactness"]))
    assert (
        "only the newest are scored, with the 500 articles each of their words scores best in the whole archive"
        " (its champions, where listed), the others following by date." in section
    )


def test_results_differing_with_no_window_or_counts_differing_miss_the_exactness_target():
    result = exactness_result(
        [
            compared_query("rare", identical=False, matches=40, page_count=39, count_equal=False, worst_position=30),
            compared_query("common"),
        ]
    )
    value, met, how = target("results as exact, top 20 and counts").check(result)
    assert (value, met) == (0.5, False)
    assert how == "short by 50%; counts differ in 1 of 2 queries"
    assert report.target_cell(target("results as exact, top 20 and counts"), result).endswith(
        "the page's 20 within the exact first 30, none beyond a ranking window; with no window: `rare`)"
    )
    section = "\n".join(report.exactness_section(result["exactness"]))
    assert "**Not exact:** counts differ in 1 of 2 queries." in section
    assert "**1 queries differ with no window applying** (`rare`)" in section
    assert "| ❌ 39 |" in section


def test_the_exactness_target_is_not_measured_when_skipped():
    assert target("results as exact, top 20 and counts").check({}) == (None, None, "not measured")


@pytest.mark.django_db
def test_the_exactness_comparison_finds_the_windows_difference_and_nothing_else(client, monkeypatch):
    """Small windows make the page differ from the exact order, never its counts, facets or newest page."""
    old_source, new_source = SourceFactory(), SourceFactory()
    tag, person = TagFactory(), PersonFactory()

    def article(published_on: str | None, text: str, source, *, title: str = "Report", precision: str = "day"):
        made = ArticleFactory(
            title=title,
            body=text,
            source=source,
            published_on=published_on,
            published_precision=precision if published_on else "",
        )
        made.tags.add(tag)
        made.people.add(person)
        return made

    best = article("2000-06-01", "The walrus walrus walrus.", old_source, title="Walrus walrus")
    article("2001-01-01", "A walrus, dated to the year.", old_source, precision="year")
    for year in range(2019, 2024):
        article(f"{year}-03-01", f"One walrus among many other words, {year}.", new_source).authors.add(person)
    article(None, "An undated walrus and a narwhal.", new_source)
    article("2018-05-05", "A narwhal, no other animal.", old_source)
    vocabulary_refresh()
    mix = [
        search.BenchQuery("common word", "walrus", (("q", "walrus"),)),
        search.BenchQuery("filtered", "walrus (source)", (("q", "walrus"), ("source", old_source.slug))),
        search.BenchQuery(
            "filtered", "walrus (2021)", (("q", "walrus"), ("date_from", "2021-01-01"), ("date_to", "2021-12-31"))
        ),
        search.BenchQuery("two words", "walrus narwhal", (("q", "walrus narwhal"),)),
    ]

    exact = exactness.exactness_measure(client, mix)
    assert exact["summary"]["identical_top"] == len(mix)
    assert not any(query["window_applied"] for query in exact["queries"])
    assert exact["queries"][0]["matches"] == 8
    assert exact["queries"][0]["page_top"][0] == exact["queries"][0]["exact_top"][0] == best.pk

    monkeypatch.setattr(article_search, "RANK_WINDOW", 3)
    monkeypatch.setattr(article_search, "PARTIAL_RANK_WINDOW", 2)
    monkeypatch.setattr(article_search, "PARTIAL_COMBINATION_BUDGET", 2)  # each word's newest one
    windowed = exactness.exactness_measure(client, mix)
    walrus, by_source, in_2021, fallback = windowed["queries"]
    assert walrus["window_applied"] and not walrus["identical_top"] and walrus["same_set"]
    # The best article, first in the exact order, follows the three scored ones and three newer ones, by date.
    assert walrus["positions"].index(1) == 6 and walrus["page_top"][6] == best.pk
    assert walrus["page_scored"] == 3
    # The windows are taken among each search's own results: the source's two and the year's one all scored.
    assert not by_source["window_applied"] and by_source["page_scored"] == 2 and by_source["identical_top"]
    assert not in_2021["window_applied"] and in_2021["identical_top"]
    assert fallback["fallback"] and fallback["window"] == 2 and fallback["window_applied"]
    assert not fallback["identical_top"] and fallback["positions"][0] == 1  # the article with both words first
    summary = windowed["summary"]
    assert summary["unexplained"] == []
    assert summary["windowed"] == 2
    assert {key: summary[key] for key in ("counts_equal", "newest_identical", "facets_equal", "timelines_equal")} == (
        dict.fromkeys(("counts_equal", "newest_identical", "facets_equal", "timelines_equal"), len(mix))
    )
    assert article_search.RANK_WINDOW == 3  # the exact computation puts the windows back


@pytest.mark.parametrize("option", ["--repeat", "--textbook-repeat", "--uncached-repeat"])
def test_rounds_the_report_takes_percentiles_of_are_at_least_one(option, capsys):
    parser = search.options_parser()
    assert getattr(parser.parse_args([option, "1"]), option[2:].replace("-", "_")) == 1
    with pytest.raises(SystemExit):
        parser.parse_args([option, "0"])
    assert "must be at least 1" in capsys.readouterr().err


def test_the_report_says_what_the_champion_lists_hold_and_whether_this_run_listed_them():
    assert report.champions_sentence(None) == ""  # a run from before they were recorded
    assert report.champions_sentence({"lexemes": 0, "rows": 0, "refresh_seconds": 0.4}) == (
        " No word is frequent enough for ranking champions."
    )
    assert report.champions_sentence({"lexemes": 1516, "rows": 673162, "refresh_seconds": 15.7}) == (
        " Ranking champions: 673,162 articles listed for 1,516 lexemes (listed in this run in 16 s)."
    )
    assert report.champions_sentence({"lexemes": 1516, "rows": 673162, "refresh_seconds": None}).endswith("(kept).")


def test_the_champion_lists_are_listed_again_when_what_lists_them_changes(monkeypatch):
    listed_with = search.champions_digest()
    assert search.champions_digest() == listed_with
    monkeypatch.setattr("articles.services.RANKING_CHAMPIONS_PER_LEXEME", 500)
    assert search.champions_digest() != listed_with


def test_each_size_caches_in_a_folder_of_its_own_emptied_first(tmp_path):
    folder = tmp_path / "cache-10000"
    assert search.cache_ensure_empty(folder) == folder
    assert list(folder.iterdir()) == []
    (folder / "0f3a.djcache").write_bytes(b"an entry of an earlier run")
    search.cache_ensure_empty(folder)
    assert list(folder.iterdir()) == []
