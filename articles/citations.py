"""Citations of archived articles: APA 7, MLA 9 and Chicago 17 text, and BibTeX, RIS and CSL-JSON downloads.

Every function here is pure: an article (with its ``source`` and links loaded: ``article_links_load``), the
article's permanent absolute address in the archive and the day of access go in, text comes
out. So a citation reads the same on the page, in a download and in a test, and "today" is
decided once, by the caller (``timezone.localdate()``, the archive's timezone).

Each format cites the archived copy (what the reader saw, and what will still be there), and
adds what the archive knows, never more: the authors, the source, the publication date at
its known precision and the original address. The rules the styles share:

- A headline the archive wrote (``title_is_editorial``) is a description of an untitled work:
  neither italicised nor quoted, and in square brackets as APA writes such descriptions (MLA
  and Chicago set them plain; the brackets are kept there too, to show the archive wrote it).
- Titles keep the capitalisation they were published with: turning a headline into sentence
  case (APA) needs to know which words are proper nouns, which a program cannot.
- No author: the title takes the author's place (APA, MLA); Chicago puts the news outlet
  there when there is one, otherwise the title.
- Names are parsed conservatively (see ``parse_name``): only names whose parts are certain
  are inverted; anything else is cited whole, as written.
- Dates: only what is known ("(2022, October)"); an undated article is "(n.d.)" in APA and
  has no date element in MLA and Chicago, which then rely on the access date.
"""

import datetime
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from articles.models import Article, DatePrecision, Source, SourceKind

ARCHIVE_NAME = settings.ARCHIVE_NAME

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# MLA 9 abbreviates months longer than four letters in the works-cited list.
MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")

# Typographic quotation marks: double around a quoted title, single for a quotation inside it.
OUTER_OPEN, OUTER_CLOSE = "\N{LEFT DOUBLE QUOTATION MARK}", "\N{RIGHT DOUBLE QUOTATION MARK}"
INNER_OPEN, INNER_CLOSE = "\N{LEFT SINGLE QUOTATION MARK}", "\N{RIGHT SINGLE QUOTATION MARK}"

# APA 7 lists up to 20 authors; with more, the first 19, an ellipsis and the last.
APA_MAX_AUTHORS = 20
# Chicago 17 lists up to 10 authors in the bibliography; with more, the first 7 and "et al.".
CHICAGO_MAX_AUTHORS = 10
CHICAGO_AUTHORS_BEFORE_ET_AL = 7
# Chicago sets the names of periodicals in italics, and those of other websites in roman.
CHICAGO_ITALIC_SOURCES = frozenset({SourceKind.NEWS_OUTLET, SourceKind.WIRE_AGENCY, SourceKind.BLOG})


# --- Names ---------------------------------------------------------------------------------------

# Lower-case words that belong to the family name: "Ludwig van Beethoven" is "van Beethoven, Ludwig".
NAME_PARTICLES = frozenset(
    {"al", "bin", "da", "das", "de", "del", "della", "der", "di", "do", "dos", "du", "el", "ibn", "la", "le"}
    | {"ten", "ter", "van", "von", "zu"}
)
NAME_SUFFIXES = {"jr": "Jr.", "jr.": "Jr.", "sr": "Sr.", "sr.": "Sr.", "ii": "II", "iii": "III", "iv": "IV"}
_SUFFIX = re.compile(r"(?P<name>.+?),?\s+(?P<suffix>jr\.?|sr\.?|ii|iii|iv)", re.IGNORECASE)


@dataclass(frozen=True)
class Name:
    """A person's name as citation styles need it: family and given names, or a literal kept whole."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def family_with_particle(self) -> str:
        return f"{self.particle} {self.family}".strip()

    def inverted(self) -> str:
        """Family name first: "Slisco, Aila", "King, Martin Luther, Jr."; a literal as written."""
        if self.literal:
            return self.literal
        return ", ".join(part for part in (self.family_with_particle, self.given, self.suffix) if part)

    def natural(self) -> str:
        """Given name first: "Aila Slisco", "Martin Luther King, Jr."."""
        if self.literal:
            return self.literal
        name = f"{self.given} {self.family_with_particle}"
        return f"{name}, {self.suffix}" if self.suffix else name

    def with_initials(self) -> str:
        """APA's form: "Slisco, A.", "Sartre, J.-P."; a literal as written."""
        if self.literal:
            return self.literal
        initials = " ".join("-".join(f"{part[0]}." for part in word.split("-") if part) for word in self.given.split())
        return ", ".join(part for part in (self.family_with_particle, initials, self.suffix) if part)

    def key(self) -> str:
        """The word a citation key starts with: the family name, or a literal's last word."""
        return (self.literal.split() or [""])[-1] if self.literal else self.family


def parse_name(name: str) -> Name:
    """Split "Given Family" into its parts where that is certain; otherwise keep the name whole.

    Certain means: "Given Family" (two words), "Given particle Family" ("Ludwig van Beethoven"),
    either with a suffix ("Jr.", "III"), or an explicit "Family, Given". A single word ("Aziz")
    and names of three or more words ("Nick Paton Walsh": is the family name "Walsh" or "Paton
    Walsh"?) are literal: cited whole, as written, never inverted wrongly.
    """
    text = " ".join(name.split())
    suffix = ""
    if match := _SUFFIX.fullmatch(text):
        text, suffix = match["name"], NAME_SUFFIXES[match["suffix"].lower()]
    if "," in text:
        family, _, given = (part.strip() for part in text.partition(","))
        if family and given and "," not in given:
            return Name(family=family, given=given, suffix=suffix)
        return Name(literal=" ".join(name.split()))
    words = text.split()
    if len(words) == 2:
        return Name(given=words[0], family=words[1], suffix=suffix)
    if len(words) > 2 and all(word in NAME_PARTICLES for word in words[1:-1]):
        return Name(given=words[0], particle=" ".join(words[1:-1]), family=words[-1], suffix=suffix)
    return Name(literal=" ".join(name.split()))


# --- Dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartialDate:
    """A date and how much of it is known (``DatePrecision``); an unknown date is falsy."""

    date: datetime.date | None
    precision: str = DatePrecision.DAY

    def __bool__(self) -> bool:
        return self.date is not None

    def parts(self) -> list[int]:
        """[year], [year, month] or [year, month, day]: CSL's date-parts."""
        if self.date is None:
            return []
        if self.precision == DatePrecision.YEAR:
            return [self.date.year]
        if self.precision == DatePrecision.MONTH:
            return [self.date.year, self.date.month]
        return [self.date.year, self.date.month, self.date.day]

    def iso(self) -> str:
        """ISO 8601 at the known precision: "2022", "2022-10" or "2022-10-14"; "" when unknown."""
        return "-".join(f"{part:02d}" if i else f"{part:04d}" for i, part in enumerate(self.parts()))

    def long(self) -> str:
        """As the archive's pages write it: "14 October 2022", "October 2022", "2022"; "" when unknown."""
        return self._written(day="{day} {month} {year}", month="{month} {year}")

    def apa(self) -> str:
        """APA 7: "2022, October 14", "2022, October", "2022" or "n.d."."""
        return self._written(day="{year}, {month} {day}", month="{year}, {month}", unknown="n.d.")

    def mla(self) -> str:
        """MLA 9: "14 Oct. 2022", "Oct. 2022", "2022"; "" when unknown."""
        return self._written(day="{day} {month} {year}", month="{month} {year}", month_names=MLA_MONTHS)

    def chicago(self) -> str:
        """Chicago 17: "October 14, 2022", "October 2022", "2022"; "" when unknown."""
        return self._written(day="{month} {day}, {year}", month="{month} {year}")

    def _written(self, *, day: str, month: str, unknown: str = "", month_names: tuple[str, ...] = MONTHS) -> str:
        """The date by the pattern for its precision (a year alone is always "2022")."""
        if self.date is None:
            return unknown
        pattern = {DatePrecision.YEAR: "{year}", DatePrecision.MONTH: month}.get(self.precision, day)
        return pattern.format(year=self.date.year, month=month_names[self.date.month - 1], day=self.date.day)


def iso_date(date: datetime.date | None, precision: str) -> str:
    """``date`` in ISO 8601 at its known precision ("2022-10" for a month-precise date); "" for none."""
    return PartialDate(date, precision).iso()


# --- What is cited -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citable:
    """What every format needs to know about an article, read once from the model."""

    title: str
    title_is_editorial: bool
    names: tuple[Name, ...]
    source: Source | None
    published: PartialDate
    original_url: str
    archive_url: str
    accessed: datetime.date
    slug: str
    language: str
    summary: str
    body_sha256: str

    @property
    def supplied_title(self) -> str:
        """The title as the formats print it: a headline the archive wrote goes in square brackets."""
        return f"[{self.title}]" if self.title_is_editorial else self.title

    @property
    def key(self) -> str:
        """A citation key: first author's family name (or the slug's first word), year, first title word.

        ASCII letters and digits only: "slisco2022russias", "persecution2024", "hicksnd…" when undated.
        """
        words = self.slug.split("-")
        year = str(self.published.date.year) if self.published else "nd"
        if self.names:
            return "".join(slugify(part).replace("-", "") for part in (self.names[0].key(), year, words[0]))
        return f"{words[0]}{year}"


def citable(article: Article, *, archive_url: str, accessed: datetime.date) -> Citable:
    """Read ``article`` (``source`` and links loaded: ``models.article_links_load``) into a ``Citable``."""
    return Citable(
        title=" ".join(article.title.split()),
        title_is_editorial=article.title_is_editorial,
        names=tuple(parse_name(person.name) for person in article.listed_authors),
        source=article.source,
        published=PartialDate(article.published_on, article.published_precision),
        original_url=article.url,
        archive_url=archive_url,
        accessed=accessed,
        slug=article.slug,
        language=article.language,
        summary=" ".join(article.summary.split()),
        body_sha256=article.body_sha256,
    )


# --- Text styles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """One citation as HTML (titles and containers in ``<i>``, the rest escaped) and as plain text."""

    html: SafeString
    text: str


class CitationBuilder:
    """Pieces of a citation, each italic or not, rendered once as HTML and once as text: the two never differ."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, bool]] = []

    def add(self, text: str, *, italic: bool = False) -> "CitationBuilder":
        if text:
            self.pieces.append((text, italic))
        return self

    def build(self) -> Citation:
        html = "".join(format_html("<i>{}</i>", text) if italic else conditional_escape(text) for text, italic in self)
        return Citation(html=mark_safe(html), text="".join(text for text, _ in self))  # each piece escaped above

    def __iter__(self):
        return iter(self.pieces)


def ending(text: str) -> str:
    """What closes an element: a period, unless the text already ends in ".", "?" or "!"."""
    return "" if text.endswith((".", "?", "!")) else "."


def quoted_title(citation: CitationBuilder, work: Citable) -> None:
    """MLA's and Chicago's article title: “Title.” (the period inside), or a supplied [Title]."""
    if work.title_is_editorial:
        citation.add(f"{work.supplied_title}. ")
        return
    # A quotation inside a quoted title takes single quotation marks.
    title = re.sub(r'"([^"]*)"', rf"{INNER_OPEN}\1{INNER_CLOSE}", work.title)
    title = title.replace(OUTER_OPEN, INNER_OPEN).replace(OUTER_CLOSE, INNER_CLOSE)
    citation.add(f"{OUTER_OPEN}{title}{ending(title)}{OUTER_CLOSE} ")


def join_names(names: Sequence[str], *, last_separator: str) -> str:
    """ "A", "A, and B" (or "A, & B"), "A, B, and C": a serial comma before the last name, as all three styles do."""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f", {last_separator} {names[-1]}"


def apa_authors(names: Sequence[Name]) -> str:
    """APA 7: every author with initials, "&" before the last; 21 or more: the first 19, "…", the last."""
    formatted = [name.with_initials() for name in names]
    if len(formatted) > APA_MAX_AUTHORS:
        return ", ".join(formatted[: APA_MAX_AUTHORS - 1]) + ", . . . " + formatted[-1]
    return join_names(formatted, last_separator="&")


def mla_authors(names: Sequence[Name]) -> str:
    """MLA 9: "Family, Given", "Family, Given, and Given Family", or "Family, Given, et al." for three or more."""
    if len(names) >= 3:
        return f"{names[0].inverted()}, et al."
    return join_names([names[0].inverted(), *(name.natural() for name in names[1:])], last_separator="and")


def chicago_authors(names: Sequence[Name]) -> str:
    """Chicago 17: the first inverted, the others given name first; over ten: the first seven, "et al."."""
    formatted = [names[0].inverted(), *(name.natural() for name in names[1:])]
    if len(formatted) > CHICAGO_MAX_AUTHORS:
        return ", ".join(formatted[:CHICAGO_AUTHORS_BEFORE_ET_AL]) + ", et al."
    return join_names(formatted, last_separator="and")


def apa(article: Article, *, archive_url: str, accessed: datetime.date) -> Citation:
    """APA 7, as a web page on a news website: the title in italics, the site in roman.

    ``Slisco, A. (2022, October). [Headline]. Newsweek. Retrieved May 3, 2025, from https://…``;
    with no author the title leads: ``*Title*. (2024). Retrieved …``. The original address, when
    known, follows in parentheses.
    """
    work = citable(article, archive_url=archive_url, accessed=accessed)
    citation = CitationBuilder()
    date = f"({work.published.apa()}). "

    def add_title() -> None:
        if work.title_is_editorial:
            citation.add(f"{work.supplied_title}. ")
        else:
            citation.add(work.title, italic=True).add(f"{ending(work.title)} ")

    if work.names:
        authors = apa_authors(work.names)
        citation.add(f"{authors}{ending(authors)} {date}")
        add_title()
    else:
        add_title()
        citation.add(date)
    if work.source:
        citation.add(f"{work.source.name}{ending(work.source.name)} ")
    citation.add(f"Retrieved {PartialDate(accessed).chicago()}, from {archive_url}")
    if work.original_url:
        citation.add(f" (originally published at {work.original_url})")
    return citation.build()


def mla(article: Article, *, archive_url: str, accessed: datetime.date) -> Citation:
    """MLA 9, with two containers: the original publication, then the archive.

    ``Slisco, Aila. [Headline]. *Newsweek*, Oct. 2022, https://original. *News archive*,
    https://…. Accessed 3 May 2025.`` The original's elements (source, date, address) are
    given as far as known; the access date is always given, since the archive's copy is what
    was consulted.
    """
    work = citable(article, archive_url=archive_url, accessed=accessed)
    citation = CitationBuilder()
    if work.names:
        authors = mla_authors(work.names)
        citation.add(f"{authors}{ending(authors)} ")
    quoted_title(citation, work)
    original = [(work.source.name, True)] if work.source else []
    original += [(element, False) for element in (work.published.mla(), work.original_url) if element]
    for i, (element, italic) in enumerate(original):
        citation.add(", " if i else "").add(element, italic=italic)
    if original:
        citation.add(". ")
    citation.add(ARCHIVE_NAME, italic=True).add(f", {archive_url}. ")
    citation.add(f"Accessed {PartialDate(accessed).mla()}.")
    return citation.build()


def chicago(article: Article, *, archive_url: str, accessed: datetime.date) -> Citation:
    """Chicago 17, notes and bibliography: the bibliography entry for a news article.

    ``Slisco, Aila. [Headline]. *Newsweek*, October 2022. https://original. Archived in News
    archive. Accessed May 3, 2025. https://….`` Unsigned: the outlet leads. News
    outlets, wire agencies and blogs are italic; other organisations' sites are roman.
    """
    work = citable(article, archive_url=archive_url, accessed=accessed)
    citation = CitationBuilder()
    source_italic = bool(work.source) and work.source.kind in CHICAGO_ITALIC_SOURCES
    if work.names:
        authors = chicago_authors(work.names)
        citation.add(f"{authors}{ending(authors)} ")
    elif work.source:
        citation.add(work.source.name, italic=source_italic).add(f"{ending(work.source.name)} ")
    quoted_title(citation, work)
    if work.names and work.source:
        citation.add(work.source.name, italic=source_italic)
        citation.add(f", {work.published.chicago()}. " if work.published else f"{ending(work.source.name)} ")
    elif work.published:
        citation.add(f"{work.published.chicago()}. ")
    if work.original_url:
        citation.add(f"{work.original_url}. ")
    citation.add(f"Archived in {ARCHIVE_NAME}. Accessed {PartialDate(accessed).chicago()}. {archive_url}.")
    return citation.build()


@dataclass(frozen=True)
class TextStyle:
    key: str
    label: str
    cite: Callable[..., Citation]


TEXT_STYLES = (
    TextStyle("apa", "APA (7th edition)", apa),
    TextStyle("mla", "MLA (9th edition)", mla),
    TextStyle("chicago", "Chicago (17th edition, bibliography)", chicago),
)


@dataclass(frozen=True)
class StyledCitation:
    style: TextStyle
    citation: Citation


def text_citations(article: Article, *, archive_url: str, accessed: datetime.date) -> list[StyledCitation]:
    """The article in every text style, in the order the page shows them."""
    return [
        StyledCitation(style, style.cite(article, archive_url=archive_url, accessed=accessed)) for style in TEXT_STYLES
    ]


# --- Downloads -----------------------------------------------------------------------------------

# Characters LaTeX reads as commands, and how to print them literally.
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped, so it prints as written."""
    return "".join(LATEX_SPECIALS.get(character, character) for character in " ".join(text.split()))


def bibtex_name(name: Name) -> str:
    """BibTeX's "von Last, Jr, First"; a literal name braced, so BibTeX never splits it."""
    if name.literal:
        return "{" + latex_escape(name.literal) + "}"
    parts = (name.family_with_particle, name.suffix, name.given)
    return ", ".join(latex_escape(part) for part in parts if part)


def bibtex(article: Article, *, archive_url: str, accessed: datetime.date) -> str:
    """A biblatex ``@online`` entry (also read by BibTeX-based tools: ``year`` is given beside ``date``).

    The title is braced twice so styles keep its capitalisation; LaTeX specials are escaped
    everywhere; the URL field is verbatim in biblatex, so the address is only made ASCII and
    brace-free (``iri_to_uri``).
    """
    work = citable(article, archive_url=archive_url, accessed=accessed)
    fields = [("title", "{" + latex_escape(work.supplied_title) + "}")]
    if work.names:
        fields.append(("author", " and ".join(bibtex_name(name) for name in work.names)))
    if work.published:
        fields += [("date", work.published.iso()), ("year", str(work.published.date.year))]
    if work.source:
        fields += [("organization", latex_escape(work.source.name)), ("journaltitle", latex_escape(work.source.name))]
    fields += [("url", iri_to_uri(archive_url)), ("urldate", accessed.isoformat())]
    fields.append(("note", latex_escape(archive_note(work, separator=" "))))
    lines = [f"@online{{{work.key},", *(f"  {name} = {{{value}}}," for name, value in fields), "}"]
    return "\n".join(lines) + "\n"


def archive_note(work: Citable, *, separator: str) -> str:
    """The archive's note: the original address when known, and the digest of the archived text."""
    notes = [f"Original URL: {work.original_url}."] if work.original_url else []
    notes.append(f"SHA-256 of the archived text: {work.body_sha256}.")
    return separator.join(notes)


RIS_LINE_END = "\r\n"  # the RIS specification's line ending


def ris(article: Article, *, archive_url: str, accessed: datetime.date) -> str:
    """An RIS record (type NEWS): one tag a line, ``TAG  - value``, CRLF line endings, closed by ``ER``."""
    work = citable(article, archive_url=archive_url, accessed=accessed)
    tags = [("TY", "NEWS"), ("TI", work.supplied_title)]
    tags += [("AU", name.inverted()) for name in work.names]
    if work.published:
        tags.append(("PY", str(work.published.date.year)))
        if work.published.precision != DatePrecision.YEAR:
            # YYYY/MM/DD/other, unknown parts left empty.
            parts = [f"{part:02d}" for part in work.published.parts()[1:]]
            tags.append(("DA", "/".join([str(work.published.date.year), *parts, "", ""][:4])))
    if work.source:
        tags.append(("T2", work.source.name))
    tags += [("UR", archive_url), ("Y2", accessed.strftime("%Y/%m/%d"))]
    if work.original_url:
        tags.append(("N1", f"Original URL: {work.original_url}"))
    tags += [("N1", f"SHA-256 of the archived text: {work.body_sha256}"), ("DB", ARCHIVE_NAME)]
    if work.language:
        tags.append(("LA", work.language))
    if work.summary:
        tags.append(("AB", work.summary))
    tags.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(value.split())}{RIS_LINE_END}" for tag, value in tags)


def csl_name(name: Name) -> dict:
    if name.literal:
        return {"literal": name.literal}
    parts = {"family": name.family, "given": name.given, "non-dropping-particle": name.particle, "suffix": name.suffix}
    return {key: value for key, value in parts.items() if value}


def csl_json(article: Article, *, archive_url: str, accessed: datetime.date) -> str:
    """CSL-JSON: an array holding one ``article-newspaper`` item, dates as date-parts at their known precision."""
    work = citable(article, archive_url=archive_url, accessed=accessed)
    item = {"id": work.key, "type": "article-newspaper", "title": work.supplied_title}
    if work.names:
        item["author"] = [csl_name(name) for name in work.names]
    if work.published:
        item["issued"] = {"date-parts": [work.published.parts()]}
    item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
    item["URL"] = archive_url
    if work.source:
        item["container-title"] = work.source.name
    item["archive"] = ARCHIVE_NAME
    item["note"] = archive_note(work, separator="\n")
    if work.language:
        item["language"] = work.language
    if work.summary:
        item["abstract"] = work.summary
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class CitationDownload:
    """A citation file: its URL suffix (``cite.<fmt>``), name, media type and how it is written."""

    fmt: str
    label: str
    content_type: str
    write: Callable[..., str]

    def filename(self, article: Article) -> str:
        return f"{article.slug}.{self.fmt}"


DOWNLOADS = {
    download.fmt: download
    for download in (
        CitationDownload("bib", "BibTeX", "application/x-bibtex; charset=utf-8", bibtex),
        CitationDownload("ris", "RIS", "application/x-research-info-systems; charset=utf-8", ris),
        CitationDownload("csl.json", "CSL-JSON", "application/vnd.citationstyles.csl+json", csl_json),
    )
}
