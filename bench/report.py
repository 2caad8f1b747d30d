"""The search benchmark's figures and its readable report, ``bench/results/README.md``.

    .venv/bin/python bench/report.py      # rewrite the README from every bench/results/<size>.json

``bench/search.py`` measures and writes one JSON file per corpus size, then calls
``readme_write()``; this module holds what turns samples into figures (percentiles,
mean reciprocal rank) and the figures into tables against the performance targets.
Nothing here touches a database, so the tests can check it directly (tests/test_bench.py).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
README = RESULTS_DIR / "README.md"

# Reported for every series of timings.
PERCENTILES = (50, 95, 99)
# Ranks counted by MRR@10: a known item below the tenth result counts 0.
MRR_CUTOFF = 10
# "Flat memory": the import's peak in its second half no more than this much above its first half's.
FLAT_MEMORY_GROWTH = 0.10
TIMES = "\N{MULTIPLICATION SIGN}"
# Tables and indexes listed in the README, largest first (the JSON has them all).
LARGEST_SHOWN = 10
# The statements of a search page whose plans are shown, as search_explain() in bench/search.py names them.
EXPLAINED = ("count", "relevance_page", "newest_page")


# --- Figures -----------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``samples``, interpolated linearly between the two nearest ranks.

    The "linear" method (Hyndman and Fan's type 7; numpy's default, and Python's
    ``statistics.quantiles(method="inclusive")``): with the samples sorted as x[0] ≤ … ≤ x[n-1],
    h = (n - 1) · p / 100 and the percentile is x[⌊h⌋] + (h - ⌊h⌋) · (x[⌊h⌋ + 1] - x[⌊h⌋]).
    So p50 of 50 samples is the mean of the 25th and 26th, and p99 of 50 samples lies between
    the two slowest: with few samples the high percentiles are little more than the maximum.
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 <= p <= 100:
        raise ValueError("a percentile is between 0 and 100")
    ordered = sorted(samples)
    h = (len(ordered) - 1) * p / 100
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def summary(samples: Sequence[float]) -> dict:
    """p50/p95/p99, mean, max and count of a series of milliseconds, rounded to 0.1 ms."""
    figures = {f"p{p}": round(percentile(samples, p), 1) for p in PERCENTILES}
    figures.update(mean=round(sum(samples) / len(samples), 1), max=round(max(samples), 1), n=len(samples))
    return figures


def reciprocal_rank(ranked_ids: Sequence[int], wanted: int, cutoff: int = MRR_CUTOFF) -> float:
    """1/rank of ``wanted`` among the first ``cutoff`` of ``ranked_ids`` (rank counted from 1), else 0."""
    for rank, found in enumerate(ranked_ids[:cutoff], start=1):
        if found == wanted:
            return 1 / rank
    return 0.0


def ranking_figures(rankings: Iterable[tuple[Sequence[int], int]]) -> dict:
    """MRR@10 and success@1 of (ranked ids, the known item) pairs."""
    ranks = [(reciprocal_rank(ids, wanted), bool(ids) and ids[0] == wanted) for ids, wanted in rankings]
    if not ranks:
        raise ValueError("no rankings")
    return {
        "mrr10": round(sum(rr for rr, _ in ranks) / len(ranks), 4),
        "success1": round(sum(first for _, first in ranks) / len(ranks), 4),
        "found10": round(sum(rr > 0 for rr, _ in ranks) / len(ranks), 4),
        "queries": len(ranks),
    }


def plan_summary(plan: Sequence[str]) -> str:
    """An EXPLAIN (text) plan in a line: its two outermost nodes, then the other tables and indexes it scans.

    "Limit → Sort; Bitmap Index Scan on article_search_vector_gin, Bitmap Heap Scan on articles_article".
    """
    nodes = []
    for line in plan:
        text = line.strip()
        if text.startswith("->"):
            text = text[2:].strip()
        elif nodes or line[:1].isspace():
            continue  # details of a node (Buffers, Filter…), or the lines after the plan
        if "(cost=" in text or "(actual" in text:
            nodes.append(text.split("  (")[0].strip())
    scans = [node for node in dict.fromkeys(reversed(nodes)) if " Scan " in f" {node} " and node not in nodes[:2]]
    return " → ".join(nodes[:2]) + ("; " + ", ".join(scans) if scans else "")


def memory_is_flat(samples: Sequence[tuple[float, float]]) -> dict:
    """Whether resident memory stayed flat over an import: ``samples`` are (seconds, megabytes).

    Flat when the peak of the second half of the run is at most FLAT_MEMORY_GROWTH above the
    peak of the first half (start-up, imports and the first batch all land in the first half).
    """
    if len(samples) < 4:
        return {"flat": None, "first_half_peak_mb": None, "second_half_peak_mb": None}
    middle = samples[-1][0] / 2
    first = max(mb for seconds, mb in samples if seconds <= middle)
    second = max(mb for seconds, mb in samples if seconds > middle)
    return {
        "flat": second <= first * (1 + FLAT_MEMORY_GROWTH),
        "first_half_peak_mb": round(first, 1),
        "second_half_peak_mb": round(second, 1),
    }


# --- Targets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One goal of the performance issue: ``read`` picks the measured value out of a result file.

    ``requirement``, if any, names what else must hold (no errors, flat memory), or returns None.
    ``detail``, if any, says what the value alone does not (how a documented difference is bounded),
    met or not.
    """

    name: str
    goal: float
    unit: str
    higher_is_better: bool
    read: Callable[[dict], float | None]
    requirement: Callable[[dict], str | None] = lambda result: None
    detail: Callable[[dict], str | None] = lambda result: None

    def check(self, result: dict) -> tuple[float | None, bool | None, str]:
        """(measured value, met?, how far from the goal, in words)."""
        try:
            value = self.read(result)
            problem = self.requirement(result)
        except (KeyError, TypeError):
            value, problem = None, None
        if value is None:
            return None, None, "not measured"
        met = value >= self.goal if self.higher_is_better else value <= self.goal
        misses = [] if met else [self.shortfall(value)]
        if problem:
            misses.append(problem)
        return value, not misses, "; ".join(misses) or "met"

    def shortfall(self, value: float) -> str:
        if self.unit == "ratio":
            return f"short by {self.goal - value:.2f}{TIMES}"
        if self.unit == "BM25 diff":
            return f"{-value:.3f} below BM25 ({-self.goal:.2f} allowed)"
        if self.unit == "share":
            return f"short by {self.goal - value:.0%}"
        gap = format_number(abs(value - self.goal))
        if not value:
            return f"short by {gap} {self.unit}"
        factor = self.goal / value if self.higher_is_better else value / self.goal
        return f"{'short' if self.higher_is_better else 'over'} by {gap} {self.unit} ({factor:.1f}{TIMES} off)"


def _http_errors(result: dict, page: str) -> str | None:
    errors = result["http"][page]["errors"]
    return f"{errors} errors" if errors else None


def _import_memory(result: dict) -> str | None:
    memory = result["import"]["memory"]
    if memory["flat"] is False:
        return f"memory grew from {memory['first_half_peak_mb']} to {memory['second_half_peak_mb']} MB"
    return None


def _ranking_gap(result: dict, kind: str, metric: str) -> float:
    figures = result["ranking"][kind]
    return round(figures["page"][metric] - figures["bm25"][metric], 4)


def _identical_share(result: dict) -> float:
    summary = result["exactness"]["summary"]
    return round(summary["identical_top"] / summary["queries"], 4)


def exactness_problems(summary: dict) -> list[str]:
    """What must be exact whatever the ranking windows (counts, newest order, facets, timelines) and is not."""
    return [
        f"{what} differ in {checked - equal} of {checked} queries"
        for what, equal, checked in (
            ("counts", summary["counts_equal"], summary["queries"]),
            ("newest-first pages", summary["newest_identical"], summary["queries"]),
            ("facets", summary["facets_equal"], summary["facets_checked"]),
            ("timelines", summary["timelines_equal"], summary["timelines_checked"]),
        )
        if equal < checked
    ]


def _exactness_problems(result: dict) -> str | None:
    return "; ".join(exactness_problems(result["exactness"]["summary"])) or None


def _exactness_detail(result: dict) -> str | None:
    """How the queries whose top 20 differs differ: by how much, and whether a documented window explains it."""
    summary = result["exactness"]["summary"]
    differing = summary["queries"] - summary["identical_top"]
    if not differing:
        return None
    beyond = summary["windowed"] - summary["windowed_identical"]
    if beyond == differing:
        where = "all beyond a ranking window (documented)"
    else:
        where = f"{beyond} of them beyond a ranking window (documented)" if beyond else "none beyond a ranking window"
    text = (
        f"{summary['identical_top']} of {summary['queries']} identical; "
        + ("the other differs" if differing == 1 else f"the {differing} others differ")
        + f" with overlap@20 ≥ {summary['differing_min_overlap']:.2f}, the page's 20 within the exact first "
        f"{summary['differing_worst_position']:,}, {where}"
    )
    if summary["unexplained"]:
        text += "; with no window: " + ", ".join(f"`{label}`" for label in summary["unexplained"])
    return text


# The targets of the performance issue, stated for 1,000,000 articles (ranking: at every size).
TARGETS = (
    Target(
        "search p95, relevance (counts cached)", 150, "ms", False, lambda r: r["search"]["overall"]["relevance"]["p95"]
    ),
    Target(
        "search p95, newest first (counts cached)", 60, "ms", False, lambda r: r["search"]["overall"]["newest"]["p95"]
    ),
    Target(
        "search p95, relevance, after a change to one article",
        150,
        "ms",
        False,
        lambda r: r["search"]["overall"]["relevance after a change"]["p95"],
    ),
    Target(
        "search p95, newest first, after a change to one article",
        60,
        "ms",
        False,
        lambda r: r["search"]["overall"]["newest after a change"]["p95"],
    ),
    Target(
        "search p95, relevance, nothing cached",
        150,
        "ms",
        False,
        lambda r: r["search"]["overall"]["relevance uncached"]["p95"],
    ),
    Target(
        "search p95, newest first, nothing cached",
        60,
        "ms",
        False,
        lambda r: r["search"]["overall"]["newest uncached"]["p95"],
    ),
    Target("faster than textbook at p95", 10, "ratio", True, lambda r: r["search"]["overall"]["textbook_ratio_p95"]),
    Target("article page p95, built", 15, "ms", False, lambda r: r["pages"]["article"]["p95"]),
    Target("article page p95, from the cache", 15, "ms", False, lambda r: r["pages"]["article cached"]["p95"]),
    Target(
        "article pages over HTTP, no errors",
        300,
        "req/s",
        True,
        lambda r: r["http"]["article"]["requests_per_s"],
        lambda r: _http_errors(r, "article"),
    ),
    Target(
        "search pages over HTTP, no errors",
        50,
        "req/s",
        True,
        lambda r: r["http"]["search"]["requests_per_s"],
        lambda r: _http_errors(r, "search"),
    ),
    Target("import, flat memory", 1500, "articles/s", True, lambda r: r["import"]["rate"], _import_memory),
    Target("MRR@10 vs BM25, clean", -0.02, "BM25 diff", True, lambda r: _ranking_gap(r, "clean", "mrr10")),
    Target("success@1 vs BM25, clean", -0.02, "BM25 diff", True, lambda r: _ranking_gap(r, "clean", "success1")),
    Target("MRR@10 vs BM25, foreign word", -0.02, "BM25 diff", True, lambda r: _ranking_gap(r, "foreign", "mrr10")),
    Target(
        "success@1 vs BM25, foreign word", -0.02, "BM25 diff", True, lambda r: _ranking_gap(r, "foreign", "success1")
    ),
    Target(
        "results as exact, top 20 and counts",
        1.0,
        "share",
        True,
        _identical_share,
        _exactness_problems,
        _exactness_detail,
    ),
)


def format_number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def target_cell(target: Target, result: dict) -> str:
    value, met, how = target.check(result)
    if value is None:
        return "—"
    if target.unit == "BM25 diff":
        shown = f"{value:+.3f}"
    elif target.unit == "share":
        shown = f"{value:.0%}"
    else:
        shown = format_number(value)
    if target.unit == "ratio":
        shown += TIMES
    cell = f"{shown} ✅" if met else f"{shown} ❌ {how}"
    detail = target.detail(result)
    return f"{cell} ({detail})" if detail else cell


def goal_text(target: Target) -> str:
    if target.unit == "BM25 diff":
        return "within 0.02 of BM25"
    if target.unit == "ratio":
        return f"≥ {target.goal:g}{TIMES}"
    if target.unit == "share":
        return f"{target.goal:.0%} of the mix identical to the exact computation"
    return f"{'≥' if target.higher_is_better else '≤'} {target.goal:,g} {target.unit}"


# --- The README --------------------------------------------------------------------------------------


def results_load(folder: Path = RESULTS_DIR) -> list[dict]:
    """Every result file in ``folder``, smallest corpus first."""
    results = [json.loads(path.read_text()) for path in folder.glob("*.json")]
    return sorted(results, key=lambda result: result["size"])


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def ms(figures: dict | None, *keys: str) -> str:
    if not figures:
        return "—"
    return " / ".join(format_number(figures[key]) if key in figures else "—" for key in keys)


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


INTRODUCTION = """\
# Search benchmark

Written by `make bench` (`bench/search.py`: one `<size>.json` per corpus size with every figure and
sample, then this file from all of them; `.venv/bin/python bench/report.py` rewrites it alone).
Do not edit by hand.

```sh
make bench                                        # BENCH_SIZES=10000,100000 by default
make bench BENCH_SIZES=1000000 BENCH_OPTIONS="--repeat 20"   # the corpus takes ~40 min to build once
.venv/bin/python bench/search.py --help           # rounds, instances, HTTP, import size, known items, --skip
```

**Corpus.** Each size has a database of its own on the embedded server (`bench_<size>`), loaded by
`generate_corpus --flush` and reused while the corpus is the same (size, seed, and a digest of the
generator's code and wordfreq's version, kept in a `bench_corpus` table); pending migrations are
applied to it first. The dev database is never touched.

**Server time** is that of the real views, in-process through Django's test `Client` (routing,
middleware, view, every query, template), with production settings (`DJANGO_DEBUG=0`), Django started
as the server starts it (`archive/wsgi.py`, which freezes start-up's objects out of garbage
collection). The search
mix is drawn from the corpus (rare word: 5 to 50 matches; common word: in 30 to 60% of the articles; two
words; a phrase from an article; `a -b`; `stem*`; a common word with a source or a year; an alias
that exists), several queries of each kind, each in relevance and newest order. After a warm-up
round, the queries are run in turn, round after round, rather than one query many times over. The
page logs each first-page search (`SearchLog`, one `INSERT` a request): that is part of the view, as
in production, and stays in the timings. The textbook query is Django's `SearchQuery` (websearch)
and `SearchRank` over every match, best first, first 20 plus the count, SQL only and with
PostgreSQL's default planner settings, in `--textbook-repeat` rounds of its own after the page's
(between them, reading every match's vector pushed the vectors the page reads out of memory);
the ratio is its p95 over the page's. Percentiles interpolate linearly between the two nearest
ranks (numpy's default), over the samples of every query of a kind (or of the whole mix). The
article, person (reached from sampled articles, so well-covered people come up more often) and home
pages, each person's "search all coverage" link (the search page browsing their articles), the
search page without words (the whole archive, newest first) and the sources' list are timed the same
way, each within a time budget. A facet's link is timed as a reader follows it from its search: each
search of the mix with no facet value chosen is requested with the cache emptied (untimed), then the
first link of its source, person and tag facets, each the first request of its address.

**Caching.** The search page caches its counts (total, facets, timeline), and the article, person,
tag, source and home pages their whole response, until the archive changes (`articles.caching`).
The search rounds after the warm-up find the counts cached; the rounds "after a change" write the
newest article again as it is before each request (an editor's save: every cached value is stale
but the search counts of the segments it did not touch); the uncached rounds, the other pages'
"built" figures and the SQL breakdown empty the cache before each request, as for a page's first
reader ever. HTTP runs with the cache on (in files, shared by the gunicorn workers).

**Where the time goes:** one more request per query, nothing cached, with every SQL statement timed and named by
what it does; what is not SQL is Python and round trips. Plans are EXPLAIN (ANALYZE, BUFFERS) of
the page's count and page statements, with the request's `SET` commands replayed.

**HTTP** is gunicorn on loopback (sync workers, 2 per core) under `wrk`, rotating over 500 article
addresses or over the mix's search addresses, each requested once beforehand (the caches' steady
state: pages and search counts cached); an error is a non-2xx/3xx answer or a socket error
(wrk's timeout is 10 s). **Import** is `manage.py import_articles` on a JSONL file of generated
articles (another seed) into a migrated copy of the corpus's database, the archive of that size as an
editor's import finds it (`CREATE DATABASE … TEMPLATE`); memory is the resident size of
the command and of the helper process it starts, summed, sampled from /proc, its peak the sum of
their kernel high-water marks (an upper bound). **Ranking:** known-item queries
(three distinctive words of one article; "foreign": one of them replaced by an ordinary word the
article does not contain), MRR@10 and success@1 of the search page's own order (its JSON twin,
relevance, first page) beside BM25 (tantivy, `en_stem`, k1 = 1.2, b = 0.75, the words OR-ed, title,
summary and body as one field), built in the same run. **Exactness:** each query of the mix on the
page (its JSON twin) beside the exact computation, the same search with both ranking windows as
large as the archive (every match scored): first 20 in both orders, count, facets (counted again in
Python from the matches' links) and timeline (`bench/exactness.py`).

Everything runs on one machine, the database and the load generator included, and other work on
it shows in the timings: each result records the load average before and after.

Targets are those of the performance issue, stated for 1,000,000 articles; they are shown at every
size for reference (the ranking targets hold at every size).
"""


def readme_text(results: Sequence[dict]) -> str:
    lines = [INTRODUCTION]
    if not results:
        return "\n".join([*lines, "No results yet: run `make bench`.", ""])
    lines += ["## Against the targets", ""]
    lines += table(
        ["target", "goal", *(f"{result['size']:,} articles" for result in results)],
        [[target.name, goal_text(target), *(target_cell(target, result) for result in results)] for target in TARGETS],
    )
    for result in results:
        lines += ["", *size_section(result)]
    return "\n".join(lines) + "\n"


def champions_sentence(champions: dict | None) -> str:
    """What the corpus's champion lists hold (``refresh_ranking_champions``), if the run recorded them."""
    if not champions:
        return ""
    if not champions["rows"]:
        return " No word is frequent enough for ranking champions."
    listed = f" Ranking champions: {champions['rows']:,} articles listed for {champions['lexemes']:,} lexemes"
    refreshed = champions.get("refresh_seconds")
    return listed + (f" (listed in this run in {refreshed:.0f} s)." if refreshed is not None else " (kept).")


def size_section(result: dict) -> list[str]:
    machine, corpus = result["machine"], result["corpus"]
    lines = [f"## {result['size']:,} articles", ""]
    code = result.get("code", {})
    if code.get("end") and code["end"]["digest"] != code["start"]["digest"]:
        lines += [
            f"**⚠ The archive's code changed during this run** (commit {code['start']['commit']}, digest "
            f"{code['start']['digest']} at the start; {code['end']['commit']}, {code['end']['digest']} at the end): "
            "its figures mix two versions. Run it again.",
            "",
        ]
    lines += [
        f"Run {result['started_at']} on commit `{machine['git_commit']}`"
        + (" (with uncommitted changes)" if machine.get("git_dirty") else "")
        + f"; {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB RAM, "
        f"{machine['postgresql']} (shared_buffers {machine['postgresql_settings'].get('shared_buffers')}, "
        f"jit {machine['postgresql_settings'].get('jit')}); load average {result['load']['before']} before, "
        f"{result['load']['after']} after; {result['duration_s'] / 60:.1f} min in all ("
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result.get("phase_seconds", {}).items())
        + ").",
        "",
        f"Corpus: {corpus['published']:,} published of {corpus['articles']:,} articles, seed {corpus['seed']}, "
        f"database `{corpus['database']}` "
        + (
            f"(reused, built {corpus['built_at']} in {corpus['build_seconds'] / 60:.1f} min)."
            if corpus["reused"]
            else f"(built in this run in {corpus['build_seconds'] / 60:.1f} min)."
        )
        + (
            f" The recent ranking vectors' index holds those dated from {corpus['recent_ranking_index_since']} on."
            if corpus.get("recent_ranking_index_since")
            else ""
        )
        + champions_sentence(corpus.get("ranking_champions")),
    ]
    lines += ["", *search_section(result["search"], result["settings"])]
    if "pages" in result:
        lines += ["", "### Other pages (server time, ms)", ""]
        lines += [
            "Each page is built (the cache emptied before each request), then served from the cache (each address "
            "requested once untimed first). A facet link after its search: its first reader, who came from the search.",
            "",
        ]
        lines += table(
            ["page", "p50", "p95", "p99", "requests"],
            [
                [
                    name.replace(" cached", ", from the cache"),
                    *(format_number(figures[key]) for key in ("p50", "p95", "p99")),
                    figures["n"],
                ]
                for name, figures in result["pages"].items()
            ],
        )
    if "http" in result:
        lines += ["", *http_section(result["http"])]
    if "import" in result:
        lines += ["", *import_section(result["import"])]
    if "ranking" in result:
        lines += ["", *ranking_section(result["ranking"])]
    if "exactness" in result:
        lines += ["", *exactness_section(result["exactness"])]
    if "database" in result:
        lines += ["", *database_section(result["database"])]
    return lines


def ratio(value: float) -> str:
    return f"{value:.2f}{TIMES}" if value < 1 else f"{value:.1f}{TIMES}"


def query_cell(query: dict) -> str:
    matches = f"{query['matches']:,}"
    if query.get("textbook_matches") != query["matches"]:
        matches += f"; textbook {query['textbook_matches']:,}"
    return f"`{query['label']}` ({matches})"


def search_section(search: dict, settings: dict) -> list[str]:
    lines = [
        "### Search page (server time, ms: p50 / p95 / p99)",
        "",
        f"{settings['repeat']} rounds over the mix after {settings['warmup']} warm-up round(s), "
        f"{settings['textbook_repeat']} of the textbook query; a kind pools its queries' samples. "
        "Matches: the page's total (and the textbook query's where it differs: it has no prefixes or aliases).",
        "",
    ]
    uncached = settings.get("uncached_repeat")
    changed = uncached and "relevance after a change" in search["overall"]
    if changed:
        lines[2] += (
            f" The page caches its counts until the archive changes, so those rounds find them cached; {uncached} more "
            "rounds write the newest article again as it is before each request (after a change: the first reader "
            "of a search after an editor's save, whose counts are kept by segment and counted again in the changed "
            f"one), then {uncached} empty the cache before each request (nothing cached: a search's first reader ever)."
        )
    elif uncached:
        lines[2] += (
            f" The page caches its counts until the archive changes, so those rounds find them cached; {uncached} more "
            "rounds empty the cache before each request (nothing cached: the first reader of a search after a change)."
        )

    def row(kind: str, queries: str, figures: dict) -> list[str]:
        cells = [
            kind,
            queries,
            ms(figures["relevance"], "p50", "p95", "p99"),
            ms(figures["newest"], "p50", "p95", "p99"),
        ]
        if changed:
            cells += [
                ms(figures["relevance after a change"], "p50", "p95"),
                ms(figures["newest after a change"], "p50", "p95"),
            ]
        if uncached:
            cells += [ms(figures["relevance uncached"], "p50", "p95"), ms(figures["newest uncached"], "p50", "p95")]
        return [*cells, ms(figures["textbook"], "p50", "p95", "p99"), ratio(figures["textbook_ratio_p95"])]

    rows = [
        row(kind, "<br>".join(query_cell(query) for query in search["queries"] if query["kind"] == kind), figures)
        for kind, figures in search["by_kind"].items()
    ]
    rows.append(row("**all**", "", search["overall"]))
    header = ["kind", "queries (matches)", "relevance", "newest"]
    if changed:
        header += ["relevance, after a change (p50 / p95)", "newest, after a change (p50 / p95)"]
    if uncached:
        header += ["relevance, nothing cached (p50 / p95)", "newest, nothing cached (p50 / p95)"]
    lines += table([*header, "textbook", "textbook ÷ page p95"], rows)
    lines += kept_ahead_section(search.get("kept_ahead"))
    lines += ["", *breakdown_section(search)]
    return lines


def kept_ahead_section(kept: dict | None) -> list[str]:
    """What ``keep_search_counts`` cost over the mix, and the pages its readers then got."""
    if not kept:
        return []
    after = kept["after_a_change_s"]
    pages = kept["pages"]
    return [
        "",
        f"**Counts kept ahead** (`manage.py keep_search_counts`, as cron runs it, over the mix's {kept['searches']} "
        f"searches, logged by these rounds): {format_number(kept['nothing_kept_s'])} s with nothing kept (after a "
        f"deploy, every search counted anew); after a change to one article, "
        f"{' and '.join(format_number(seconds) for seconds in after)} s (what changed, counted again). "
        "The mix's pages right after it, whose counts it kept, p50 / p95: "
        f"relevance {ms(pages['relevance'], 'p50', 'p95')} ms, newest {ms(pages['newest'], 'p50', 'p95')} ms.",
    ]


# The parts of a search page's SQL in the order a request runs them (see bench/search.py SQL_PARTS).
PART_ORDER = (
    "setup",
    "published state",
    "filter values",
    "prefixes",
    "people named",
    "ranking statistics",
    "partial matches",
    "count",
    "ranking window",
    "page",
    "page, read by id",
    "people and tags",
    "headlines",
    "facet: source",
    "facet: person",
    "facet: tag",
    "facet: year",
    "timeline",
    "suggestions",
    "search log",
    "transaction",
    "other",
)


def breakdown_section(search: dict) -> list[str]:
    """Where one page's time goes: SQL by part, averaged over the queries of each kind."""
    lines = []
    for order in ("relevance", "newest"):
        key = f"{order}_sql"
        if not all(key in query for query in search["queries"]):
            continue
        seen = {part for query in search["queries"] for part in query[key]["parts"]}
        parts = [part for part in PART_ORDER if part in seen] + sorted(seen - set(PART_ORDER))
        lines += [
            f"Where a {order} page's time goes: one request per query with its SQL timed, nothing cached, "
            "milliseconds averaged over the queries of a kind. What is not SQL is Python (the view, forms, "
            "facets' links, the template) and the round trips:",
            "",
        ]
        rows = []
        for kind in search["by_kind"]:
            queries = [query[key] for query in search["queries"] if query["kind"] == kind]

            def mean(values: list[float]) -> float:
                return sum(values) / len(values)

            cells = [
                format_number(mean([query["parts"].get(part, {}).get("ms", 0.0) for query in queries]))
                for part in parts
            ]
            sql_total, request = (
                mean([query["total_ms"] for query in queries]),
                mean([query["request_ms"] for query in queries]),
            )
            rows.append(
                [
                    kind,
                    f"{mean([query['queries'] for query in queries]):.0f}",
                    *cells,
                    format_number(sql_total),
                    format_number(request - sql_total),
                    format_number(request),
                ]
            )
        lines += table(["kind", "statements", *parts, "**SQL**", "**not SQL**", "**request**"], rows)
        lines += [""]
    lines += ["Main statements' plans (EXPLAIN ANALYZE, run once after the timings; full plans in the JSON):", ""]
    plan_rows = []
    for query in search["queries"]:
        cells = []
        for name in EXPLAINED:
            explained = query.get("explain", {}).get(name)
            cells.append(
                f"{plan_summary(explained['plan'])} ({format_number(explained['execution_ms'])} ms)"
                if explained
                else "—"
            )
        plan_rows.append([f"{query['kind']}: `{query['label']}`", *cells])
    lines += table(["query", "count", "page, relevance", "page, newest"], plan_rows)
    return lines


def http_section(http: dict) -> list[str]:
    lines = [
        f"### HTTP ({http['server']}; `wrk {http['wrk']}`)",
        "",
    ]
    rows = [
        [
            page,
            format_number(figures["requests_per_s"]),
            figures["requests"],
            figures["errors"],
            figures["non_2xx_3xx"],
            ", ".join(f"{name} {count}" for name, count in figures["socket_errors"].items() if count) or "0",
            ms(figures["latency_ms"], "p50", "p99"),
        ]
        for page, figures in http.items()
        if isinstance(figures, dict) and "requests_per_s" in figures
    ]
    lines += table(
        ["pages", "requests/s", "requests", "errors", "non-2xx/3xx", "socket errors", "latency p50 / p99 ms"], rows
    )
    return lines


def import_section(figures: dict) -> list[str]:
    memory = figures["memory"]
    flat = {True: "flat", False: "growing", None: "too short to tell"}[memory["flat"]]
    return [
        "### Import",
        "",
        f"`import_articles` of {figures['articles']:,} generated articles ({megabytes(figures['file_bytes'])} of "
        f"JSONL) into a migrated copy of the corpus's database: {figures['rate']:,.0f} articles/s by the "
        "command's own count "
        f"({figures['command_seconds']:.1f} s), {figures['wall_seconds']:.1f} s wall-clock with start-up; "
        f"peak resident memory {figures['peak_rss_mb']:.0f} MB, {flat} (first half's peak "
        f"{memory['first_half_peak_mb']} MB, second half {memory['second_half_peak_mb']} MB).",
    ]


def ranking_section(ranking: dict) -> list[str]:
    lines = [
        "### Ranking quality (known-item queries)",
        "",
        f"{ranking['queries']} articles, three distinctive words each (e.g. {ranking['examples']['clean']}); "
        f"foreign: one replaced by a word the article does not contain (e.g. {ranking['examples']['foreign']}). "
        f"BM25 index built in {ranking['bm25_index_seconds']:.0f} s.",
        "",
    ]
    rows = []
    for kind in ("clean", "foreign"):
        page, bm25 = ranking[kind]["page"], ranking[kind]["bm25"]
        rows.append(
            [
                kind,
                f"{page['mrr10']:.3f}",
                f"{bm25['mrr10']:.3f}",
                f"{page['mrr10'] - bm25['mrr10']:+.3f}",
                f"{page['success1']:.3f}",
                f"{bm25['success1']:.3f}",
                f"{page['success1'] - bm25['success1']:+.3f}",
                f"{page['found10']:.3f} / {bm25['found10']:.3f}",
            ]
        )
    lines += table(
        [
            "queries",
            "MRR@10 page",
            "MRR@10 BM25",
            "diff",
            "success@1 page",
            "success@1 BM25",
            "diff",
            "in top 10 (page / BM25)",
        ],
        rows,
    )
    return lines


def exactness_verdict(summary: dict, windows: dict) -> str:
    """In words: what is exact, and how the relevance order differs where a ranking window applies."""
    problems = exactness_problems(summary)
    sentences = [
        "**Not exact:** " + "; ".join(problems) + "."
        if problems
        else "Counts, newest-first pages, facets and timelines are the exact computation's in every query."
    ]
    window = f"{windows['rank']:,} newest matches; {windows['partial']:,} of partial matches"
    identical = f"{summary['identical_top']} of {summary['queries']}"
    if not summary["windowed"]:
        sentences.append(
            f"No query has more matches of its words than a ranking window ({window}), so relevance is exact by "
            f"construction; the top 20 is identical in {identical} (mean overlap@20 {summary['mean_overlap']:.3f})."
        )
    else:
        beyond = summary["windowed"] - summary["windowed_identical"]
        sentences.append(
            f"The relevance order may differ where the documented ranking windows apply ({window}; "
            f"`articles/search.py`): {summary['windowed']} of {summary['queries']} queries have more matches of "
            "their words (before other filters) than the window, and there only the newest are scored"
            + (
                f", with the {windows['champions']:,} articles each of their words scores best in the whole archive "
                "(its champions, where listed)"
                if windows.get("champions")
                else ""
            )
            + ", the others following by date. The top 20 is identical in "
            f"{identical} queries (mean overlap@20 "
            f"{summary['mean_overlap']:.3f})."
        )
        differing = summary["queries"] - summary["identical_top"]
        if differing:
            sentences.append(
                f"Where the top 20 differs ({differing} {'query' if differing == 1 else 'queries'}, {beyond} of them "
                f"beyond a window), the page's first 20 share as little as {summary['differing_min_overlap']:.0%} "
                "with the exact first 20 and reach down to position "
                f"{summary['differing_worst_position']:,} of the exact order: the difference is bounded in which "
                "queries it touches (those with more matches than the window), not in how much."
            )
        if summary["unscored_pages"]:
            sentences.append(
                "No result of the first page is scored for "
                + ", ".join(f"`{label}`" for label in summary["unscored_pages"])
                + ": the filters leave only matches older than the window, so the first page is in date order."
            )
    if summary["unexplained"]:
        sentences.append(
            f"**{len(summary['unexplained'])} queries differ with no window applying** ("
            + ", ".join(f"`{label}`" for label in summary["unexplained"])
            + "): that is no documented difference."
        )
    return " ".join(sentences)


def exactness_section(exactness: dict) -> list[str]:
    summary, windows = exactness["summary"], exactness["windows"]

    def mark(value: bool | None) -> str:
        return {True: "✅", False: "❌", None: "—"}[value]

    def score(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    lines = [
        "### Results against the exact computation",
        "",
        f"Each query on the page (its JSON twin) and computed exactly: the same search with both ranking windows as "
        f"large as the archive ({exactness['seconds']:.0f} s for the mix). Matches: the exact count (a window applies "
        "where they are more than it holds). Worst position: where the lowest of the "
        "page's first 20 is in the exact order. Scores: the exact score of the page's last result, and of the exact "
        "result in that place. Scored: how many of the page's first 20 have a score (the others follow by date).",
        "",
        exactness_verdict(summary, windows),
        "",
    ]
    rows = []
    for query in exactness["queries"]:
        matches = f"{query['matches']:,}"
        window = f"{query['window']:,}{' partial' if query['fallback'] else ''}" if query["window_applied"] else "—"
        top = {(True, True): "identical", (False, True): "same 20, reordered"}.get(
            (query["identical_top"], query["same_set"]), "differs"
        )
        count = mark(True) if query["count_equal"] else f"❌ {query['page_count']:,}"
        shown = min(query["matches"], exactness["top"])
        rows.append(
            [
                f"{query['kind']}: `{query['label']}`",
                matches,
                window,
                top,
                f"{query['overlap']:.2f}",
                "—" if query["worst_position"] is None else f"{query['worst_position']:,}",
                f"{score(query['page_last_score'])} / {score(query['exact_last_score'])}",
                "—" if query["page_scored"] is None else f"{query['page_scored']}/{shown}",
                count,
                mark(query["newest_identical"]),
                mark(query["facets_equal"]),
                mark(query["timeline_equal"]),
            ]
        )
    lines += table(
        [
            "query",
            "matches",
            "window",
            "top 20",
            "overlap@20",
            "worst position",
            "scores (page / exact)",
            "scored",
            "count",
            "newest",
            "facets",
            "timeline",
        ],
        rows,
    )
    return lines


def database_section(database: dict) -> list[str]:
    lines = [f"### Database: {megabytes(database['size_bytes'])} (largest tables)", ""]
    lines += table(
        ["table", "rows (estimate)", "heap", "TOAST", "indexes", "total"],
        [
            [
                table["name"],
                f"{table['rows']:,}",
                megabytes(table["heap_bytes"]),
                megabytes(table["toast_bytes"]),
                megabytes(table["indexes_bytes"]),
                megabytes(table["total_bytes"]),
            ]
            for table in database["tables"][:LARGEST_SHOWN]
        ],
    )
    lines += ["", "Largest indexes:", ""]
    lines += table(
        ["index", "table", "size"],
        [[index["name"], index["table"], megabytes(index["bytes"])] for index in database["indexes"][:LARGEST_SHOWN]],
    )
    return lines


def readme_write(folder: Path = RESULTS_DIR) -> Path:
    path = folder / README.name
    path.write_text(readme_text(results_load(folder)))
    return path


if __name__ == "__main__":
    print(f"wrote {readme_write()}", file=sys.stderr)
