"""Database rules hold whatever writes the rows: constraints are tested against PostgreSQL."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from articles.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimReport,
    DatePrecision,
    NearDuplicate,
    Person,
    PersonAlias,
    SearchLog,
    Source,
    Tag,
    TagKind,
    article_links_load,
    article_page_read,
    claim_reports_read,
)
from articles.text import body_sha256
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def refused(write) -> bool:
    """True when the database refuses ``write`` with an integrity error."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("factory", [SourceFactory, PersonFactory, TagFactory, ArticleFactory, ClaimFactory])
def test_slugs_are_unique(factory):
    factory(slug="same")
    assert refused(lambda: factory(slug="same"))


def test_alias_is_unique_whatever_its_case():
    PersonAliasFactory(name="Valentina Cupik")
    assert refused(lambda: PersonAliasFactory(name="valentina cupik"))


def test_alias_cannot_be_blank():
    assert refused(lambda: PersonAliasFactory(name=""))


def test_the_same_body_is_never_stored_twice():
    ArticleFactory(body="One text.\n\nTwo paragraphs.")
    assert refused(lambda: ArticleFactory(body="One   text.\nTwo paragraphs.  "))


def test_article_url_is_unique_when_present():
    ArticleFactory(url="https://example.org/a")
    assert refused(lambda: ArticleFactory(url="https://example.org/a"))
    ArticleFactory(url="")
    ArticleFactory(url="")  # many articles may have no known URL


@pytest.mark.parametrize(
    ("day", "precision", "allowed"),
    [
        (datetime.date(2022, 10, 18), DatePrecision.DAY, True),
        (datetime.date(2022, 10, 1), DatePrecision.MONTH, True),
        (datetime.date(2022, 10, 18), DatePrecision.MONTH, False),
        (datetime.date(2023, 1, 1), DatePrecision.YEAR, True),
        (datetime.date(2023, 3, 1), DatePrecision.YEAR, False),
        (datetime.date(2023, 3, 1), "", False),
        (None, DatePrecision.DAY, False),
        (None, "", True),
    ],
)
def test_publication_date_agrees_with_its_precision(day, precision, allowed):
    write = lambda: ArticleFactory(published_on=day, published_precision=precision)  # noqa: E731
    assert refused(write) is not allowed


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "deleted"),
        ("language", "English"),
        ("title", ""),
        ("body_sha256", "not-a-digest"),
    ],
)
def test_article_check_constraints(field, value):
    article = ArticleFactory()
    assert refused(lambda: Article.objects.filter(pk=article.pk).update(**{field: value}))


def test_enumerations_are_checked_by_the_database():
    assert refused(lambda: SourceFactory(kind="tabloid"))
    assert refused(lambda: TagFactory(kind="mood"))
    assert refused(lambda: SourceFactory(country="us"))
    assert refused(lambda: ClaimFactory(rating="baseless"))


def test_a_claim_needs_a_claimant():
    assert refused(lambda: ClaimFactory(claimant_person=None, claimant_source=None))
    assert not refused(lambda: ClaimFactory(claimant_person=None, claimant_source=SourceFactory()))


def test_a_claim_is_reported_once_per_article_in_a_real_paragraph():
    report = ClaimReportFactory(paragraph=2)
    assert refused(lambda: ClaimReport.objects.create(claim=report.claim, article=report.article, paragraph=1))
    assert refused(lambda: ClaimReportFactory(paragraph=0))


def test_save_keeps_the_digest_in_step_with_the_body():
    article = ArticleFactory(body="First  paragraph.\r\nSecond paragraph.")
    assert article.body == "First paragraph.\n\nSecond paragraph."
    assert article.body_sha256 == body_sha256(article.body)
    assert article.paragraphs == ["First paragraph.", "Second paragraph."]


def test_a_changed_body_keeps_the_text_it_replaces_as_a_version():
    article = ArticleFactory(title="First headline", body="The first text.")
    first_digest, first_archived = article.body_sha256, article.archived_at
    article.title, article.body = "Corrected headline", "The corrected text."
    article.save()
    (version,) = article.versions.all()
    assert (version.number, version.title, version.body) == (1, "First headline", "The first text.")
    assert (version.body_sha256, version.archived_at) == (first_digest, first_archived)
    assert version.superseded_at >= first_archived
    # The article now holds the new text, archived when the correction was made.
    assert article.archived_at == Article.objects.get(pk=article.pk).archived_at > first_archived
    article.body = "A third text."
    article.save()
    assert list(article.versions.values_list("number", "body")) == [(1, "The first text."), (2, "The corrected text.")]


def test_saving_without_changing_the_body_keeps_no_version():
    article = ArticleFactory(body="Unchanged text.")
    article.title = "Only the headline changed"
    article.body = "Unchanged   text.\n"  # the same text once normalised
    article.save()
    assert not article.versions.exists()


def test_a_stale_copy_still_keeps_the_text_really_stored():
    article = ArticleFactory(body="Original.")
    stale = Article.objects.get(pk=article.pk)
    article.body = "Second."
    article.save()
    stale.body = "Third."
    stale.save()
    assert list(article.versions.values_list("body", flat=True)) == ["Original.", "Second."]


def test_published_excludes_drafts_and_retractions():
    published = ArticleFactory(status=ArticleStatus.PUBLISHED)
    ArticleFactory(status=ArticleStatus.DRAFT)
    ArticleFactory(status=ArticleStatus.RETRACTED)
    assert list(Article.objects.published()) == [published]


def test_claim_report_quotes_its_paragraph():
    article = ArticleFactory(body="Opening.\n\nThe claim sits here.")
    report = ClaimReportFactory(article=article, paragraph=2)
    assert report.paragraph_text == "The claim sits here."


def test_string_forms_are_readable():
    person = PersonFactory(name="Valentina Chupik")
    alias = PersonAlias.objects.create(person=person, name="Valentina Cupik")
    claim = Claim.objects.create(statement="Police intimidate migrants.", slug="c", claimant_person=person)
    assert str(person) == "Valentina Chupik"
    assert str(alias) == "Valentina Cupik → Valentina Chupik"
    assert str(claim) == "Police intimidate migrants."
    assert claim.claimant == "Valentina Chupik"
    assert str(SourceFactory(name="Newsweek")) == "Newsweek"
    assert str(TagFactory(name="Conscription")) == "Conscription"
    assert str(ArticleFactory(title="A headline")) == "A headline"


def test_the_search_report_counts_searches_by_their_words_and_lists_those_that_found_nothing():
    for query, found in [
        ("Putin", 3),
        ("putin ", 4),
        ("PUTIN", 4),
        ("Chupik", 0),
        ("chupik", 0),
        ("Cupik", 0),
        ("", 7),
    ]:
        SearchLog.objects.record(query=query, filters={}, result_count=found, duration_ms=5)
    frequent = list(SearchLog.objects.most_frequent(10))
    assert [(row["query_normalised"], row["searches"]) for row in frequent] == [
        ("putin", 3),
        ("chupik", 2),
        ("cupik", 1),
    ]
    assert frequent[0]["found"] == 4  # what the latest of them found
    nothing = [(row["query_normalised"], row["searches"]) for row in SearchLog.objects.found_nothing(10)]
    assert nothing == [("chupik", 2), ("cupik", 1)]


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_logged_search_commits_without_waiting_for_the_disk():
    """Within a transaction, as a search request's: the whole transaction commits so."""
    assert synchronous_commit() == "on"
    SearchLog.objects.record(query="Chupik", filters={}, result_count=1, duration_ms=5)
    assert synchronous_commit() == "off"
    assert SearchLog.objects.get().query == "Chupik"


def test_a_logged_search_is_one_statement_and_returns_the_row_as_stored():
    query = "  Chupik   DEPORTATION " + "x" * 600
    with CaptureQueriesContext(connection) as queries:
        logged = SearchLog.objects.record(
            query=query, filters={"tag": ["moscow", "Ünïcode"]}, result_count=3, duration_ms=7
        )
    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "articles_searchlog"')
    stored = SearchLog.objects.get()
    assert not logged._state.adding and logged._state.db == stored._state.db
    for field in SearchLog._meta.concrete_fields:
        assert getattr(logged, field.attname) == getattr(stored, field.attname), field.name
    assert stored.query == query[: SearchLog.QUERY_MAX_LENGTH]
    assert stored.query_normalised.startswith("chupik deportation xxx")
    assert stored.filters == {"tag": ["moscow", "Ünïcode"]} and stored.searched_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_search_logged_outside_a_transaction_commits_so_alone():
    SearchLog.objects.record(query="Chupik", filters={}, result_count=1, duration_ms=5)
    assert synchronous_commit() == "on"  # for what the connection does next
    assert SearchLog.objects.get().query == "Chupik"


def test_public_sources_people_and_tags_are_all_but_those_only_unpublished_work_names():
    """Named by a published article or a claim one reports: public. Named by nothing yet: public too
    (an editor's own entry). Named only by drafts, retracted articles or unreported claims: hidden."""
    draft = ArticleFactory(status=ArticleStatus.DRAFT)
    retracted = ArticleFactory(status=ArticleStatus.RETRACTED)
    published = ArticleFactory()
    people = {name: PersonFactory(name=name) for name in ("bare", "draft", "retracted", "both", "claimant", "silent")}
    draft.people.add(people["draft"], people["both"])
    retracted.authors.add(people["retracted"])
    published.authors.add(people["both"])
    ClaimReportFactory(claim=ClaimFactory(claimant_person=people["claimant"]), article=published)
    ClaimReportFactory(claim=ClaimFactory(claimant_person=people["silent"]), article=draft)
    assert {person.name for person in Person.objects.public()} == {"bare", "both", "claimant"}

    tags = {name: TagFactory(name=name) for name in ("bare", "draft", "both")}
    draft.tags.add(tags["draft"], tags["both"])
    published.tags.add(tags["both"])
    assert {tag.name for tag in Tag.objects.public()} == {"bare", "both"}

    sources = {name: SourceFactory(name=name) for name in ("bare", "draft", "published", "claimant", "silent")}
    Article.objects.filter(pk=draft.pk).update(source=sources["draft"])
    Article.objects.filter(pk=published.pk).update(source=sources["published"])
    ClaimReportFactory(claim=ClaimFactory(claimant_person=None, claimant_source=sources["claimant"]), article=published)
    ClaimFactory(claimant_person=None, claimant_source=sources["silent"])  # reported by no article at all
    assert {source.name for source in Source.objects.public()} == {"bare", "published", "claimant"}


def test_article_links_load_gives_each_article_its_authors_people_and_tags_by_name_in_one_query():
    zhanna, aibek = PersonFactory(name="Zhanna Ivanova"), PersonFactory(name="Aibek Tashiev")
    chupik = PersonFactory(name="Valentina Chupik")
    russia, migrants = TagFactory(name="Russia", kind=TagKind.PLACE), TagFactory(name="Migrants")
    both = ArticleFactory()
    both.authors.add(zhanna, aibek)
    both.people.add(chupik, zhanna)
    both.tags.add(russia, migrants)
    tagged = ArticleFactory()
    tagged.tags.add(russia)
    unlinked = ArticleFactory()
    ArticleFactory().people.add(aibek)  # another article's links stay its own

    articles = list(Article.objects.filter(pk__in=[both.pk, tagged.pk, unlinked.pk]).order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        article_links_load(articles)
    assert len(queries) == 1

    def names(links) -> list[str]:
        return [link.name for link in links]

    loaded_both, loaded_tagged, loaded_unlinked = articles
    assert names(loaded_both.listed_authors) == ["Aibek Tashiev", "Zhanna Ivanova"]
    assert names(loaded_both.listed_people) == ["Valentina Chupik", "Zhanna Ivanova"]
    assert names(loaded_both.listed_tags) == ["Migrants", "Russia"]
    assert (loaded_tagged.listed_authors, loaded_tagged.listed_people) == ([], [])
    assert names(loaded_tagged.listed_tags) == ["Russia"]
    assert loaded_unlinked.listed_authors == loaded_unlinked.listed_people == loaded_unlinked.listed_tags == []
    # Rows of their own models, as a list links them, without the fields a link does not show.
    chupik_loaded = loaded_both.listed_people[0]
    assert isinstance(chupik_loaded, Person) and isinstance(loaded_both.listed_tags[0], Tag)
    assert chupik_loaded == chupik and chupik_loaded.get_absolute_url() == chupik.get_absolute_url()
    assert chupik_loaded.get_deferred_fields() >= {"description", "created_at"}
    # Made as ``Model.from_db`` makes them, without ``Model.__init__``: the same values and state.
    made = Person.from_db("default", ("id", "name", "slug"), (chupik.pk, chupik.name, chupik.slug))
    assert stored_values(chupik_loaded) == stored_values(made)
    assert chupik_loaded.get_deferred_fields() == made.get_deferred_fields()
    assert (
        (chupik_loaded._state.adding, chupik_loaded._state.db)
        == (made._state.adding, made._state.db)
        == (
            False,
            "default",
        )
    )
    with CaptureQueriesContext(connection) as queries:
        assert chupik_loaded.description == chupik.description  # deferred: read when asked
    assert len(queries) == 1
    # A tag's kind comes with it: the article page's structured data types each tag by it.
    russia_loaded = loaded_both.listed_tags[1]
    assert (russia_loaded.kind, "kind" in russia_loaded.get_deferred_fields()) == (TagKind.PLACE, False)
    assert russia_loaded.get_deferred_fields() >= {"description", "created_at"}

    with CaptureQueriesContext(connection) as queries:
        article_links_load([])
    assert len(queries) == 0


def stored_values(instance) -> dict:
    """The values of ``instance``'s columns that it holds (not deferred)."""
    deferred = instance.get_deferred_fields()
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in deferred
    }


ARTICLE_PAGE_FLAGS = ("claim_reports", "versions", "near_duplicates")


def test_article_page_read_reads_what_the_orm_reads_its_source_and_its_flags_in_one_query():
    source = SourceFactory(name="Fergana", description="Independent news on Central Asia.")
    article = ArticleFactory(
        source=source,
        summary="Migrants are pressed to sign contracts.",
        published_on=datetime.date(2022, 10, 3),
        published_precision=DatePrecision.DAY,
        url="https://example.org/report",
    )
    article.body = "The corrected text."
    article.save()  # keeps the first text as a version
    ClaimReportFactory(article=article)

    with CaptureQueriesContext(connection) as queries:
        read = article_page_read(article.pk, flags=ARTICLE_PAGE_FLAGS)
        source_read = read.source
    assert len(queries) == 1
    expected = Article.objects.select_related("source").defer("search_vector").get(pk=article.pk)
    assert stored_values(read) == stored_values(expected)
    assert read.get_deferred_fields() == {"search_vector"}
    assert stored_values(source_read) == stored_values(expected.source) and source_read.get_deferred_fields() == set()
    assert (read.has_claim_reports, read.has_versions, read.has_near_duplicates) == (True, True, False)
    assert read._state.db == "default" and not read._state.adding

    other = ArticleFactory()
    NearDuplicate.objects.create(article=other, other=article, shared_passages=2, shared_words=40, containment=0.5)
    flagged = article_page_read(other.pk, flags=ARTICLE_PAGE_FLAGS)
    assert (flagged.has_claim_reports, flagged.has_versions, flagged.has_near_duplicates) == (False, False, True)


def test_article_page_read_finds_only_articles_with_a_page():
    published, retracted = ArticleFactory(), ArticleFactory(status=ArticleStatus.RETRACTED)
    draft = ArticleFactory(status=ArticleStatus.DRAFT)
    assert {article.pk for article in Article.objects.public()} == {published.pk, retracted.pk}
    assert article_page_read(published.pk).status == ArticleStatus.PUBLISHED
    assert article_page_read(retracted.pk).retraction_note == retracted.retraction_note
    assert article_page_read(draft.pk) is None
    assert article_page_read(draft.pk + 1000) is None
    # Without a source, and without flags asked for.
    read = article_page_read(published.pk)
    with CaptureQueriesContext(connection) as queries:
        assert read.source is None
    assert len(queries) == 0
    assert not any(name.startswith("has_") for name in vars(read))


def test_claim_reports_read_gives_the_claims_by_paragraph_with_their_claimants_in_one_query():
    article, elsewhere = ArticleFactory(), ArticleFactory()
    chupik, fergana = PersonFactory(name="Valentina Chupik"), SourceFactory(name="Fergana")
    by_person = ClaimFactory(claimant_person=chupik, rating="supported")
    by_source = ClaimFactory(claimant_person=None, claimant_source=fergana)
    by_both = ClaimFactory(claimant_person=chupik, claimant_source=fergana)
    ClaimReportFactory(article=article, claim=by_both, paragraph=2)
    ClaimReportFactory(article=article, claim=by_person, paragraph=5)
    ClaimReportFactory(article=article, claim=by_source, paragraph=2)
    ClaimReportFactory(article=elsewhere, claim=by_person, paragraph=1)
    # Stored again after the others (an update writes a new row): neither table then holds the two
    # claims of paragraph 2 in the order of their ids, which only the statement's order gives.
    by_source.save()

    with CaptureQueriesContext(connection) as queries:
        reports = claim_reports_read(article)
        shown = [
            (report.paragraph, report.claim.statement, report.claim.claimant_person, report.claim.claimant_source)
            for report in reports
        ]
        assert all(report.article is article for report in reports)
    assert len(queries) == 1
    assert shown == [
        (2, by_source.statement, None, fergana),
        (2, by_both.statement, chupik, fergana),
        (5, by_person.statement, chupik, None),
    ]
    expected = list(
        ClaimReport.objects.filter(article=article)
        .select_related("claim__claimant_person", "claim__claimant_source")
        .order_by("paragraph", "claim_id")
    )
    for report, orm_report in zip(reports, expected, strict=True):
        assert stored_values(report) == stored_values(orm_report)
        assert stored_values(report.claim) == stored_values(orm_report.claim)
        for claimant in ("claimant_person", "claimant_source"):
            read, orm_read = getattr(report.claim, claimant), getattr(orm_report.claim, claimant)
            assert (read and stored_values(read)) == (orm_read and stored_values(orm_read))
    assert claim_reports_read(ArticleFactory()) == []
