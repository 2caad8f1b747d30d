"""Citations (articles.citations), their downloads (articles.views.citations) and the "Cite this" section."""

import datetime
import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles import citations
from articles.citations import DOWNLOADS, Name, PartialDate, apa, bibtex, chicago, csl_json, mla, parse_name, ris
from articles.models import Article, ArticleStatus, DatePrecision, SourceKind, article_links_load
from tests.factories import ArticleFactory, PersonFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db

ACCESSED = datetime.date(2025, 5, 3)
ARCHIVE_URL = "https://archive.example.org/articles/7/officials-confirm-the-call-up/"
ORIGINAL_URL = "https://daily.example.com/2022/10/14/call-up"
SHA_LINE = re.compile(r"SHA-256 of the archived text: [0-9a-f]{64}\.?")


def cite(article: Article) -> dict:
    """Every format for ``article`` (its links loaded as the pages load them), at the test's archive
    address and access date."""
    article_links_load([article])
    kwargs = {"archive_url": ARCHIVE_URL, "accessed": ACCESSED}
    return {
        "apa": apa(article, **kwargs),
        "mla": mla(article, **kwargs),
        "chicago": chicago(article, **kwargs),
        "bib": bibtex(article, **kwargs),
        "ris": ris(article, **kwargs),
        "csl": csl_json(article, **kwargs),
    }


def bibtex_entry(text: str) -> tuple[str, str, dict]:
    """(entry type, key, fields) of one BibTeX entry written one field a line."""
    head, *lines, end = text.rstrip("\n").split("\n")
    entry_type, key = re.fullmatch(r"@(\w+)\{([a-z0-9]+),", head).groups()
    assert end == "}"
    fields = {}
    for line in lines:
        name, value = re.fullmatch(r"  (\w+) = \{(.*)\},", line).groups()
        assert value.count("{") - value.count(r"\{") == value.count("}") - value.count(r"\}"), line
        fields[name] = value
    return entry_type, key, fields


def ris_tags(text: str) -> list[tuple[str, str]]:
    """The (tag, value) lines of one RIS record, checking the format: CRLF, ``XX  - value``, ends with ER."""
    assert text.endswith("ER  - \r\n")
    lines = text.split("\r\n")[:-1]
    assert not any("\n" in line or "\r" in line for line in lines)
    tags = [re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line).groups() for line in lines]
    assert tags[0] == ("TY", "NEWS")
    return tags


def csl_item(text: str) -> dict:
    items = json.loads(text)
    assert isinstance(items, list)
    assert len(items) == 1
    return items[0]


@pytest.fixture
def full_article():
    """An article with everything known: a news outlet, two authors, a day-precise date and its original URL."""
    source = SourceFactory(name="The Daily Record", kind=SourceKind.NEWS_OUTLET, homepage="https://daily.example.com/")
    article = ArticleFactory(
        title="Officials confirm the call-up",
        slug="officials-confirm-the-call-up",
        source=source,
        published_on=datetime.date(2022, 10, 14),
        published_precision=DatePrecision.DAY,
        url=ORIGINAL_URL,
        summary="Officials confirmed it.",
    )
    # People are ordered by name, as the article page lists them.
    article.authors.set([PersonFactory(name="Anna Petrova"), PersonFactory(name="Boris Orlov")])
    article_links_load([article])
    return article


def seed(slug_start: str) -> Article:
    article = Article.objects.select_related("source").get(slug__startswith=slug_start)
    article_links_load([article])
    return article


# --- Names and dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Aila Slisco", Name(given="Aila", family="Slisco")),
        ("  Jay   Hicks ", Name(given="Jay", family="Hicks")),
        ("Aziz", Name(literal="Aziz")),  # one word: cited as written
        ("Nick Paton Walsh", Name(literal="Nick Paton Walsh")),  # family name "Walsh" or "Paton Walsh"? Keep whole.
        ("Ludwig van Beethoven", Name(given="Ludwig", particle="van", family="Beethoven")),
        ("Martin King Jr.", Name(given="Martin", family="King", suffix="Jr.")),
        ("Martin King, Jr.", Name(given="Martin", family="King", suffix="Jr.")),
        ("Paton Walsh, Nick", Name(given="Nick", family="Paton Walsh")),  # explicitly inverted
        ("Владимир Путин", Name(given="Владимир", family="Путин")),
        ("毛泽东", Name(literal="毛泽东")),
    ],
)
def test_names_are_parsed_only_where_their_parts_are_certain(written, expected):
    assert parse_name(written) == expected


def test_names_in_each_styles_forms():
    slisco, sartre, beethoven, king, aziz = map(
        parse_name, ["Aila Slisco", "Jean-Paul Sartre", "Ludwig van Beethoven", "Martin King Jr.", "Aziz"]
    )
    assert (slisco.inverted(), slisco.natural(), slisco.with_initials()) == (
        "Slisco, Aila",
        "Aila Slisco",
        "Slisco, A.",
    )
    assert sartre.with_initials() == "Sartre, J.-P."
    assert beethoven.inverted() == "van Beethoven, Ludwig"
    assert (king.inverted(), king.natural(), king.with_initials()) == (
        "King, Martin, Jr.",
        "Martin King, Jr.",
        "King, M., Jr.",
    )
    assert aziz.inverted() == aziz.natural() == aziz.with_initials() == "Aziz"


@pytest.mark.parametrize(
    ("precision", "stored", "iso", "long", "apa_date", "mla_date", "chicago_date"),
    [
        (
            "day",
            datetime.date(2022, 10, 14),
            "2022-10-14",
            "14 October 2022",
            "2022, October 14",
            "14 Oct. 2022",
            "October 14, 2022",
        ),
        (
            "month",
            datetime.date(2022, 9, 1),
            "2022-09",
            "September 2022",
            "2022, September",
            "Sept. 2022",
            "September 2022",
        ),
        ("year", datetime.date(2023, 1, 1), "2023", "2023", "2023", "2023", "2023"),
        ("", None, "", "", "n.d.", "", ""),
    ],
)
def test_dates_give_only_what_is_known(precision, stored, iso, long, apa_date, mla_date, chicago_date):
    date = PartialDate(stored, precision)
    written = (date.iso(), date.long(), date.apa(), date.mla(), date.chicago())
    assert written == (iso, long, apa_date, mla_date, chicago_date)


def test_author_lists_follow_each_style():
    names = [parse_name(f"Given{n} Family{n}") for n in range(1, 25)]
    assert citations.apa_authors(names[:1]) == "Family1, G."
    assert citations.apa_authors(names[:2]) == "Family1, G., & Family2, G."
    assert citations.apa_authors(names[:3]) == "Family1, G., Family2, G., & Family3, G."
    # 21 or more: the first 19, an ellipsis, the last.
    assert citations.apa_authors(names[:21]).endswith("Family19, G., . . . Family21, G.")
    assert citations.mla_authors(names[:1]) == "Family1, Given1"
    assert citations.mla_authors(names[:2]) == "Family1, Given1, and Given2 Family2"
    assert citations.mla_authors(names[:3]) == "Family1, Given1, et al."
    assert citations.chicago_authors(names[:2]) == "Family1, Given1, and Given2 Family2"
    assert citations.chicago_authors(names[:3]) == "Family1, Given1, Given2 Family2, and Given3 Family3"
    assert citations.chicago_authors(names[:10]).endswith(", and Given10 Family10")
    # More than ten: the first seven and "et al.".
    assert citations.chicago_authors(names[:11]) == (
        "Family1, Given1, " + ", ".join(f"Given{n} Family{n}" for n in range(2, 8)) + ", et al."
    )


# --- An article with everything known ------------------------------------------------------------


def test_apa_with_everything_known(full_article):
    citation = cite(full_article)["apa"]
    assert citation.text == (
        "Petrova, A., & Orlov, B. (2022, October 14). Officials confirm the call-up. The Daily Record. "
        f"Retrieved May 3, 2025, from {ARCHIVE_URL} (originally published at {ORIGINAL_URL})"
    )
    # The title is the italic element; the site's name is roman in APA's news-website form.
    assert "(2022, October 14). <i>Officials confirm the call-up</i>. The Daily Record." in citation.html


def test_mla_with_everything_known(full_article):
    citation = cite(full_article)["mla"]
    assert citation.text == (
        "Petrova, Anna, and Boris Orlov. “Officials confirm the call-up.” The Daily Record, 14 Oct. 2022, "
        f"{ORIGINAL_URL}. News archive, {ARCHIVE_URL}. Accessed 3 May 2025."
    )
    assert citation.html == (
        "Petrova, Anna, and Boris Orlov. “Officials confirm the call-up.” <i>The Daily Record</i>, 14 Oct. 2022, "
        f"{ORIGINAL_URL}. <i>News archive</i>, {ARCHIVE_URL}. Accessed 3 May 2025."
    )


def test_chicago_with_everything_known(full_article):
    citation = cite(full_article)["chicago"]
    assert citation.text == (
        "Petrova, Anna, and Boris Orlov. “Officials confirm the call-up.” The Daily Record, October 14, 2022. "
        f"{ORIGINAL_URL}. Archived in News archive. Accessed May 3, 2025. {ARCHIVE_URL}."
    )
    assert "<i>The Daily Record</i>, October 14, 2022." in citation.html


def test_bibtex_with_everything_known(full_article):
    entry_type, key, fields = bibtex_entry(cite(full_article)["bib"])
    assert entry_type == "online"
    assert key == "petrova2022officials"
    assert fields["title"] == "{Officials confirm the call-up}"  # braced: styles keep its capitals
    assert fields["author"] == "Petrova, Anna and Orlov, Boris"
    assert fields["date"] == "2022-10-14"
    assert fields["year"] == "2022"
    assert fields["url"] == ARCHIVE_URL
    assert fields["urldate"] == "2025-05-03"
    assert fields["organization"] == fields["journaltitle"] == "The Daily Record"
    assert fields["note"] == (
        f"Original URL: {ORIGINAL_URL}. SHA-256 of the archived text: {full_article.body_sha256}."
    ).replace("_", r"\_")


def test_ris_with_everything_known(full_article):
    tags = ris_tags(cite(full_article)["ris"])
    assert tags == [
        ("TY", "NEWS"),
        ("TI", "Officials confirm the call-up"),
        ("AU", "Petrova, Anna"),
        ("AU", "Orlov, Boris"),
        ("PY", "2022"),
        ("DA", "2022/10/14/"),
        ("T2", "The Daily Record"),
        ("UR", ARCHIVE_URL),
        ("Y2", "2025/05/03"),
        ("N1", f"Original URL: {ORIGINAL_URL}"),
        ("N1", f"SHA-256 of the archived text: {full_article.body_sha256}"),
        ("DB", "News archive"),
        ("LA", "en"),
        ("AB", "Officials confirmed it."),
        ("ER", ""),
    ]


def test_csl_json_with_everything_known(full_article):
    item = csl_item(cite(full_article)["csl"])
    assert item["id"] == "petrova2022officials"
    assert item["type"] == "article-newspaper"
    assert item["title"] == "Officials confirm the call-up"
    assert item["author"] == [{"family": "Petrova", "given": "Anna"}, {"family": "Orlov", "given": "Boris"}]
    assert item["issued"] == {"date-parts": [[2022, 10, 14]]}
    assert item["accessed"] == {"date-parts": [[2025, 5, 3]]}
    assert item["URL"] == ARCHIVE_URL
    assert item["container-title"] == "The Daily Record"
    assert item["archive"] == "News archive"
    assert item["note"] == f"Original URL: {ORIGINAL_URL}.\nSHA-256 of the archived text: {full_article.body_sha256}."
    assert item["language"] == "en"


# --- The seed archive: missing authors, sources and days, and headlines the archive wrote ---------


def test_seed_article_with_no_source_no_author_and_only_a_year(seed_archive):
    article = seed("persecution-of-foreigners")
    assert (article.source, list(article.authors.all()), article.published_precision) == (None, [], "year")
    cited = cite(article)
    title = "Persecution of foreigners by Russian regime escalates"
    # No author: the title leads, in italics for APA, in quotation marks for MLA and Chicago.
    assert cited["apa"].text == f"{title}. (2024). Retrieved May 3, 2025, from {ARCHIVE_URL}"
    assert cited["apa"].html.startswith(f"<i>{title}</i>. (2024). ")
    assert cited["mla"].text == f"“{title}.” 2024. News archive, {ARCHIVE_URL}. Accessed 3 May 2025."
    assert cited["chicago"].text == f"“{title}.” 2024. Archived in News archive. Accessed May 3, 2025. {ARCHIVE_URL}."

    _, key, fields = bibtex_entry(cited["bib"])
    assert key == "persecution2024"
    assert fields["title"] == "{" + title + "}"
    assert (fields["date"], fields["year"]) == ("2024", "2024")
    assert not {"author", "organization", "journaltitle"} & fields.keys()
    assert SHA_LINE.fullmatch(fields["note"])

    tags = dict(ris_tags(cited["ris"]))
    assert (tags["TI"], tags["PY"]) == (title, "2024")
    assert not {"AU", "DA", "T2"} & tags.keys()  # a year-precise date needs no DA; nothing invented

    item = csl_item(cited["csl"])
    assert item["issued"] == {"date-parts": [[2024]]}
    assert "author" not in item
    assert "container-title" not in item
    assert SHA_LINE.fullmatch(item["note"])


def test_seed_article_with_an_editorial_headline_a_source_and_a_month(seed_archive):
    article = seed("russias-partial-mobilization")
    assert article.title_is_editorial
    cited = cite(article)
    title = article.title
    # A supplied title: in square brackets, neither italic nor quoted.
    assert cited["apa"].text == (
        f"Slisco, A. (2022, October). [{title}]. Newsweek. Retrieved May 3, 2025, from {ARCHIVE_URL}"
    )
    assert "<i>" not in cited["apa"].html
    assert cited["mla"].text == (
        f"Slisco, Aila. [{title}]. Newsweek, Oct. 2022. News archive, {ARCHIVE_URL}. Accessed 3 May 2025."
    )
    assert f"[{escape(title)}]. <i>Newsweek</i>, Oct. 2022." in cited["mla"].html
    assert cited["chicago"].text == (
        f"Slisco, Aila. [{title}]. Newsweek, October 2022. Archived in News archive. "
        f"Accessed May 3, 2025. {ARCHIVE_URL}."
    )

    _, key, fields = bibtex_entry(cited["bib"])
    assert key == "slisco2022russias"
    assert fields["title"] == "{[" + title + "]}"
    assert (fields["author"], fields["date"], fields["organization"]) == ("Slisco, Aila", "2022-10", "Newsweek")

    tags = ris_tags(cited["ris"])
    assert ("TI", f"[{title}]") in tags
    assert ("AU", "Slisco, Aila") in tags
    assert ("DA", "2022/10//") in tags
    assert ("T2", "Newsweek") in tags

    item = csl_item(cited["csl"])
    assert item["title"] == f"[{title}]"
    assert item["author"] == [{"family": "Slisco", "given": "Aila"}]
    assert item["issued"] == {"date-parts": [[2022, 10]]}
    assert item["container-title"] == "Newsweek"


def test_seed_article_with_an_author_but_no_source(seed_archive):
    article = seed("russias-mobilization-drives")
    cited = cite(article)
    assert cited["apa"].text.startswith(f"Hicks, J. (2022, September). [{article.title}]. Retrieved May 3, 2025")
    assert cited["mla"].text.startswith(f"Hicks, Jay. [{article.title}]. Sept. 2022. News archive, ")
    assert cited["chicago"].text.startswith(f"Hicks, Jay. [{article.title}]. September 2022. Archived in")


def test_an_unsigned_article_with_a_source_leads_with_the_outlet_in_chicago():
    source = SourceFactory(name="Reuters", kind=SourceKind.WIRE_AGENCY)
    article = ArticleFactory(title="A wire story", source=source)
    cited = cite(article)
    assert cited["chicago"].html.startswith("<i>Reuters</i>. “A wire story.” Archived in News archive.")
    assert cited["apa"].text.startswith("A wire story. (n.d.). Reuters. Retrieved")
    assert cited["mla"].html.startswith("“A wire story.” <i>Reuters</i>. <i>News archive</i>, ")


def test_other_organisations_sites_are_roman_in_chicago():
    source = SourceFactory(name="Institute for the Study of War", kind=SourceKind.THINK_TANK)
    article = ArticleFactory(title="An assessment", source=source)
    article.authors.set([PersonFactory(name="Kateryna Stepanenko")])
    assert "“An assessment.” Institute for the Study of War. Archived" in cite(article)["chicago"].html


def test_an_undated_article_is_n_d_in_apa_and_has_no_date_elsewhere():
    article = ArticleFactory(title="Undated", slug="undated-report")
    article.authors.set([PersonFactory(name="Aziz")])
    cited = cite(article)
    assert cited["apa"].text.startswith("Aziz. (n.d.). Undated. Retrieved May 3, 2025")
    assert cited["mla"].text.startswith("Aziz. “Undated.” News archive, ")
    assert cited["chicago"].text.startswith("Aziz. “Undated.” Archived in News archive.")
    _, key, fields = bibtex_entry(cited["bib"])
    assert key == "azizndundated"
    assert fields["author"] == "{Aziz}"  # a literal name, braced so BibTeX never splits it
    assert not {"date", "year"} & fields.keys()
    assert not {"PY", "DA"} & dict(ris_tags(cited["ris"])).keys()
    item = csl_item(cited["csl"])
    assert item["author"] == [{"literal": "Aziz"}]
    assert "issued" not in item


def test_three_or_more_authors():
    article = ArticleFactory(title="Many hands", published_on=datetime.date(2023, 1, 1), published_precision="year")
    article.authors.set([PersonFactory(name=name) for name in ["Ann Able", "Ben Baker", "Nick Paton Walsh"]])
    cited = cite(article)
    assert cited["apa"].text.startswith("Able, A., Baker, B., & Nick Paton Walsh. (2023). ")
    assert cited["mla"].text.startswith("Able, Ann, et al. “Many hands.” 2023.")
    assert cited["chicago"].text.startswith("Able, Ann, Ben Baker, and Nick Paton Walsh. “Many hands.” 2023.")
    assert bibtex_entry(cited["bib"])[2]["author"] == "Able, Ann and Baker, Ben and {Nick Paton Walsh}"
    assert [value for tag, value in ris_tags(cited["ris"]) if tag == "AU"] == [
        "Able, Ann",
        "Baker, Ben",
        "Nick Paton Walsh",
    ]
    assert csl_item(cited["csl"])["author"][2] == {"literal": "Nick Paton Walsh"}


def test_titles_ending_in_a_question_take_no_extra_period_and_inner_quotes_turn_single():
    article = ArticleFactory(title='Is the "partial" mobilization over?')
    cited = cite(article)
    assert cited["apa"].html.startswith("<i>Is the &quot;partial&quot; mobilization over?</i> (n.d.). ")
    quoted = "“Is the \N{LEFT SINGLE QUOTATION MARK}partial\N{RIGHT SINGLE QUOTATION MARK} mobilization over?”"
    assert cited["mla"].text.startswith(f"{quoted} News archive, ")
    assert cited["chicago"].text.startswith(f"{quoted} Archived in")


def test_markup_in_a_title_is_escaped_in_html_and_kept_in_text():
    article = ArticleFactory(title="<script>alert(1)</script> & <i>more</i>")
    for style in ("apa", "mla", "chicago"):
        citation = cite(article)[style]
        assert "<script>" not in citation.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;i&gt;more&lt;/i&gt;" in citation.html
        assert "<script>alert(1)</script> & <i>more</i>" in citation.text


def test_bibtex_escapes_latex_specials_and_keeps_the_entry_balanced():
    article = ArticleFactory(title=r"50% of R&D_funds {cut} #1 ~ ^ $5 \ back", url="https://x.example/a?b=1&c={d}")
    _, _, fields = bibtex_entry(cite(article)["bib"])
    assert fields["title"] == (
        r"{50\% of R\&D\_funds \{cut\} \#1 \textasciitilde{} \textasciicircum{} \$5 \textbackslash{} back}"
    )
    # The original URL prints as written: made ASCII and brace-free, then escaped for LaTeX.
    assert fields["note"].startswith(r"Original URL: https://x.example/a?b=1\&c=\{d\}.")


def test_a_multiline_summary_stays_on_one_ris_line():
    article = ArticleFactory(summary="First line.\nSecond line.\r\nThird.")
    assert ("AB", "First line. Second line. Third.") in ris_tags(cite(article)["ris"])


# --- Downloads -----------------------------------------------------------------------------------


def citation_url(article: Article, fmt: str, slug: str | None = None) -> str:
    return reverse("articles:article_citation", kwargs={"pk": article.pk, "slug": slug or article.slug, "fmt": fmt})


@pytest.mark.parametrize(
    ("fmt", "content_type", "parse"),
    [
        ("bib", "application/x-bibtex", bibtex_entry),
        ("ris", "application/x-research-info-systems", ris_tags),
        ("csl.json", "application/vnd.citationstyles.csl+json", csl_item),
    ],
)
def test_downloads_have_their_media_type_and_a_file_name(client, full_article, fmt, content_type, parse):
    url = citation_url(full_article, fmt)
    assert url == f"/articles/{full_article.pk}/officials-confirm-the-call-up/cite.{fmt}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="officials-confirm-the-call-up.{fmt}"'
    body = response.content.decode("utf-8")
    parse(body)
    # The archive's own absolute, permanent address, accessed today.
    assert f"http://testserver{full_article.get_absolute_url()}" in body
    assert body == DOWNLOADS[fmt].write(
        full_article, archive_url=f"http://testserver{full_article.get_absolute_url()}", accessed=timezone.localdate()
    )


def test_downloads_use_the_archives_day(client, full_article, settings, monkeypatch):
    # 23:30 in UTC is already the next day in Tokyo: the archive's timezone decides.
    settings.TIME_ZONE = "Asia/Tokyo"
    instant = datetime.datetime(2025, 5, 3, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    tags = dict(ris_tags(client.get(citation_url(full_article, "ris")).content.decode()))
    assert tags["Y2"] == "2025/05/04"


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.RETRACTED])
@pytest.mark.parametrize("fmt", DOWNLOADS)
def test_only_published_articles_can_be_downloaded(client, status, fmt):
    article = ArticleFactory(status=status)
    assert client.get(citation_url(article, fmt)).status_code == 404


def test_unknown_articles_and_formats_are_not_found(client, full_article):
    assert client.get(f"/articles/{full_article.pk + 1000}/x/cite.bib").status_code == 404
    assert client.get(f"/articles/{full_article.pk}/{full_article.slug}/cite.pdf").status_code == 404
    assert client.get(f"/articles/{full_article.pk}/{full_article.slug}/cite.json").status_code == 404


@pytest.mark.parametrize("fmt", DOWNLOADS)
def test_a_wrong_slug_redirects_to_the_canonical_citation(client, full_article, fmt):
    response = client.get(citation_url(full_article, fmt, slug="old-headline"))
    assert response.status_code == 301
    assert response["Location"] == citation_url(full_article, fmt)


# --- The "Cite this" section ---------------------------------------------------------------------


def section_of(page: str) -> str:
    match = re.search(r'<section class="cite" aria-labelledby="cite-heading"[^>]*>.*?</section>', page, re.S)
    assert match, "no Cite this section"
    return match.group(0)


def test_the_article_page_offers_the_three_styles_and_the_downloads(client, seed_archive):
    article = seed("russias-partial-mobilization")
    page = client.get(article.get_absolute_url()).content.decode()
    section = section_of(page)
    archive_url = f"http://testserver{article.get_absolute_url()}"
    assert '<h2 id="cite-heading">Cite this article</h2>' in section
    expected = citations.text_citations(article, archive_url=archive_url, accessed=timezone.localdate())
    for item in expected:
        # Each style labelled, and its text in a block a reader can select and copy.
        assert (
            f'<figure class="citation" id="cite-{item.style.key}">\n'
            f"    <figcaption>{item.style.label}</figcaption>\n"
            f"    <blockquote><p>{item.citation.html}</p></blockquote>"
        ) in section
    for fmt, download in DOWNLOADS.items():
        assert f'<a href="{citation_url(article, fmt)}" download>{download.label}</a>' in section
    note = unescape(re.sub(r"<[^>]+>", "", section))
    assert "The access date in these citations is today\N{RIGHT SINGLE QUOTATION MARK}s." in note
    assert f"The archive\N{RIGHT SINGLE QUOTATION MARK}s address, {archive_url}, is permanent" in note
    # In the footer, just before "About this copy".
    assert page.index("Cite this article") < page.index("<h2>About this copy</h2>")
    assert page.count("<h1") == 1


def test_the_cite_section_adds_no_query_however_many_authors_and_tags(client):
    def queries(article: Article) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(article.get_absolute_url()).status_code == 200
        return len(captured)

    few = ArticleFactory()
    few.authors.set([PersonFactory()])
    many = ArticleFactory(source=SourceFactory())
    many.authors.set(PersonFactory.create_batch(5))
    many.people.set(PersonFactory.create_batch(5))
    many.tags.set(TagFactory.create_batch(5))
    assert queries(many) == queries(few)
