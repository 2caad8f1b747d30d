"""The seed archive (fixtures/seed_archive.json): five cleaned articles with their people, tags and claims."""

import datetime
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction

from articles.models import Article, Claim, ClaimReport, Person, PersonAlias, Source, Tag
from articles.text import body_sha256, normalise_body, split_paragraphs

RAW_DIR = settings.BASE_DIR / "fixtures" / "raw"
FIXTURE_PATH = settings.BASE_DIR / "fixtures" / "seed_archive.json"

# Raw file prefix → (article slug, title, whether the archive wrote the headline).
ARTICLES = {
    "000": (
        "russias-partial-mobilization-is-prompting-xenophobic-rhetoric-against-central",
        "Russia's partial mobilization is prompting xenophobic rhetoric against Central Asian migrants, ISW says",
        True,
    ),
    "001": (
        "russias-mobilization-drives-an-exodus-protests-and-attacks-on-enlistment",
        "Russia's mobilization drives an exodus, protests and attacks on enlistment offices, "
        "with ethnic minorities hit hardest",
        True,
    ),
    "002": (
        "persecution-of-foreigners-by-russian-regime-escalates",
        "Persecution of foreigners by Russian regime escalates",
        False,
    ),
    "003": (
        "russia-compels-migrants-to-join-putins-war-effort-in-ukraine-conflict",
        "Russia Compels Migrants to Join Putin's War Effort in Ukraine Conflict",
        False,
    ),
    "004": (
        "prisoners-and-immigrants-are-being-forced-to-fight-for-russia-in-ukraine",
        "Prisoners and immigrants are being forced to fight for Russia in Ukraine",
        False,
    ),
}


def slug(prefix: str) -> str:
    return ARTICLES[prefix][0]


# Site chrome removed from each raw file, written out line by line (after whitespace normalisation).
REMOVED_CHROME = {
    "000": [
        "🎙️ Voice is AI-generated. Inconsistencies may occur.",
        "About the writer",
        "Aila Slisco is a Newsweek night reporter based in New York. Her focus is on reporting national politics, "
        "where she ... Read more",
    ],
    "001": [
        "Related News",
        "Jay Hicks is an author, instructor and consultant. With a special kinship for military personnel, Jay "
        "provides guidance on successful civilian career transition and has co-authored “The Transitioning Military "
        "Series”. He is the co-founder of Gr8Transitions4U, where advocating the value of hiring military personnel "
        "is the key focus. More about Jay and his passion can be found at",
    ],
    "002": ["Categories: World", "Share", "Published by", "Recent Posts"],
    "003": ["Article:"],
    "004": [],
}
# In 002 every line after this one belongs to the page's list of unrelated recent posts.
RECENT_POSTS_MARKER = {"002": "Recent Posts"}

CHROME_STRINGS = [
    "Voice is AI-generated",
    "About the writer",
    "Read more",
    "Related News",
    "Recent Posts",
    "Categories:",
    "mins ago",
    "seconds ago",
    "Published by",
    "Gr8Transitions4U",
    "Article:",
]

# Claim slug → {article prefix: phrase that must be in the paragraph the ClaimReport points at}.
CLAIM_PHRASES = {
    "mironov-tajik-shooters-foreign-country-citizenship-moratorium": {
        "000": "moratorium on granting Russian citizenship to migrants from Tajikistan"
    },
    "isw-mobilization-burden-on-poor-and-minorities": {"000": "poor and minority communities to bear the brunt"},
    "isw-unequal-mobilization-causing-social-fractures": {"000": "causing social fractures"},
    "russian-officials-training-ground-shooting-tajik-mobilized": {"000": "ethnically Tajik Russians"},
    "putin-partial-mobilization-goal-300000": {"000": "300,000", "001": "300,000"},
    "putin-220000-reservists-mobilized": {"000": "220,000 reservists"},
    "sobyanin-mobilization-ending-goals-achieved": {"000": "achieved in full"},
    "hicks-17-offices-torched-since-call-up": {"001": "17 administrative offices have been torched"},
    "hicks-call-up-hits-impoverished-and-ethnic-minorities": {"001": "the impoverished and ethnic minorities"},
    "russian-authorities-call-up-only-previous-military-experience": {"001": "previous military experience"},
    "russian-authorities-exempt-it-workers-bankers-state-media": {"001": "IT workers, bankers and journalists"},
    "russian-authorities-concert-hall-attack-accused-tajik-citizens": {"002": "citizens of Tajikistan"},
    "hrw-russian-police-racial-profiling-before-march-attack": {"002": "racial profiling"},
    "romanova-detainees-not-given-a-choice": {"003": "not given a choice"},
    "interior-ministry-10-5-million-central-asian-migrant-workers": {"003": "10.5 million migrant workers"},
    "chupik-police-intimidate-migrants-into-military-contracts": {
        "003": "Valentina Chupik informed us",
        "004": "Valentina Cupik",
    },
    "aziz-police-raid-taken-to-enlistment-office": {"003": "police raid", "004": "police raid"},
    "bbc-moscow-migration-centre-signs-up-migrants": {
        "003": "openly register individuals",
        "004": "openly sign up people",
    },
    "usov-captured-russians-invited-by-defence-ministry": {"004": "invited officially by the defence ministry"},
    "usov-prisoner-recruitment-echoes-internal-squabbling": {"004": "internal squabbling"},
    "usov-shoigu-gerasimov-convict-resource": {"004": "convict resource"},
    "usov-ministry-convicts-used-as-cannon-fodder": {"004": "cannon fodder"},
    "cnn-defence-ministry-directly-recruiting-prisoners": {"004": "CNN exclusive"},
}

# Claims that two texts report: one Claim row, linked to both articles.
SHARED_CLAIMS = {
    "putin-partial-mobilization-goal-300000": {"000", "001"},
    "chupik-police-intimidate-migrants-into-military-contracts": {"003", "004"},
    "aziz-police-raid-taken-to-enlistment-office": {"003", "004"},
    "bbc-moscow-migration-centre-signs-up-migrants": {"003", "004"},
}


def raw_lines(prefix: str) -> list[str]:
    """The non-empty lines of a raw scrape, whitespace-normalised like article bodies."""
    (path,) = RAW_DIR.glob(f"{prefix}_*.txt")
    lines = (normalise_body(line) for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def article(prefix: str) -> Article:
    return Article.objects.get(slug=slug(prefix))


def model_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Source, Person, PersonAlias, Tag, Article, Claim, ClaimReport)
    } | {
        "authors": Article.authors.through.objects.count(),
        "people": Article.people.through.objects.count(),
        "tags": Article.tags.through.objects.count(),
    }


def test_fixture_uses_natural_keys_only():
    objects = json.loads(FIXTURE_PATH.read_text(encoding="utf-8"))
    assert all("pk" not in obj for obj in objects)
    for obj in objects:
        for field in ("created_at", "updated_at", "archived_at", "search_vector"):
            assert field not in obj["fields"], (obj["model"], field)


def test_five_published_articles_with_expected_titles(seed_archive):
    assert Article.objects.count() == 5
    assert Article.objects.published().count() == 5
    for prefix, (article_slug, title, editorial) in ARTICLES.items():
        item = article(prefix)
        assert item.slug == article_slug
        assert item.title == title
        assert item.title_is_editorial is editorial, prefix
        assert item.language == "en"
        assert item.url == ""
        assert item.summary
        assert item.published_note
    assert set(Article.objects.filter(title_is_editorial=True).values_list("slug", flat=True)) == {
        slug("000"),
        slug("001"),
    }


def test_sources_and_authors(seed_archive):
    newsweek = article("000").source
    assert newsweek is not None
    assert (newsweek.slug, newsweek.name, newsweek.kind, newsweek.country) == (
        "newsweek",
        "Newsweek",
        "news_outlet",
        "US",
    )
    assert [p.slug for p in article("000").authors.all()] == ["aila-slisco"]
    assert [p.slug for p in article("001").authors.all()] == ["jay-hicks"]
    for prefix in ("001", "002", "003", "004"):
        assert article(prefix).source is None, prefix
    for prefix in ("002", "003", "004"):
        assert not article(prefix).authors.exists(), prefix


def test_publication_dates_and_precision(seed_archive):
    expected = {
        "000": (datetime.date(2022, 10, 1), "month"),
        "001": (datetime.date(2022, 9, 1), "month"),
        "002": (datetime.date(2024, 1, 1), "year"),
        "003": (datetime.date(2023, 1, 1), "year"),
        "004": (datetime.date(2023, 1, 1), "year"),
    }
    for prefix, (published_on, precision) in expected.items():
        item = article(prefix)
        assert (item.published_on, item.published_precision) == (published_on, precision), prefix


def test_bodies_are_normalised_and_hashed(seed_archive):
    for item in Article.objects.all():
        assert item.body == normalise_body(item.body)
        assert item.body_sha256 == body_sha256(item.body)
        assert item.paragraphs == item.body.split("\n\n")


@pytest.mark.parametrize("prefix", sorted(ARTICLES))
def test_cleaning_lost_nothing_but_chrome(seed_archive, prefix):
    item = article(prefix)
    paragraphs = item.paragraphs
    lines = raw_lines(prefix)
    if marker := RECENT_POSTS_MARKER.get(prefix):
        assert len(lines[lines.index(marker) + 1 :]) > 0
        lines = lines[: lines.index(marker) + 1]
    chrome = REMOVED_CHROME[prefix]
    for line in chrome:
        assert line in lines, f"listed chrome not in raw {prefix}: {line!r}"
    for line in lines:
        assert line in paragraphs or line == item.title or line in chrome, f"lost from {prefix}: {line!r}"
    # Nothing was added, reordered or reworded either.
    kept = [line for line in lines if line not in chrome and not (line == item.title and line not in paragraphs)]
    assert paragraphs == kept


def test_no_chrome_left_in_any_body(seed_archive):
    for item in Article.objects.all():
        for chrome in CHROME_STRINGS:
            assert chrome not in item.body, (item.slug, chrome)


def test_kept_lines_that_look_like_chrome(seed_archive):
    assert "Newsweek has reached out to the Russian government for comment." in article("000").paragraphs
    assert {"Russians Flee", "Protesting In the Face of Opposition", "Russia Tries to Back Track"} <= set(
        article("001").paragraphs
    )
    assert [p for p in article("003").paragraphs if p.startswith("- ")] == article("003").paragraphs[-3:]
    assert len(article("003").paragraphs[-3:]) == 3


def test_chupik_alias(seed_archive):
    alias = PersonAlias.objects.get(name="Valentina Cupik")
    assert alias.person.slug == "valentina-chupik"
    assert alias.person.name == "Valentina Chupik"
    assert alias.kind == "spelling"
    assert set(alias.person.articles.values_list("slug", flat=True)) == {slug("003"), slug("004")}
    for name in ("Valentina Cupik", "VALENTINA CUPIK", "valentina cupik"):
        with pytest.raises(IntegrityError), transaction.atomic():
            PersonAlias.objects.create(person=alias.person, name=name, kind="spelling")


def test_people_mentioned(seed_archive):
    expected = {
        "000": {"vladimir-putin", "sergey-mironov", "sergey-sobyanin"},
        "001": {"vladimir-putin"},
        "002": {"vladimir-putin"},
        "003": {"vladimir-putin", "olga-romanova", "alexei-navalny", "valentina-chupik", "aziz"},
        "004": {
            "vladimir-putin",
            "andriy-usov",
            "sergei-shoigu",
            "valery-gerasimov",
            "valentina-chupik",
            "aziz",
            "nick-paton-walsh",
            "darya-tarasova",
            "jo-shelley",
        },
    }
    for prefix, people in expected.items():
        assert set(article(prefix).people.values_list("slug", flat=True)) == people, prefix
    assert PersonAlias.objects.get(name="Sergey Shoigu").person.slug == "sergei-shoigu"
    assert Tag.objects.get(slug="crocus-city-hall-attack").articles.get() == article("002")


def test_claims_have_claimants(seed_archive):
    claims = Claim.objects.all()
    assert claims.count() >= 12
    assert set(claims.values_list("slug", flat=True)) == set(CLAIM_PHRASES)
    for claim in claims:
        assert claim.claimant_person_id or claim.claimant_source_id, claim.slug
        assert claim.statement
        assert claim.reports.exists(), claim.slug
        if claim.rating != "unverified":
            assert claim.rating_note, claim.slug


def test_claims_in_two_texts_are_one_row_linked_to_both(seed_archive):
    for claim_slug, prefixes in SHARED_CLAIMS.items():
        claim = Claim.objects.get(slug=claim_slug)
        assert set(claim.articles.values_list("slug", flat=True)) == {slug(p) for p in prefixes}
    # 003 and 004 retell one BBC report: reporting it twice is not corroboration.
    for claim_slug in (
        "chupik-police-intimidate-migrants-into-military-contracts",
        "aziz-police-raid-taken-to-enlistment-office",
        "bbc-moscow-migration-centre-signs-up-migrants",
    ):
        claim = Claim.objects.get(slug=claim_slug)
        assert claim.rating == "unverified"
        assert "one BBC report" in claim.rating_note
    assert Claim.objects.get(slug="putin-partial-mobilization-goal-300000").rating == "supported"


def test_quotes_are_verbatim(seed_archive):
    for claim in Claim.objects.exclude(quote=""):
        assert any(claim.quote in item.body for item in claim.articles.all()), claim.slug


def test_claim_report_paragraphs(seed_archive):
    reports = ClaimReport.objects.select_related("claim", "article")
    seen = set()
    for report in reports:
        paragraphs = split_paragraphs(report.article.body)
        assert 1 <= report.paragraph <= len(paragraphs), report
        prefix = next(p for p, (article_slug, _, _) in ARTICLES.items() if article_slug == report.article.slug)
        phrase = CLAIM_PHRASES[report.claim.slug][prefix]
        assert phrase in paragraphs[report.paragraph - 1], (report.claim.slug, prefix)
        assert phrase in report.paragraph_text
        seen.add((report.claim.slug, prefix))
    assert seen == {(claim_slug, p) for claim_slug, phrases in CLAIM_PHRASES.items() for p in phrases}


def test_loading_twice_creates_no_duplicates(seed_archive):
    before = model_counts()
    call_command("loaddata", "seed_archive", verbosity=0)
    assert model_counts() == before
