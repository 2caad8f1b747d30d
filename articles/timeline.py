"""Articles over time: a month-by-month bar chart, and the span of a set of articles' dates.

``timeline_for(queryset)`` counts any article QuerySet by month in one aggregate query
(``TruncMonth`` + ``Count``) and returns a ``Timeline``, which the partial
``articles/_timeline.html`` draws as server-rendered inline SVG, through ``timeline_chart``
(``{% timeline_chart timeline %}``), which keeps the drawings it made last::

    {% load archive_tags %}{% timeline_chart timeline %}

``timeline_from_counts(rows)`` builds the same ``Timeline`` from rows counted elsewhere (the
search page counts its results' months in the statement that counts its facets).

How each kind of date is counted (the archive keeps a date's precision, see ``DatePrecision``):

- **Day or month precision**: counted in its month, as a bar. Months in between with no
  articles are bars of zero, so gaps in coverage show as gaps.
- **Year precision** (stored as 1 January): *not* a bar. Putting these articles in January
  would draw a spike the archive knows nothing about (three of the five seed articles are
  dated only to the year). They are counted per year in ``Timeline.year_only`` and drawn as a
  band across the whole of their year, below the bars, labelled with the count; the text under
  the chart and the table for screen readers say the same in words. Their years are always
  inside the chart's range. When no article is dated to the month, only the bands are drawn.
- **No date**: left out of the chart, counted in ``Timeline.undated`` and said in words.

The SVG has no ``viewBox``: horizontal positions are percentages of its width and vertical
ones are pixels, so it fills any width (375 px phone or desktop) while its text stays the
same readable size instead of shrinking with the drawing.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils.dateformat import format as format_date
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from articles.models import Article, DatePrecision

# Vertical layout of the chart, in pixels: the plot of bars, the x-axis labels, then the year-only bands.
# With no article dated to the month there is no plot: the bands come first, their years under them.
PLOT_TOP = 32  # room above the plot for the axis title and the top gridline's label
PLOT_HEIGHT = 100
BASELINE = PLOT_TOP + PLOT_HEIGHT
TICK_LENGTH = 4
TICK_LABEL_GAP = 18  # from the line above to the baseline of the x-axis labels
BAND_LEGEND_GAP = 22  # from the line above to the baseline of "Dated only to the year"
BAND_GAP = 6  # from that legend to the top of the bands
BAND_HEIGHT = 20
FIRST_TEXT_Y = 12
BOTTOM_MARGIN = 6

# Horizontal layout, in percent of the chart's width.
BAR_FILL = 0.7  # share of a month's slot its bar takes
MAX_BAR_WIDTH = 6.0  # so that a handful of months do not turn into slabs
EDGE = 8.0  # a label centred closer than this to an edge is aligned to the edge instead

# Tick labels: at most this many, so they fit a phone's width ("Sep 2022" is about 55 px).
MAX_MONTH_LABELS = 5
MAX_YEAR_LABELS = 6
MONTH_STEPS = (1, 2, 3, 6)  # months between labels, aligned to the calendar (Jan, Apr, Jul, Oct…)
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100)
MONTH_MODE_MAX_MONTHS = 12  # longer spans are labelled by year, so every year on the chart is named

_PRECISION_ORDER = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2}


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _month_from_index(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


@lru_cache(maxsize=4096)
def _month_label(month: datetime.date, language: str | None) -> str:
    """The month as "October 2022" in ``language``: a search page labels up to 300 months, the same each time."""
    return format_date(month, "F Y")


def _articles(count: int) -> str:
    return f"{count} article" if count == 1 else f"{count} articles"


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class MonthCount:
    month: datetime.date  # the 1st of the month
    count: int

    @property
    def label(self) -> str:
        return _month_label(self.month, get_language())


@dataclass(frozen=True)
class YearCount:
    year: int
    count: int


@dataclass(frozen=True)
class Bar:
    label: str  # "October 2022: 1 article", shown as a tooltip
    x: str  # percent
    width: str  # percent
    y: int
    height: int


@dataclass(frozen=True)
class Tick:
    x: str  # percent: where the tick mark is
    label: str
    label_x: str  # percent
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True)
class Band:
    year: int
    count: int
    label: str
    x: str  # percent
    width: str  # percent
    label_x: str  # percent


@dataclass(frozen=True)
class Timeline:
    """Published articles per month, with the year-only and undated ones counted apart.

    ``months`` runs without gaps from the first to the last month of the range (zeros
    included); the range covers every month-dated article and the whole of every year that
    has year-only articles. The remaining properties lay the chart out for the template.
    """

    months: tuple[MonthCount, ...]
    year_only: tuple[YearCount, ...]
    undated: int

    @cached_property
    def month_total(self) -> int:
        return sum(m.count for m in self.months)

    @cached_property
    def year_only_total(self) -> int:
        return sum(y.count for y in self.year_only)

    @property
    def total(self) -> int:
        return self.month_total + self.year_only_total + self.undated

    @property
    def is_empty(self) -> bool:
        """True when no article has a date, so there is nothing to draw."""
        return not self.months

    @cached_property
    def max_count(self) -> int:
        return max((m.count for m in self.months), default=0)

    @property
    def first_month(self) -> MonthCount | None:
        return self.months[0] if self.months else None

    @property
    def last_month(self) -> MonthCount | None:
        return self.months[-1] if self.months else None

    @cached_property
    def counted_months(self) -> list[MonthCount]:
        """The months that have articles, for the text alternative."""
        return [m for m in self.months if m.count]

    @cached_property
    def busiest(self) -> MonthCount | None:
        """The first month with the most articles, if any article is dated to the month."""
        return max(self.counted_months, key=lambda m: m.count, default=None)

    @property
    def has_bars(self) -> bool:
        """False when every dated article is dated only to the year: then only bands are drawn."""
        return self.max_count > 0

    # --- Vertical layout (pixels) -----------------------------------------------------------

    plot_top = PLOT_TOP
    max_label_y = PLOT_TOP - 5
    baseline = BASELINE
    tick_end = BASELINE + TICK_LENGTH
    band_height = BAND_HEIGHT

    @property
    def band_legend_y(self) -> int:
        return BASELINE + TICK_LABEL_GAP + BAND_LEGEND_GAP if self.has_bars else FIRST_TEXT_Y

    @property
    def band_top(self) -> int:
        return self.band_legend_y + BAND_GAP

    @property
    def band_label_y(self) -> int:
        return self.band_top + BAND_HEIGHT // 2 + 4

    @property
    def tick_label_y(self) -> int:
        return BASELINE + TICK_LABEL_GAP if self.has_bars else self.band_top + BAND_HEIGHT + TICK_LABEL_GAP

    @property
    def height(self) -> int:
        bottom = self.band_top + BAND_HEIGHT if self.has_bars and self.year_only else self.tick_label_y
        return bottom + BOTTOM_MARGIN

    @property
    def title(self) -> str:
        if self.is_empty:
            return "No dated articles"
        if not self.has_bars:
            first, last = self.first_month.month.year, self.last_month.month.year
            return f"Published articles by year, {first}" + (f" to {last}" if last != first else "")
        return f"Published articles per month, {self.first_month.label} to {self.last_month.label}"

    @cached_property
    def summary(self) -> str:
        """A few sentences for the chart's accessible name."""
        if self.is_empty:
            return "No dated articles."
        if not self.has_bars:
            years = ", ".join(f"{y.year}: {y.count}" for y in self.year_only)
            parts = [f"Chart of {_articles(self.year_only_total)}, all dated only to the year ({years})."]
            if self.undated:
                parts.append(f"{_articles(self.undated)} without a date, not shown.")
            return " ".join(parts)
        parts = [
            f"Bar chart of {_articles(self.month_total + self.year_only_total)} by month of publication, "
            f"{self.first_month.label} to {self.last_month.label}."
        ]
        if busiest := self.busiest:
            parts.append(f"Busiest month: {busiest.label}, {_articles(busiest.count)}.")
        if self.year_only:
            years = ", ".join(f"{y.year}: {y.count}" for y in self.year_only)
            parts.append(f"{_articles(self.year_only_total)} dated only to the year ({years}).")
        if self.undated:
            parts.append(f"{_articles(self.undated)} without a date, not shown.")
        return " ".join(parts)

    # --- Geometry -------------------------------------------------------------------------

    @cached_property
    def _slot(self) -> float:
        return 100 / len(self.months)

    def _x(self, month_offset: float) -> float:
        return month_offset * self._slot

    @cached_property
    def bars(self) -> list[Bar]:
        width = min(self._slot * BAR_FILL, MAX_BAR_WIDTH)
        bars = []
        for offset, month in enumerate(self.months):
            if not month.count:
                continue
            height = round(PLOT_HEIGHT * month.count / self.max_count)
            bars.append(
                Bar(
                    label=f"{month.label}: {_articles(month.count)}",
                    x=_pct(self._x(offset + 0.5) - width / 2),
                    width=_pct(width),
                    y=BASELINE - height,
                    height=height,
                )
            )
        return bars

    # --- Markup of the long lists ------------------------------------------------------------
    # A common word's results span 300 months, each with a bar and a row in the table for screen
    # readers: drawn by the template language they took 10 to 20 ms of a search page (profiled
    # at 100,000 articles), joined here a few milliseconds. Every value is escaped.

    @cached_property
    def bars_markup(self) -> SafeString:
        return format_html_join(
            "\n",
            '<rect class="bar" x="{}%" y="{}" width="{}%" height="{}"><title>{}</title></rect>',
            ((bar.x, bar.y, bar.width, bar.height, bar.label) for bar in self.bars),
        )

    @cached_property
    def month_rows_markup(self) -> SafeString:
        return format_html_join(
            "\n",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((month.label, month.count) for month in self.counted_months),
        )

    def _label(self, start: float, end: float, text: str, tick_at: float) -> Tick:
        """A label centred on the months from ``start`` to ``end`` (offsets), kept inside the chart."""
        centre = self._x((start + end) / 2)
        if centre < EDGE:
            label_x, anchor = self._x(start), "start"
        elif centre > 100 - EDGE:
            label_x, anchor = self._x(end), "end"
        else:
            label_x, anchor = centre, "middle"
        return Tick(x=_pct(self._x(tick_at)), label=text, label_x=_pct(label_x), anchor=anchor)

    @cached_property
    def ticks(self) -> list[Tick]:
        """Labels for the x axis: months for spans up to a year with bars, otherwise years."""
        if self.is_empty:
            return []
        count = len(self.months)
        first = _month_index(self.months[0].month)
        if count <= MONTH_MODE_MAX_MONTHS and self.has_bars:
            step = next((s for s in MONTH_STEPS if -(-count // s) <= MAX_MONTH_LABELS), MONTH_STEPS[-1])
            return [
                self._label(offset, offset + 1, format_date(month.month, "M Y"), tick_at=offset + 0.5)
                for offset, month in enumerate(self.months)
                if (first + offset) % step == 0
            ]
        first_year, last_year = self.months[0].month.year, self.months[-1].month.year
        years = last_year - first_year + 1
        step = next((s for s in YEAR_STEPS if -(-years // s) <= MAX_YEAR_LABELS), YEAR_STEPS[-1])
        ticks = []
        for year in range(first_year, last_year + 1):
            if year % step:
                continue
            start = max(year * 12 - first, 0)
            end = min((year + 1) * 12 - first, count)
            ticks.append(self._label(start, end, str(year), tick_at=start))
        return ticks

    @cached_property
    def bands(self) -> list[Band]:
        first = _month_index(self.months[0].month) if self.months else 0
        bands = []
        for year in self.year_only:
            start = year.year * 12 - first
            bands.append(
                Band(
                    year=year.year,
                    count=year.count,
                    label=f"{year.year}, month unknown: {_articles(year.count)}",
                    x=_pct(self._x(start)),
                    width=_pct(self._x(12)),
                    label_x=_pct(self._x(start + 6)),
                )
            )
        return bands


def _countable(queryset: QuerySet) -> QuerySet:
    """``queryset`` in a form that can be grouped: DISTINCT, sliced or combined ones are re-selected by id."""
    query = queryset.query
    if query.is_sliced:  # which rows a slice holds depends on its order: keep it
        return Article.objects.filter(pk__in=queryset.values("pk"))
    if query.distinct or query.combinator:
        return Article.objects.filter(pk__in=queryset.order_by().values("pk"))
    return queryset.order_by()


def timeline_for(queryset: QuerySet) -> Timeline:
    """The month-by-month timeline of the articles in ``queryset``: one aggregate query.

    ``queryset`` is any Article QuerySet (filtered, searched, annotated); pass it unpaginated.
    See the module docstring for how year-only and undated articles are counted.
    """
    rows = (
        _countable(queryset)
        .annotate(timeline_month=TruncMonth("published_on"))
        .values("timeline_month", "published_precision")
        .annotate(timeline_count=Count("pk"))
        .values_list("timeline_month", "published_precision", "timeline_count")
    )
    return timeline_from_counts(rows)


#: Articles counted by month: the first day of their month (None when undated), their date's
#: precision (``DatePrecision``), and how many. A (month, precision) pair may come more than once.
MonthCountRow = tuple[datetime.date | None, str, int]


# How many drawings ``timeline_chart`` keeps, in each server process. A common word's chart is
# 300 months, some 60 KB of markup.
CHART_CACHE_SIZE = 128


def timeline_chart(timeline: "Timeline") -> SafeString:
    """``articles/_timeline.html`` drawn for ``timeline``.

    A drawing depends on the counts alone (and the language of its labels), so the same counts
    are drawn once: a search page's counts come from the cache (``articles.caching``) while the
    archive is unchanged, and drawing a common word's 300 months took some 8 ms of its page.
    """
    return _timeline_chart(timeline, get_language())


@lru_cache(maxsize=CHART_CACHE_SIZE)
def _timeline_chart(timeline: "Timeline", language: str | None) -> SafeString:
    return render_to_string("articles/_timeline.html", {"timeline": timeline})


def timeline_from_counts(rows: Iterable[MonthCountRow]) -> Timeline:
    """The timeline of articles already counted by month and precision (see ``MonthCountRow``)."""
    by_month: dict[int, int] = {}
    by_year: dict[int, int] = {}
    undated = 0
    for month, precision, count in rows:
        if month is None:
            undated += count
        elif precision == DatePrecision.YEAR:
            by_year[month.year] = by_year.get(month.year, 0) + count
        else:
            index = _month_index(month)
            by_month[index] = by_month.get(index, 0) + count

    starts = [*by_month, *(year * 12 for year in by_year)]
    ends = [*by_month, *(year * 12 + 11 for year in by_year)]
    months = ()
    if starts:
        months = tuple(
            MonthCount(_month_from_index(index), by_month.get(index, 0)) for index in range(min(starts), max(ends) + 1)
        )
    year_only = tuple(YearCount(year, by_year[year]) for year in sorted(by_year))
    return Timeline(months=months, year_only=year_only, undated=undated)


@dataclass(frozen=True)
class PreciseDate:
    """A date with its precision, as articles store them (see ``DatePrecision``)."""

    date: datetime.date
    precision: str

    @property
    def period_end(self) -> datetime.date:
        """The last day the date may stand for: 31 December for a year, the month's last day for a month."""
        if self.precision == DatePrecision.YEAR:
            return datetime.date(self.date.year, 12, 31)
        if self.precision == DatePrecision.MONTH:
            next_month = _month_from_index(_month_index(self.date) + 1)
            return next_month - datetime.timedelta(days=1)
        return self.date


@dataclass(frozen=True)
class DateSpan:
    """How many articles there are and the dates they span, each end at its own precision."""

    count: int
    undated: int
    first: PreciseDate | None
    last: PreciseDate | None


def span_for(queryset: QuerySet) -> DateSpan:
    """The count and date span of the articles in ``queryset``: one aggregate query.

    ``first`` is the earliest stored date (on a tie, the more precise one); ``last`` is the
    date whose period ends last, so an article dated only "2024" ends the span at "2024",
    not at a day-precise date earlier in 2024 that it may well come after.
    """
    aggregates = {"count": Count("pk"), "undated": Count("pk", filter=Q(published_on__isnull=True))}
    for precision in DatePrecision.values:
        dated = Q(published_precision=precision)
        aggregates[f"first_{precision}"] = Min("published_on", filter=dated)
        aggregates[f"last_{precision}"] = Max("published_on", filter=dated)
    result = _countable(queryset).aggregate(**aggregates)
    firsts = [PreciseDate(result[f"first_{p}"], p) for p in DatePrecision.values if result[f"first_{p}"]]
    lasts = [PreciseDate(result[f"last_{p}"], p) for p in DatePrecision.values if result[f"last_{p}"]]
    return span_from_bounds(result["count"], result["undated"], firsts, lasts)


def span_from_bounds(count: int, undated: int, firsts: list[PreciseDate], lasts: list[PreciseDate]) -> DateSpan:
    """The span whose candidates for first and last date (one of each precision) are these.

    ``first`` is the earliest (on a tie, the more precise); ``last`` the one whose period ends last.
    """
    return DateSpan(
        count=count,
        undated=undated,
        first=min(firsts, key=lambda d: (d.date, _PRECISION_ORDER[d.precision]), default=None),
        last=max(lasts, key=lambda d: (d.period_end, -_PRECISION_ORDER[d.precision]), default=None),
    )
