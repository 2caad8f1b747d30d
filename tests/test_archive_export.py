"""`export_archive` / `import_archive` (articles.archive_export): a backup that restores the archive exactly."""

import gzip
import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import AutoField

from articles.archive_export import EXPORTED_MODELS, FORMAT, FORMAT_VERSION, LEFT_OUT, archive_clear
from articles.models import (
    AliasKind,
    Article,
    ArticleFingerprint,
    ArticleStatus,
    ArticleVersion,
    ClaimRating,
    CoverageMonth,
    DatePrecision,
    MergedPerson,
    MergedTag,
    NearDuplicate,
    Person,
    PersonAlias,
    PersonCoverage,
    RankingChampion,
    Revision,
    RevisionKind,
    SourceCoverage,
    SourceKind,
    TagCoverage,
    TagKind,
)
from articles.services import (
    articles_links_change,
    near_duplicates_refresh,
    people_merge,
    ranking_champions_refresh,
    revision_undo,
    tags_merge,
    vocabulary_refresh,
)
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    SourceFactory,
    TagFactory,
)
from tests.search_statistics import assert_ranking_vectors_as_articles

pytestmark = pytest.mark.django_db

# Texts that try the format: Cyrillic, Arabic, CJK, an emoji flag, quotes and backslashes, markup,
# a tab, and U+2028 (a line break to JavaScript and str.splitlines(), never to JSON Lines).
UNICODE_TITLE = "Мигранты «на передовой»: 移民 and مهاجرون 🇺🇿\u2028a second line"
UNICODE_SUMMARY = 'Quotes " and \\ backslashes, </script> and a\ttab; Čupík, Ölgii, Zhanaozen.\u2029'
UNICODE_BODY = (
    "Жанаозен: рабочие-мигранты из Узбекистана говорят, что их «мобилизовали» прямо на стройке.\n\n"
    "Zhanaozen is where the recruiters came first, say workers from Andijan.\n\n"
    "“我们没有选择” — 'we had no choice', one of them said."
)
SEARCHED_WORD = "Zhanaozen"
NEWLINE = b"\n"


def archive_state() -> dict[str, object]:
    """Every row of every exported table (ids, times and generated search vectors included), and what is derived."""
    state: dict[str, object] = {}
    for model in EXPORTED_MODELS:
        if model._meta.auto_created:  # many-to-many links: their own ids are not kept, the pairs are
            columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            state[model._meta.label] = sorted(model.objects.values_list(*columns))
        else:
            state[model._meta.label] = list(model._base_manager.order_by("pk").values())
    state["near-duplicates"] = sorted(
        NearDuplicate.objects.values_list("article_id", "other_id", "shared_passages", "shared_words", "containment")
    )
    state["fingerprints"] = sorted(ArticleFingerprint.objects.values_list("hash", "article_id"))
    state["person coverage"] = sorted(
        PersonCoverage.objects.exclude(articles=0, mentions=0).values_list("person_id", "mentions", "articles")
    )
    state["tag coverage"] = sorted(TagCoverage.objects.exclude(articles=0).values_list("tag_id", "articles"))
    state["source coverage"] = sorted(SourceCoverage.objects.exclude(articles=0).values_list("source_id", "articles"))
    state["coverage months"] = sorted(
        CoverageMonth.objects.exclude(articles=0).values_list("person_id", "month", "precision", "articles"),
        key=repr,
    )
    state["ranking champions"] = sorted(RankingChampion.objects.values_list("lexeme", "article_id"))
    with connection.cursor() as cursor:
        for view in ("articles_vocabulary", "articles_lexeme_stats", "articles_search_stats"):
            cursor.execute(f"SELECT * FROM {view} ORDER BY 1")
            state[view] = cursor.fetchall()
    return state


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password="unused", is_staff=True)


@pytest.fixture
def rich_archive(seed_archive, editor, django_user_model):
    """The seed archive plus a draft, a retracted and a corrected article, aliases of each kind, merges,
    claims with reports and ratings, Unicode everywhere, and a history with an undo and a deleted account."""
    source = SourceFactory(
        name="Радио Азаттык",
        slug="radio-azattyk",
        kind=SourceKind.NEWS_OUTLET,
        homepage="https://rus.azattyk.org/",
        country="KG",
        description="Кыргызская служба «Радио Свобода»",
    )
    person = PersonFactory(name="Ainur Tölegen", slug="ainur-tolegen", description="Rights lawyer, Almaty")
    PersonAliasFactory(person=person, name="Айнур Төлеген", kind=AliasKind.TRANSLITERATION)
    PersonAliasFactory(person=person, name="Ainur Tolegen", kind=AliasKind.SPELLING)
    PersonAliasFactory(person=person, name="Ainur Tölegenova", kind=AliasKind.OTHER_NAME)
    duplicate = PersonFactory(name="Ainur Tulegen", slug="ainur-tulegen")
    tag = TagFactory(name="Трудовая миграция", slug="trudovaya-migratsiya", kind=TagKind.TOPIC, description="Labour")
    duplicate_tag = TagFactory(name="Labour migration", slug="labour-migration", kind=TagKind.TOPIC)
    place = TagFactory(name="Zhanaozen", slug="zhanaozen", kind=TagKind.PLACE)

    draft = ArticleFactory(
        status=ArticleStatus.DRAFT,
        title=UNICODE_TITLE,
        slug="migranty-na-peredovoi",
        summary=UNICODE_SUMMARY,
        body=UNICODE_BODY + "\n\nA draft's own closing paragraph.",
        language="ru",
        source=source,
        published_on=date(2022, 10, 1),
        published_precision=DatePrecision.MONTH,
        published_note="Month from the dateline; the day is illegible.",
        url="https://rus.azattyk.org/a/migranty?utm=ü&x=1",
        title_is_editorial=True,
    )
    draft.authors.set([person])
    draft.people.set([person, duplicate])
    draft.tags.set([tag, place])
    published = ArticleFactory(
        title="Recruiters in Zhanaozen",
        slug="recruiters-in-zhanaozen",
        summary=UNICODE_SUMMARY,
        body=UNICODE_BODY,
        source=source,
        published_on=date(2022, 1, 1),
        published_precision=DatePrecision.YEAR,
    )
    published.people.set([duplicate])
    published.tags.set([duplicate_tag, place])
    retracted = ArticleFactory(
        status=ArticleStatus.RETRACTED,
        title="A report that could not be verified",
        slug="a-report-that-could-not-be-verified",
        retraction_note="Retracted: the quoted official does not exist.",
        published_on=date(2022, 9, 30),
        published_precision=DatePrecision.DAY,
    )
    corrected = ArticleFactory(
        title="First headline",
        slug="corrected-report",
        body="The first text of a report.\n\nIt named the wrong town.",
        published_on=date(2022, 9, 21),
        published_precision=DatePrecision.DAY,
    )
    for title, body in [
        ("Second headline", "The second text of a report.\n\nIt named Andijan."),
        ("Third headline", "The third text of a report.\n\nIt named Andijan, and Zhanaozen."),
    ]:
        corrected.title, corrected.body = title, body
        corrected.save()
    undated = ArticleFactory(title="An undated note", slug="an-undated-note", language="pt-BR")

    claim = ClaimFactory(
        statement="Migrants were mobilised at their workplace.",
        slug="migrants-mobilised-at-work",
        quote="«Забрали прямо на стройке»",
        claimant_person=person,
        claimed_on=date(2022, 10, 1),
        claimed_precision=DatePrecision.MONTH,
        rating=ClaimRating.DISPUTED,
        rating_note="Two witnesses; the ministry denies it.",
    )
    ClaimReportFactory(claim=claim, article=published, paragraph=2)
    ClaimReportFactory(claim=claim, article=corrected, paragraph=1)
    official = ClaimFactory(
        statement="No foreign citizen is called up.",
        slug="no-foreign-citizen-called-up",
        claimant_person=None,
        claimant_source=source,
        rating=ClaimRating.FALSE,
    )
    ClaimReportFactory(claim=official, article=draft, paragraph=3)

    people_merge(keep=person, merged=[duplicate], user=editor)
    tags_merge(keep=tag, merged=[duplicate_tag], user=editor)
    tagging = articles_links_change(
        user=editor,
        kind=RevisionKind.BULK,
        relation="tags",
        article_ids=[published.pk, undated.pk],
        targets=[place],
        remove=True,
        scope="selected",
    )
    revision_undo(revision=tagging.revision, user=editor)
    former = django_user_model.objects.create_user("former-editor", password="unused", is_staff=True)
    articles_links_change(
        user=former,
        kind=RevisionKind.BULK,
        relation="people",
        article_ids=[undated.pk],
        targets=[person],
        scope="selected",
    )
    former.delete()

    # What an archive built by the site would have derived: loaddata and factories leave it to be refreshed.
    near_duplicates_refresh(Article.objects.values_list("pk", flat=True))
    vocabulary_refresh()
    return {
        "draft": draft,
        "published": published,
        "retracted": retracted,
        "corrected": corrected,
        "person": person,
        "duplicate_id": duplicate.pk,
        "duplicate_slug": duplicate.slug,
        "claim": claim,
    }


def sequences_restart() -> None:
    """Every exported table's id sequence back at 1, as in a database just migrated."""
    with connection.cursor() as cursor:
        for model in EXPORTED_MODELS:
            if isinstance(model._meta.pk, AutoField):
                table, column = model._meta.db_table, model._meta.pk.column
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), 1, false)", [table, column])


def export(path: Path) -> Path:
    call_command("export_archive", str(path), verbosity=0)
    return path


def restore(path: Path | str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_archive", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def write_records(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    return path


def without_export_time(data: bytes) -> bytes:
    header, rest = data.split(b"\n", 1)
    header_record = json.loads(header)
    del header_record["exported_at"]
    return json.dumps(header_record).encode() + b"\n" + rest


def test_every_model_is_exported_or_left_out_for_a_stated_reason():
    models = set(apps.get_app_config("articles").get_models(include_auto_created=True))
    assert models == set(EXPORTED_MODELS) | set(LEFT_OUT)
    assert not set(EXPORTED_MODELS) & set(LEFT_OUT)


def test_a_rich_archive_survives_export_and_import_exactly(rich_archive, tmp_path, monkeypatch):
    monkeypatch.setattr("articles.services.RANKING_CHAMPION_MIN_ARTICLES", 1)  # lists for a small archive
    ranking_champions_refresh()
    assert RankingChampion.objects.exists()
    assert set(Article.objects.values_list("status", flat=True)) == set(ArticleStatus.values)
    assert ArticleVersion.objects.filter(article=rich_archive["corrected"]).count() == 2
    assert set(PersonAlias.objects.values_list("kind", flat=True)) == set(AliasKind.values)
    assert MergedPerson.objects.exists() and MergedTag.objects.exists()
    assert Revision.objects.filter(undone_by__isnull=False).exists()
    assert Revision.objects.filter(user=None, username="former-editor").exists()
    assert NearDuplicate.objects.exists()
    before = archive_state()
    first = export(tmp_path / "first.jsonl")

    archive_clear()
    emptied = archive_state()
    assert emptied.pop("articles_search_stats") == [(1, 0, 0, 0.0)]  # one row: no articles
    assert not any(emptied.values())
    restore(first)

    assert archive_state() == before
    second = export(tmp_path / "second.jsonl")
    assert without_export_time(second.read_bytes()) == without_export_time(first.read_bytes())
    text = first.read_text(encoding="utf-8")
    assert UNICODE_TITLE in text  # written as is, not escaped: U+2028 does not end a line of JSON Lines
    exported = records(first)
    assert [r["type"] for r in exported[:1] + exported[-1:]] == ["header", "end"]
    assert len(text.split("\n")) == len(exported) + 1
    counted = exported[-1]["records"]
    assert counted["article"] == Article.objects.count() and counted["revision"] == Revision.objects.count()


def test_the_restored_site_serves_the_same_addresses_and_finds_the_articles(rich_archive, editor, client, tmp_path):
    path = export(tmp_path / "archive.jsonl")
    archive_clear()
    sequences_restart()  # as in a new database
    editor.delete()  # a database without the editor's account: the history keeps the name

    output = restore(path)

    assert "Restored " in output and "1 merged person" in output
    published = rich_archive["published"]
    assert client.get(published.get_absolute_url()).status_code == 200
    retracted = client.get(rich_archive["retracted"].get_absolute_url())
    assert retracted.status_code == 200 and "the quoted official does not exist" in retracted.text
    assert client.get(rich_archive["draft"].get_absolute_url()).status_code == 404
    corrected = rich_archive["corrected"]
    assert client.get(f"{corrected.get_absolute_url()}versions/1/").status_code == 200
    person = rich_archive["person"]
    merged = client.get(f"/people/{rich_archive['duplicate_id']}/{rich_archive['duplicate_slug']}/")
    assert (merged.status_code, merged["Location"]) == (301, person.get_absolute_url())
    assert client.get(rich_archive["claim"].get_absolute_url()).status_code == 200
    found = client.get("/search/", {"q": SEARCHED_WORD})
    assert found.status_code == 200 and published.title in found.text
    assert published in Article.objects.published().search(SEARCHED_WORD)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM articles_vocabulary WHERE word = %s", [SEARCHED_WORD.lower()])
        assert cursor.fetchone() is not None
    assert TagCoverage.objects.get(tag__slug="zhanaozen").articles == 1
    assert published.pk in [row[0] for row in assert_ranking_vectors_as_articles()]
    assert Revision.objects.filter(username="editor").exists()
    assert not Revision.objects.exclude(user=None).exists()
    # Ids go on from the archive's sequences: not even a merged person's old id is handed out again.
    recorded = records(path)[0]["sequences"]
    assert recorded["articles.person"] == rich_archive["duplicate_id"]
    assert PersonFactory().pk == recorded["articles.person"] + 1
    assert ArticleFactory().pk == recorded["articles.article"] + 1


def test_the_export_to_stdout_is_the_file(seed_archive, tmp_path):
    path = export(tmp_path / "archive.jsonl")
    out = io.StringIO()
    call_command("export_archive", "-", stdout=out, stderr=io.StringIO())
    assert without_export_time(out.getvalue().encode()) == without_export_time(path.read_bytes())


def test_it_restores_from_stdin_and_can_leave_near_duplicates_for_later(seed_archive, tmp_path, monkeypatch):
    path = export(tmp_path / "archive.jsonl")
    archive_clear()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))

    output = restore("-", "--without-near-duplicates")

    assert "from <stdin>" in output and "run find_near_duplicates" in output
    assert Article.objects.count() == 5 and not NearDuplicate.objects.exists()


def test_it_refuses_a_database_that_holds_an_archive(seed_archive, tmp_path):
    path = export(tmp_path / "archive.jsonl")
    before = archive_state()
    with pytest.raises(CommandError, match=r"already holds an archive \(9 sources.*--replace"):
        restore(path)
    assert archive_state() == before


def test_replace_restores_a_compressed_export_in_place_of_the_archive_there(seed_archive, tmp_path):
    near_duplicates_refresh(Article.objects.values_list("pk", flat=True))
    vocabulary_refresh()
    path = export(tmp_path / "archive.jsonl.gz")
    with gzip.open(path) as compressed:
        assert json.loads(compressed.readline())["format"] == FORMAT
    before = archive_state()
    ArticleFactory(title="Written after the backup")
    Person.objects.filter(slug="vladimir-putin").update(description="Changed after the backup")

    restore(path, "--replace")

    assert archive_state() == before


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], r"archive\.jsonl: the file is empty"),
        (['{"type": "source", "id": 1}'], r"archive\.jsonl:1: not an archive export"),
        (['{"type": "header", "format": "something-else", "version": 1}'], r":1: not an archive export"),
        ([f'{{"type": "header", "format": "{FORMAT}"}}'], r":1: the header has no format version"),
        (
            [f'{{"type": "header", "format": "{FORMAT}", "version": {FORMAT_VERSION + 1}, "sequences": {{}}}}'],
            rf":1: written in format version {FORMAT_VERSION + 1}, newer than this archive reads",
        ),
        (["[1, 2, 3]"], r":1: not a record"),
        (["\xff"], r":1: not a JSON record"),
    ],
)
def test_a_file_that_is_no_export_of_this_version_is_refused(db, tmp_path, lines, message):
    path = tmp_path / "archive.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        restore(path)


def test_undecodable_bytes_are_refused_at_their_line(seed_archive, tmp_path):
    path = export(tmp_path / "archive.jsonl")
    lines = path.read_bytes().split(b"\n")
    lines[3] = b'{"type":"source","name":"\xff"}'
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(CommandError, match=r"archive\.jsonl:4: not UTF-8 text"):
        restore(path, "--replace")


@pytest.mark.parametrize("cut", ["end record", "mid-line", "a middle line"])
def test_a_truncated_file_is_reported_and_changes_nothing(seed_archive, tmp_path, cut):
    path = export(tmp_path / "archive.jsonl")
    data = path.read_bytes()
    lines = data.split(b"\n")[:-1]
    if cut == "end record":
        path.write_bytes(b"\n".join(lines[:-1]) + b"\n")
        message = r"archive\.jsonl: the file ends without its end record: it was cut short"
    elif cut == "mid-line":
        kept = data[: len(data) // 2]
        path.write_bytes(kept)
        last_line = kept.count(NEWLINE) + 1
        message = rf"archive\.jsonl:{last_line}: not a JSON record .*cut short"
    else:
        del lines[-2]  # the last claim: no other line refers to it
        path.write_bytes(b"\n".join(lines) + b"\n")
        message = rf"archive\.jsonl:{len(lines)}: the file counts 23 claim records but holds 22"
    before = archive_state()
    with pytest.raises(CommandError, match=message):
        restore(path, "--replace")
    assert archive_state() == before


def line_of(items: list[dict], kind: str, pk: int) -> int:
    return next(number for number, item in enumerate(items, 1) if item["type"] == kind and item["id"] == pk)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda article, items: article.update(byline="Someone"), r"article: unknown field 'byline'"),
        (lambda article, items: article.update(published_on="1 Oct 2022"), r"article: published_on must be a date"),
        (lambda article, items: article.update(status=None), r"article: status is null, which it may not be"),
        (lambda article, items: article.update(tags=["russia"]), r"article: tags must be a list of ids"),
        # Refused by the database: found by writing the batch again record by record.
        (lambda article, items: article.update(slug=items[0]["slug"]), r"article: refused by the database: .*slug"),
        (lambda article, items: article.update(authors=[999_999]), r"article: refused by the database: .*person"),
        (lambda article, items: article.update(status="archived"), r"article: refused .*article_status_valid"),
    ],
)
def test_a_bad_record_is_reported_at_its_line_and_changes_nothing(seed_archive, tmp_path, change, message):
    items = records(export(tmp_path / "archive.jsonl"))
    articles = [item for item in items if item["type"] == "article"]
    faulty = articles[2]
    change(faulty, articles)
    path = write_records(tmp_path / "archive.jsonl", items)
    before = archive_state()
    with pytest.raises(CommandError, match=rf"archive\.jsonl:{line_of(items, 'article', faulty['id'])}: {message}"):
        restore(path, "--replace")
    assert archive_state() == before


def test_a_field_missing_from_an_older_file_takes_its_default_and_one_without_is_refused(seed_archive, tmp_path):
    items = records(export(tmp_path / "archive.jsonl"))
    article = next(item for item in items if item["type"] == "article")
    del article["published_note"]  # as in a file written before the field existed
    path = write_records(tmp_path / "older.jsonl", items)

    restore(path, "--replace")

    assert Article.objects.get(pk=article["id"]).published_note == ""
    del article["title"]
    write_records(path, items)
    line = line_of(items, "article", article["id"])
    with pytest.raises(CommandError, match=rf"older\.jsonl:{line}: article: no title"):
        restore(path, "--replace")
