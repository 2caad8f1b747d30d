"""The search benchmark's pure parts (bench/): percentiles, MRR, the query mix, parsing wrk and plans.

No database and nothing timed: the benchmark's figures are only as good as these functions.
"""

import random
import statistics

import pytest

from bench import ranking, report, search, throughput

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
    assert target("search p95, relevance").check(result) == (
        300.0,
        False,
        "over by 150 ms (2.0\N{MULTIPLICATION SIGN} off)",
    )
    assert report.target_cell(target("search p95, relevance"), {"search": {"overall": {"relevance": {"p95": 90}}}}) == (
        "90.0 ✅"
    )


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
        ('SELECT ("articles_article_tags"."article_id") AS "_prefetch_related_val_article_id"', "prefetch"),
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
