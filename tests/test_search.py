"""The stored search vector: filled by PostgreSQL, weighted, accent-insensitive and indexed."""

import datetime
import math
import random
import re

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from articles import search
from articles.caching import one_published_state
from articles.models import Article, ArticleStatus, Person
from articles.search import SORT_NEWEST, ArticleSearch, month_reached
from articles.services import vocabulary_refresh
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimReportFactory,
    PersonAliasFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

GENERATED_ARTICLES = 3000
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bra", "dor", "fen", "gul", "hap", "jir"]


def test_vector_is_generated_with_weights():
    article = ArticleFactory(title="Mobilisation", summary="Migrants", body="Conscription offices.")
    article.refresh_from_db()
    vector = str(article.search_vector)
    assert "'mobilis':1A" in vector
    assert "'migrant':2B" in vector
    assert "'conscript':3C" in vector


def test_vector_follows_edits():
    article = ArticleFactory(body="An early draft.")
    article.body = "The corrected text about Tajikistan."
    article.save()
    assert Article.objects.search("Tajikistan").get() == article


def test_search_is_accent_insensitive_both_ways():
    accented = ArticleFactory(body="Emilia Pérez premiered at Cannes.")
    plain = ArticleFactory(body="A review of Emilia Perez.")
    assert set(Article.objects.search("Perez")) == {accented, plain}
    assert set(Article.objects.search("Pérez")) == {accented, plain}


def test_search_stems_english():
    article = ArticleFactory(body="Reservists were mobilized last week.")
    assert list(Article.objects.search("mobilize reservist")) == [article]


def test_a_word_counts_alike_in_title_summary_and_body_and_shorter_articles_rank_higher():
    """No field boost (see OCCURRENCE_WEIGHTS): occurrences count, and length scales them down."""

    def article(published_on: str, **texts):
        return ArticleFactory(published_on=published_on, published_precision="day", **{"summary": "", **texts})

    # 42 bytes of text each.
    in_title = article("2020-01-01", title="Conscription offices", body="Nothing more was said.")
    in_summary = article("2021-01-01", title="Offices", summary="Conscription.", body="Nothing more was told.")
    in_body = article("2022-01-01", title="Offices", body="Conscription: nothing more was said")
    twice_in_body = article("2019-01-01", title="Offices", body="Conscription, conscription was said.")
    longer = article("2023-01-01", title="Offices", body="Conscription. " + "Nothing more was said. " * 20)
    vocabulary_refresh()
    hits = found("conscription")
    assert hits[0] == twice_in_body and hits[-1] == longer
    # The same length (in bytes) and one occurrence: the same score, so the newest first.
    assert hits[1:4] == [in_body, in_summary, in_title]
    assert hits[1].rank == pytest.approx(hits[2].rank) == pytest.approx(hits[3].rank)


def test_websearch_syntax():
    both = ArticleFactory(body="Migrants in Moscow were detained.")
    moscow = ArticleFactory(body="Moscow in winter.")
    phrase = ArticleFactory(body="Police detained migrants.")
    assert set(Article.objects.search('"migrants in moscow"')) == {both}
    assert set(Article.objects.search("moscow -migrants")) == {moscow}
    assert set(Article.objects.search("winter OR police")) == {moscow, phrase}


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_query_finds_nothing(query):
    ArticleFactory()
    assert not Article.objects.search(query).exists()


@pytest.mark.slow
def test_gin_index_serves_a_search_over_thousands_of_articles():
    rng = random.Random(2022)
    # A few thousand made-up words, so the vectors differ the way real articles do.
    vocabulary = list({"".join(rng.choices(SYLLABLES, k=3)) for _ in range(5000)})

    def random_text(words: int) -> str:
        return " ".join(rng.choices(vocabulary, k=words))

    articles = [
        ArticleFactory.build(title=random_text(8), body=f"{random_text(120)}\n\n{random_text(120)} {n}")
        for n in range(GENERATED_ARTICLES)
    ]
    articles[1234].body += " Yakutsk"
    articles[1234].body_sha256 = ArticleFactory.body_sha256.function(articles[1234])
    Article.objects.bulk_create(articles, batch_size=1000)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: merge GIN's pending list and gather statistics.
        cursor.execute("SELECT gin_clean_pending_list('article_search_vector_gin')")
        cursor.execute("ANALYZE articles_article")

    assert Article.objects.exclude(search_vector=None).count() == GENERATED_ARTICLES
    plan = Article.objects.search("Yakutsk").explain()
    assert "article_search_vector_gin" in plan, plan
    assert [a.slug for a in Article.objects.search("Yakutsk")] == [articles[1234].slug]


def found(query: str, **options) -> list[Article]:
    return list(Article.objects.published().search(query, **options))


def test_phrase_needs_the_words_together_while_words_do_not():
    together = ArticleFactory(body="The partial mobilization began.")
    apart = ArticleFactory(body="A partial list of the mobilization offices.")
    assert found('"partial mobilization"') == [together]
    assert set(found("partial mobilization")) == {together, apart}


def test_excluding_a_phrase():
    with_phrase = ArticleFactory(body="The brain drain continues.")
    without = ArticleFactory(body="The brain of the operation; drain the swamp.")
    assert found('brain -"brain drain"') == [without]
    assert with_phrase not in found('brain -"brain drain"')


def test_only_exclusions_find_nothing():
    ArticleFactory(body="Anything at all.")
    assert found("-tajik") == []


def test_prefix_finds_the_archive_s_words_beyond_their_stems():
    mobilization = ArticleFactory(body="The mobilization was announced.")
    mobilized = ArticleFactory(body="Reservists were mobilized.")
    ArticleFactory(body="A mob gathered at the office.")
    vocabulary_refresh()
    # "mobili" is no prefix of the stored stem "mobil": the vocabulary expands it.
    assert set(found("mobili*")) == {mobilization, mobilized}


def test_prefix_works_before_the_vocabulary_knows_the_word():
    article = ArticleFactory(body="Conscripts were sent to the front.")
    assert found("conscr*") == [article]


@pytest.mark.parametrize(
    ("typed", "written"),
    [("mobilisation", "mobilization"), ("mobilization", "mobilisation"), ("defence", "defense")],
)
def test_british_and_american_spellings_find_each_other(typed, written):
    article = ArticleFactory(body=f"A story about {written}.")
    assert found(typed) == [article]


def test_a_phrase_with_a_spelling_variant():
    article = ArticleFactory(body="The partial mobilization was announced.")
    assert found('"partial mobilisation"') == [article]


@pytest.fixture
def chupik():
    person = PersonFactory(name="Valentina Chupik")
    PersonAliasFactory(person=person, name="Valentina Cupik")
    return person


def test_an_alias_finds_articles_linked_to_the_person(chupik):
    spelled_so = ArticleFactory(body="Valentina Cupik spoke to the BBC.")
    spelled_otherwise = ArticleFactory(body="Ms Chupik said migrants were threatened.")
    spelled_otherwise.people.add(chupik)
    unlinked = ArticleFactory(body="Nothing about her here.")

    hits = found("Cupik")
    assert hits == [spelled_so, spelled_otherwise]  # the reader's own spelling first
    assert [hit.alias_match for hit in hits] == [False, True]
    assert unlinked not in hits
    assert ArticleSearch("Cupik").people == [chupik]


def test_alias_matching_can_be_switched_off(chupik):
    spelled_so = ArticleFactory(body="Valentina Cupik spoke to the BBC.")
    ArticleFactory(body="Ms Chupik said migrants were threatened.").people.add(chupik)
    assert found("Cupik", aliases=False) == [spelled_so]
    assert ArticleSearch("Cupik", aliases=False).people == []


def test_an_author_counts_as_linked(chupik):
    authored = ArticleFactory(body="An opinion piece on migrant rights.")
    authored.authors.add(chupik)
    assert found("Cupik") == [authored]


def test_a_name_combined_with_other_words_still_needs_them(chupik):
    about_deportation = ArticleFactory(body="Chupik said deportation was threatened.")
    about_deportation.people.add(chupik)
    ArticleFactory(body="Chupik said little.").people.add(chupik)
    assert found("Cupik deportation", partial=False) == [about_deportation]
    # With too few articles having every word, the others with some of them follow, flagged (see the fallback tests).
    hits = found("Cupik deportation")
    assert hits[0] == about_deportation and not hits[0].partial_match
    assert all(hit.partial_match for hit in hits[1:])


def test_a_partial_match_spelling_the_name_as_typed_is_no_alias_hit(chupik):
    """An alias hit lacks the reader's spelling of the name, not merely one of the other words."""
    as_typed = ArticleFactory(body="Cupik spoke to reporters at length about her work.")
    as_typed.people.add(chupik)
    otherwise = ArticleFactory(body="Chupik spoke.")
    otherwise.people.add(chupik)
    hits = {hit: hit for hit in found("Cupik deportation")}
    assert hits[as_typed].partial_match and not hits[as_typed].alias_match
    assert hits[otherwise].partial_match and hits[otherwise].alias_match
    # Hits in the reader's own spelling come first, whatever their score.
    assert list(hits) == [as_typed, otherwise]


def test_a_full_name_links_the_people_it_names_not_everyone_sharing_one_of_its_words():
    ramon_sanchez = PersonFactory(name="Ramon Sanchez")
    ramon_diaz, pedro_sanchez = PersonFactory(name="Ramon Diaz"), PersonFactory(name="Pedro Sanchez")
    about_him = ArticleFactory(body="The deputy mayor spoke at the hearing.")
    about_him.people.add(ramon_sanchez)
    about_two_others = ArticleFactory(body="Two officials spoke at the hearing.")
    about_two_others.people.add(ramon_diaz, pedro_sanchez)
    query = ArticleSearch("Ramon Sanchez", partial=False)
    assert query.people_by_term
    assert all(named == [ramon_sanchez] for named in query.people_by_term.values())
    assert found("Ramon Sanchez", partial=False) == [about_him]
    # Two words naming two different people still find the articles linked to both.
    assert found("Diaz Pedro", partial=False) == [about_two_others]


def test_a_full_name_loads_only_the_people_every_word_names():
    ramon_sanchez = PersonFactory(name="Ramon Sanchez")
    namesakes = [PersonFactory(name="Ramon Diaz"), PersonFactory(name="Pedro Sanchez")]
    ArticleFactory().people.add(ramon_sanchez, *namesakes)
    loaded = []

    def record(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(record, sender=Person)
    try:
        named = ArticleSearch("Ramon Sanchez").people_by_term
    finally:
        post_init.disconnect(record, sender=Person)
    assert list(named.values()) == [[ramon_sanchez], [ramon_sanchez]]
    assert loaded == [ramon_sanchez]


def people_loaded(search: ArticleSearch) -> tuple[dict, list]:
    """``search.people_by_term``, and every person instantiated to find them."""
    loaded = []

    def record(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(record, sender=Person)
    try:
        return search.people_by_term, loaded
    finally:
        post_init.disconnect(record, sender=Person)


def test_a_word_naming_too_many_people_loads_none_of_them(monkeypatch):
    monkeypatch.setattr(search, "MAX_PEOPLE_NAMED", 2)
    ArticleFactory().people.add(*(PersonFactory(name=f"Ramon {surname}") for surname in ("Diaz", "Vidal", "Ortega")))
    assert people_loaded(ArticleSearch("Ramon relief")) == ({}, [])


def test_without_a_visible_person_every_word_names_only_those_named_are_loaded(monkeypatch):
    monkeypatch.setattr(search, "MAX_PEOPLE_NAMED", 2)
    ramons = [PersonFactory(name=f"Ramon {surname}") for surname in ("Diaz", "Vidal", "Ortega")]
    ArticleFactory().people.add(*ramons)
    hidden = PersonFactory(name="Luis Quintero")  # only a draft names him
    ArticleFactory(status=ArticleStatus.DRAFT).people.add(hidden)
    named, loaded = people_loaded(ArticleSearch("Ramon Vidal Quintero"))
    # "Ramon" alone names too many, but with "Vidal" it names the one person both words name.
    assert list(named.values()) == [[ramons[1]], [ramons[1]]]
    assert loaded == [ramons[1]]


def test_words_whose_common_person_readers_may_not_see_name_everyone_readers_may_see():
    hidden = PersonFactory(name="Ramon Quintero")  # every word names him, but only a draft does
    ArticleFactory(status=ArticleStatus.DRAFT).people.add(hidden)
    ramon, quintero = PersonFactory(name="Ramon Quesada"), PersonFactory(name="Luis Quintero")
    ArticleFactory().people.add(ramon, quintero)
    named = ArticleSearch("Ramon Quintero").people_by_term
    assert list(named.values()) == [[ramon], [quintero]]


def test_only_people_readers_may_see_are_named_by_their_names_or_aliases():
    public = PersonFactory(name="Ramon Quesada")
    ArticleFactory().people.add(public)
    hidden = PersonFactory(name="Ramon Quintero")  # only a draft names him
    ArticleFactory(status=ArticleStatus.DRAFT).people.add(hidden)
    PersonAliasFactory(person=hidden, name="Ramón Quintana")
    PersonAliasFactory(person=public, name="R. Quintana")
    assert list(ArticleSearch("Ramon").people_by_term.values()) == [[public]]
    assert ArticleSearch("Quintero").people_by_term == {}
    assert list(ArticleSearch("Quintana").people_by_term.values()) == [[public]]
    assert ArticleSearch("Quintana", aliases=False).people_by_term == {}


def test_words_naming_no_one_are_looked_up_in_one_query(django_assert_num_queries):
    ArticleFactory().people.add(PersonFactory(name="Ramon Quesada"))
    with django_assert_num_queries(2):  # the published state, and the names
        assert ArticleSearch('migrants "mobilisation order" Buryatia').people_by_term == {}


def test_the_people_words_name_are_remembered_until_the_people_change(django_assert_num_queries):
    ramon = PersonFactory(name="Ramon Quesada")
    ArticleFactory().people.add(ramon)
    assert list(ArticleSearch("Ramon relief").people_by_term.values()) == [[ramon]]
    # The same words again: the published state, and nothing else: the people are neither looked
    # up nor loaded.
    with django_assert_num_queries(1):
        assert list(ArticleSearch("Ramon relief").people_by_term.values()) == [[ramon]]
    ArticleFactory().people.add(ramon)  # a change to the people's links: looked up and loaded again
    with django_assert_num_queries(4):  # the published state, the names, which are public, the person
        assert list(ArticleSearch("Ramon relief").people_by_term.values()) == [[ramon]]
    PersonAliasFactory(person=ramon, name="Moncho Quesada")
    (loaded,) = next(iter(ArticleSearch("Ramon relief").people_by_term.values()))
    assert loaded.alias_names == ["Moncho Quesada"]  # loaded again, with the alias added
    ramon.name = "Raimundo Quesada"
    ramon.save()
    assert ArticleSearch("Ramon relief").people_by_term == {}


def test_an_edit_to_an_article_leaves_the_people_named_remembered_until_its_status_changes(
    django_assert_num_queries,
):
    ramon = PersonFactory(name="Ramon Quesada")  # seen as the claimant of a claim one article reports
    article = ArticleFactory(title="Relief for the families")
    ClaimReportFactory(article=article, claim=ClaimFactory(claimant_person=ramon))
    assert list(ArticleSearch("Ramon relief").people_by_term.values()) == [[ramon]]
    article.title = "Relief for the families of the mobilised"
    article.save()
    article.tags.add(TagFactory())
    with django_assert_num_queries(1):  # the states, and nothing else
        assert list(ArticleSearch("Ramon relief").people_by_term.values()) == [[ramon]]
    article.status = ArticleStatus.DRAFT  # its claim is no longer reported: readers no longer see him
    article.save()
    assert ArticleSearch("Ramon relief").people_by_term == {}


def test_a_word_naming_someone_is_found_through_their_articles_when_no_text_has_it():
    chupik = PersonFactory(name="Valentina Chupik")
    ArticleFactory(title="Deportation flights resume").people.add(chupik)  # no text has her name
    claimant = PersonFactory(name="Ramon Quesada")  # seen as a claimant, in no article's text or links
    claim = ClaimFactory(claimant_person=claimant)
    ClaimReportFactory(article=ArticleFactory(title="Claims about the border"), claim=claim)
    query = ArticleSearch("Chupik Quesada deportation")
    fallback = query.fallback_decide(Article.objects.published())
    assert set(query.people) == {chupik, claimant}
    assert fallback is not None and fallback.missing == ("Quesada",)


def test_a_name_shared_by_too_many_people_is_searched_as_text(monkeypatch):
    monkeypatch.setattr(search, "MAX_PEOPLE_NAMED", 2)
    namesakes = [PersonFactory(name=f"Ramon {surname}") for surname in ("Diaz", "Vidal", "Ortega")]
    linked = ArticleFactory(body="An official spoke at the hearing.")
    linked.people.add(*namesakes)
    says_it = ArticleFactory(body="Ramon spoke at the hearing.")
    assert ArticleSearch("Ramon").people_by_term == {}
    assert found("Ramon") == [says_it]
    # A full name among them still finds its person's articles.
    assert found("Ramon Vidal", partial=False) == [linked]


def test_a_name_linked_to_many_articles_is_found_through_them_all(chupik):
    """The linked articles are joined by id, not each tested against a list of them (see _or_linked_with)."""
    linked = [ArticleFactory(body=f"Words of no interest, number {n}.") for n in range(30)]
    for article in linked:
        article.people.add(chupik)
    spelled_so = ArticleFactory(body="Valentina Cupik spoke.")
    hits = found("Cupik")
    assert hits[0] == spelled_so
    assert set(hits[1:]) == set(linked)
    assert all(hit.alias_match for hit in hits[1:])


def test_headlines_mark_matches_and_escape_the_text():
    article = ArticleFactory(body="<script>alert(1)</script> Tajik migrants & their <i>families</i> were stopped.")
    query = ArticleSearch("Tajik")
    query.headlines([article])
    assert "<mark>Tajik</mark>" in article.headline
    assert "&amp;" in article.headline
    assert "<script>" not in article.headline
    assert "<i>" not in article.headline


def test_headlines_mark_only_the_matches_never_the_text_s_own_marker_tags():
    """A body can hold "<mark>" as text, or anything shaped like the markers: only the real ones become tags."""
    markers = search.headline_markers()
    assert markers != search.headline_markers()  # a new token for every search: no text can know it
    start, stop = markers
    headline = f"A <mark>fake</mark> hl0123456789abcdef01234567start and {start}Tajik{stop} & co"
    assert search.escape_headline(headline, markers) == (
        "A &lt;mark&gt;fake&lt;/mark&gt; hl0123456789abcdef01234567start and <mark>Tajik</mark> &amp; co"
    )
    article = ArticleFactory(body=f"Tajik {search.HIGHLIGHT_START}fake{search.HIGHLIGHT_STOP} &lt;i&gt; workers.")
    query = ArticleSearch("Tajik")
    query.headlines([article])
    assert re.findall(r"<mark>(.*?)</mark>", article.headline) == ["Tajik"]
    assert "&amp;lt;i&amp;gt;" in article.headline  # an entity in the text prints as typed


def test_headlines_of_alias_hits_mark_the_other_spelling(chupik):
    article = ArticleFactory(body="Ms Chupik said migrants were threatened.")
    article.people.add(chupik)
    query = ArticleSearch("Cupik")
    query.headlines([article])
    assert "<mark>Chupik</mark>" in article.headline


def test_headlines_take_one_query_and_one_more_for_bodies_read_without(django_assert_num_queries):
    for n in range(5):
        ArticleFactory(body=f"Tajik migrant number {n}.")
    query = ArticleSearch("migrant")
    query.ranked_terms  # noqa: B018  (prepared beforehand, as the search itself does)
    articles = list(Article.objects.order_by("pk"))
    with django_assert_num_queries(1):
        query.headlines(articles)
    assert all("<mark>migrant</mark>" in article.headline for article in articles)
    listed = list(Article.objects.listed().order_by("pk"))
    with django_assert_num_queries(2):
        query.headlines(listed)
    assert [article.headline for article in listed] == [article.headline for article in articles]


def filler(number: int) -> str:
    return f"Paragraph {number} says nothing of interest to anyone reading it, at some length."


def test_a_headline_comes_from_the_paragraphs_holding_the_words():
    paragraphs = [filler(n) for n in range(1, 13)]
    paragraphs[3] = "Ministers said the mobilisation would not touch migrants."
    paragraphs[9] = "Tajik workers queued at the border, and the mobilised men with them."
    article = ArticleFactory(body="\n\n".join(paragraphs))
    query = ArticleSearch("tajik mobilised")
    query.headlines([article])
    assert re.findall(r"<mark>(.*?)</mark>", article.headline) == ["mobilisation", "Tajik", "mobilised"]
    assert "Paragraph 1 " not in article.headline


def test_a_headline_of_an_article_found_through_a_person_begins_with_its_text(chupik):
    article = ArticleFactory(body="\n\n".join(filler(n) for n in range(1, 13)))
    article.people.add(chupik)
    query = ArticleSearch("Cupik")
    query.headlines([article])
    assert article.headline.startswith("Paragraph 1 says nothing")
    assert "<mark>" not in article.headline


def test_a_headline_of_stop_words_alone_is_the_text_s_beginning():
    article = ArticleFactory(body="\n\n".join(filler(n) for n in range(1, 13)))
    query = ArticleSearch("the")
    query.headlines([article])
    assert article.headline.startswith("Paragraph 1 says nothing")


def test_the_paragraphs_chosen_show_each_word_where_the_text_has_it():
    paragraphs = ["Alpha.", "Tajik.", "Tajik again.", "Beta.", "Migrants.", "Gamma.", "Tajik migrants together."]
    body = "\n\n".join(paragraphs)
    assert search.headline_passage(body, ["tajik", "migrant", "alpha"]) == "Alpha. … Tajik migrants together."
    # A paragraph adding no word is still a second place to show one, and neighbours keep their break.
    assert search.headline_passage(body, ["tajik", "migrant"]) == "Tajik. … Tajik migrants together."
    assert search.headline_passage(body, ["tajik"]) == "Tajik.\n\nTajik again."
    assert search.headline_passage(body, ["nowhere"]) == "Alpha.\n\nTajik."
    assert search.headline_passage("Tajik.\n\nMigrants.", ["migrant"]) == "Tajik.\n\nMigrants."


def test_a_paragraph_holds_a_word_that_begins_with_the_clue_folded_as_the_search_folds_it():
    body = "\n\n".join(["Ein Grossmeister.", "Den Großmeister.", "Søren spoke.", "Unsorenesque."])
    assert search.headline_passage(body, ["grossmeist"], limit=1) == "Ein Grossmeister."
    assert search.headline_passage(body, ["soren"]) == "Søren spoke."  # a word's beginning, not its middle
    assert search.folded("Den GROßMEISTER, Søren Æsir Łódź İzmir “x”") == "den grossmeister, soren aesir lodz izmir “x”"


def test_a_lexeme_s_clue_is_how_the_words_it_stems_begin():
    assert [search.lexeme_clue(lexeme) for lexeme in ("happi", "hope", "possibl", "govern", "tajik", "die")] == [
        "happ",
        "hop",
        "possib",
        "govern",
        "tajik",
        "di",
    ]


def test_preparing_a_search_costs_five_queries_then_two_once_its_people_are_remembered(
    django_assert_num_queries, chupik
):
    ArticleFactory(body="Mobilization and Chupik.")
    vocabulary_refresh()
    # The published state, the prefix's words, the people the names match, which of them readers
    # may see, and the person named.
    query = ArticleSearch("mobili* Cupik -tajik")
    with django_assert_num_queries(5):
        query.text_query  # noqa: B018
        query.ranking_query  # noqa: B018
    # The same words again: the people named are remembered, loaded (``people_by_term``); the
    # published state, and the prefix's words.
    query = ArticleSearch("mobili* Cupik -tajik")
    with django_assert_num_queries(2):
        query.text_query  # noqa: B018
        query.ranking_query  # noqa: B018


def test_relevance_is_computed_among_the_newest_matches_only(monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    old_but_relevant = ArticleFactory(
        title="Conscription", body="Conscription conscription.", published_on="2001-01-01", published_precision="day"
    )
    newer = [
        ArticleFactory(
            body=f"One mention of conscription, {n}.", published_on=f"202{n}-01-01", published_precision="day"
        )
        for n in range(3)
    ]
    hits = found("conscription")
    assert len(hits) == 4  # the window bounds ranking, never the results
    assert hits[:2] == [newer[2], newer[1]]
    assert hits[2:] == [newer[0], old_but_relevant]  # outside the window: by date
    assert [hit.rank for hit in hits[2:]] == [0.0, 0.0]


def test_past_the_window_an_alias_match_is_told_the_same_way(monkeypatch, chupik):
    """With more matches than the window, the articles spelling the name are found by the index
    (``_alias_match``): each hit is flagged as when its own text is read."""
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    spelled_so = [ArticleFactory(body=f"Valentina Cupik spoke, {n}.") for n in range(2)]
    spelled_otherwise = [ArticleFactory(body=f"Ms Chupik spoke, {n}.") for n in range(2)]
    for article in (spelled_so[0], *spelled_otherwise):
        article.people.add(chupik)

    def flags(query: ArticleSearch) -> dict[int, bool]:
        return {hit.pk: hit.alias_match for hit in Article.objects.published().search(query)}

    past_the_window = ArticleSearch("Cupik")
    assert past_the_window.windowed
    assert flags(past_the_window) == flags(ArticleSearch("Cupik", windowed=False))
    assert flags(past_the_window) == {
        spelled_so[0].pk: False,
        spelled_so[1].pk: False,
        spelled_otherwise[0].pk: True,
        spelled_otherwise[1].pk: True,
    }


def test_unpublished_articles_are_never_found_through_an_alias(chupik):
    draft = ArticleFactory(body="Ms Chupik, draft.", status=ArticleStatus.DRAFT)
    draft.people.add(chupik)
    assert found("Cupik") == []


def test_suggestions_respell_from_the_archive_s_words():
    ArticleFactory(body="The mobilization of reservists.")
    vocabulary_refresh()
    assert ArticleSearch("mobilizaton reservists").suggestions().correction == "mobilization reservists"
    assert ArticleSearch('"mobilizaton" -reservist').suggestions().correction == '"mobilization" -reservist'


def test_corrections_offer_no_word_readers_cannot_see_even_before_the_vocabulary_is_refreshed():
    """The vocabulary may hold words readers cannot see (a retraction saved outside the admin is not counted
    out of it until a rebuild; it holds every name): the suggestions check them."""
    retracted = ArticleFactory(body="The zorblaxian district.")
    ArticleFactory(body="The zorblaxion affair.", status=ArticleStatus.DRAFT)
    drafted = PersonFactory(name="Quentin Zwirbelmann")  # named only by a draft: not public
    ArticleFactory(body="Unrelated.", status=ArticleStatus.DRAFT).people.add(drafted)
    ArticleFactory(body="Published words.")
    vocabulary_refresh()
    assert ArticleSearch("zorblaxiam").suggestions().correction == "zorblaxian"
    retracted.status, retracted.retraction_note = ArticleStatus.RETRACTED, "Retracted: unverified."
    retracted.save()  # not counted out: its words are still in the vocabulary
    assert ArticleSearch("zorblaxiam").suggestions().correction is None
    assert ArticleSearch("zwirbelman").suggestions().correction is None
    drafted_suggestions = ArticleSearch("Quentin Zwirbelman").suggestions()
    assert drafted not in drafted_suggestions.people


def test_suggestions_and_named_people_are_only_those_readers_may_see(chupik):
    hidden_person, hidden_tag = PersonFactory(name="Valentina Chupek"), TagFactory(name="Conscripton drive")
    draft = ArticleFactory(body="A draft about migrants.", status=ArticleStatus.DRAFT)
    draft.people.add(hidden_person)
    draft.tags.add(hidden_tag)
    ArticleFactory(body="Migrants and Chupek.")
    vocabulary_refresh()
    assert ArticleSearch("Chupek").suggestions().people == [chupik]
    assert ArticleSearch("conscripton drive").suggestions().tags == []
    named = ArticleSearch("Chupek migrants")
    assert hidden_person not in named.people


def test_no_correction_when_every_word_is_known():
    ArticleFactory(body="The mobilization of reservists.")
    vocabulary_refresh()
    assert ArticleSearch("mobilization").suggestions().correction is None


def test_suggestions_offer_the_nearest_people_and_tags(chupik, django_assert_max_num_queries):
    tag = TagFactory(name="Conscription")
    ArticleFactory(body="Anything.")
    vocabulary_refresh()
    with django_assert_max_num_queries(3):
        people_suggestions = ArticleSearch("Chupek").suggestions()
    assert people_suggestions.people == [chupik]
    assert ArticleSearch("conscripton").suggestions().tags == [tag]


def test_the_seed_archive_answers_the_alias_both_ways(seed_archive):
    vocabulary_refresh()
    cupik = found("Cupik")
    chupik = found("Chupik")
    titles = {article.title for article in cupik}
    assert titles == {
        "Russia Compels Migrants to Join Putin's War Effort in Ukraine Conflict",
        "Prisoners and immigrants are being forced to fight for Russia in Ukraine",
    }
    assert {article.title for article in chupik} == titles
    assert [article.alias_match for article in cupik] == [False, True]


def test_corrections_reach_names_no_text_spells(chupik):
    ArticleFactory(body="An article that names nobody.")
    vocabulary_refresh()
    assert ArticleSearch("Valentina Cupikk").suggestions().correction == "Valentina cupik"


# --- BM25-like ranking and the fallback to partial matches -------------------------------------------


def test_a_word_no_article_has_falls_back_to_the_articles_with_the_other_words():
    wanted = ArticleFactory(title="Harbour report", body="The kettle and the lantern were found in the harbour.")
    ArticleFactory(title="Unrelated", body="Nothing about it.")
    search_ = ArticleSearch("kettle lantern zyxwvut")
    hits = list(Article.objects.published().search(search_))
    assert hits == [wanted]
    assert hits[0].partial_match and not hits[0].alias_match
    assert search_.fallback == search.Fallback(level=2, terms=3, missing=("zyxwvut",))
    assert found("kettle lantern zyxwvut", partial=False) == []


def test_partial_matches_are_ranked_with_the_few_full_ones_by_score():
    both = ArticleFactory(title="Other", body="A walrus. " + "Filler words here. " * 40 + "A narwhal.")
    narwhal_in_title = ArticleFactory(title="Narwhal narwhal narwhal", body="Narwhal narwhal.")
    walrus_once = ArticleFactory(title="Other", body="A walrus. " + "Filler words here. " * 40)
    vocabulary_refresh()
    hits = found("walrus narwhal")
    # A short article full of one word outranks a long one with each word once, as in BM25 engines;
    # the article with every word still outranks one with a single occurrence of one of them.
    assert hits == [narwhal_in_title, both, walrus_once]
    assert [hit.partial_match for hit in hits] == [True, False, True]
    assert hits[0].rank > hits[1].rank > hits[2].rank


def test_enough_full_matches_need_no_fallback():
    full = [ArticleFactory(body=f"Walrus and narwhal, report {n}.") for n in range(search.PARTIAL_THRESHOLD)]
    ArticleFactory(body="Only a narwhal.")
    search_ = ArticleSearch("walrus narwhal")
    assert set(Article.objects.search(search_)) == set(full)
    assert search_.fallback is None


def test_a_rarer_word_outranks_a_common_one():
    common = [ArticleFactory(body=f"The walrus, report {n}.") for n in range(8)]
    rare = ArticleFactory(body="The narwhal, report 9.")
    vocabulary_refresh()
    hits = found("walrus narwhal")
    assert hits[0] == rare
    assert set(hits) == {rare, *common}
    assert all(hit.partial_match for hit in hits)


def test_exclusions_still_exclude_partial_matches():
    ArticleFactory(body="A narwhal with a tusk.")
    without_tusk = ArticleFactory(body="A walrus on the ice.")
    assert found("walrus narwhal -tusk") == [without_tusk]


def test_a_phrase_or_an_or_group_counts_as_one_term():
    ArticleFactory(body="Bear meets polar explorer, seal.")  # the phrase's words, apart: one term of three
    seal_and_penguin = ArticleFactory(body="A seal and a penguin.")  # two terms of three
    search_ = ArticleSearch('"polar bear" seal OR walrus penguin')
    assert [term.text for term in search_.ranked_terms] == ['"polar bear"', "seal OR walrus", "penguin"]
    hits = list(Article.objects.search(search_))
    assert hits[0] == seal_and_penguin
    assert search_.fallback.terms == 3


@pytest.mark.parametrize("query", ["the of", "the -walrus", ""])
def test_stop_words_or_blank_find_nothing_and_do_not_fall_back(query):
    ArticleFactory(body="The walrus of the north.")
    search_ = ArticleSearch(query)
    assert list(Article.objects.search(search_)) == []
    assert search_.fallback is None


def test_stop_words_among_the_words_are_not_terms():
    article = ArticleFactory(body="The walrus and the narwhal.")
    search_ = ArticleSearch("the walrus of narwhal")
    assert len(search_.ranked_terms) == 2
    assert list(Article.objects.search(search_)) == [article]
    assert search_.fallback is None


def test_an_alias_still_matches_in_a_fallback(chupik):
    linked = ArticleFactory(body="She spoke about deportation.")
    linked.people.add(chupik)
    hits = found("Cupik deportation zyxwvut")
    assert hits == [linked]
    assert hits[0].partial_match


@pytest.mark.parametrize("in_text", [3, 1])
def test_full_matches_through_text_or_links_both_count_against_falling_back(chupik, monkeypatch, in_text):
    """Enough articles spelling every word settle it at once; else the linked ones are counted too."""
    monkeypatch.setattr(search, "PARTIAL_THRESHOLD", 3)
    for n in range(in_text):
        ArticleFactory(body=f"Cupik on deportation, report {n}.")
    for n in range(3 - in_text):
        ArticleFactory(body=f"Chupik on deportation, report {n}.").people.add(chupik)
    ArticleFactory(body="Only deportation.")
    search_ = ArticleSearch("Cupik deportation")
    assert len(list(Article.objects.search(search_))) == 3
    assert search_.fallback is None
    monkeypatch.setattr(search, "PARTIAL_THRESHOLD", 4)
    fell_back = ArticleSearch("Cupik deportation")
    assert len(list(Article.objects.search(fell_back))) == 4 and fell_back.fallback.level == 1


def test_a_fallback_over_many_names_tests_each_name_once():
    """Fuzzing found that a dozen names took seconds: "at least k of them" was C(n, k) conjunctions of subqueries."""
    names = ["Abelard", "Bertrand", "Cosima", "Dagmar", "Evander", "Fenella", "Gulnara", "Horatio"]
    people = [PersonFactory(name=name) for name in names]
    most = ArticleFactory(body="Gulnara and Horatio met the press.")
    most.people.add(*people[:3])  # five of the eight names: three linked, two in the text
    one = ArticleFactory(body="Horatio alone.")
    ArticleFactory(body="Nobody named.")
    query = " ".join(names)

    hits = found(query)

    assert set(hits) == {most, one}
    assert all(hit.partial_match for hit in hits)
    prepared = ArticleSearch(query)
    sql = str(Article.objects.filter(prepared._at_least(4)).query)
    links_table = Article.people.through._meta.db_table
    # Once for each name, and once to gather the linked articles: not C(8, 4) * 4 = 280.
    assert sql.count(f'"{links_table}"') == len(names) + 1


def test_at_least_k_terms_with_names_is_the_articles_with_k_terms_by_text_or_link():
    """The text's matches come from the GIN index and the linked articles are counted apart: together
    they are exactly the articles with at least k terms, a term counting when its word is in the text
    or when the article is linked to a person it names."""
    rng = random.Random(11)
    names = ["Abelard", "Bertrand", "Cosima"]
    words = ["walrus", "narwhal", "kettle"]
    people = {name: PersonFactory(name=name) for name in names}
    terms = {}  # article -> the query's terms it has, by text or link
    for n in range(60):
        in_text = rng.sample(names + words, rng.randint(0, 4))
        linked = rng.sample(names, rng.randint(0, 2))
        article = ArticleFactory(body=" ".join([*in_text, f"report {n}."]))
        article.people.add(*(people[name] for name in linked))
        terms[article.pk] = set(in_text) & set(names + words) | set(linked)
    prepared = ArticleSearch(" ".join(names + words))
    for level in range(1, len(names + words) + 1):
        expected = {pk for pk, has in terms.items() if len(has) >= level}
        assert set(Article.objects.filter(prepared._at_least(level)).values_list("pk", flat=True)) == expected


def test_every_term_with_names_is_matched_by_text_or_link_and_exclusions_still_exclude():
    rng = random.Random(12)
    names = ["Abelard", "Bertrand"]
    words = ["walrus", "narwhal"]
    people = {name: PersonFactory(name=name) for name in names}
    expected = set()
    for n in range(60):
        in_text = rng.sample([*names, *words, "kettle"], rng.randint(0, 5))
        linked = rng.sample(names, rng.randint(0, 2))
        article = ArticleFactory(body=" ".join(["The", *in_text, f"report {n}."]))
        article.people.add(*(people[name] for name in linked))
        has = set(in_text) | set(linked)
        if {*names, *words} <= has and "kettle" not in in_text:
            expected.add(article.pk)
    assert expected  # the draw has some of each
    prepared = ArticleSearch("the Abelard Bertrand walrus narwhal -kettle")
    assert set(Article.objects.filter(prepared._match()).values_list("pk", flat=True)) == expected


def test_a_link_to_someone_several_words_name_counts_for_each_of_them_and_exclusions_still_exclude():
    """A full name's words all name its person: a link to them counts for every one of those words
    (without the article's text being read), at every level and for every word, as a test would."""
    rng = random.Random(13)
    full, other = PersonFactory(name="Abelard Bertrand"), PersonFactory(name="Cosima")
    prepared = ArticleSearch("Abelard Bertrand Cosima walrus -kettle")
    named = {term.text.lower(): {person.pk for person in term.people} for term in prepared.ranked_terms}
    assert named["abelard"] == named["bertrand"] == {full.pk} and named["cosima"] == {other.pk}
    has = {}
    for n in range(80):
        in_text = rng.sample(["abelard", "bertrand", "cosima", "walrus", "kettle"], rng.randint(0, 4))
        linked = rng.sample([full, other], rng.randint(0, 2))
        article = ArticleFactory(body=" ".join(["The", *in_text, f"report {n}."]))
        article.people.add(*linked)
        links = {person.pk for person in linked}
        terms = {word for word, pks in named.items() if word in in_text or pks & links}
        has[article.pk] = (terms, "kettle" in in_text)
    for level in range(1, len(named) + 1):
        expected = {pk for pk, (terms, excluded) in has.items() if len(terms) >= level and not excluded}
        found = Article.objects.filter(prepared._at_least(level), prepared._excluding())
        assert set(found.values_list("pk", flat=True)) == expected, level
    every = {pk for pk, (terms, excluded) in has.items() if len(terms) == len(named) and not excluded}
    assert every  # the draw has some
    assert set(Article.objects.filter(prepared._match()).values_list("pk", flat=True)) == every
    # The name alone: every word names the person, so a link is every word.
    name_only = ArticleSearch("Abelard Bertrand -kettle")
    expected = {pk for pk, (terms, excluded) in has.items() if {"abelard", "bertrand"} <= terms and not excluded}
    assert set(Article.objects.filter(name_only._match()).values_list("pk", flat=True)) == expected


WEIGHT_OF = search.OCCURRENCE_WEIGHTS
_STORED = re.compile(r"'((?:[^']|'')+)'(?::([0-9A-D,]+))?")


def stored_entries(vector: str) -> dict[str, float]:
    """A tsvector's text as each lexeme's weighted frequency (a position without a letter has weight D)."""
    entries = {}
    for lexeme, positions in _STORED.findall(vector):
        weights = [position[-1] if position[-1] in WEIGHT_OF else "D" for position in positions.split(",")]
        entries[lexeme.replace("''", "'")] = sum(WEIGHT_OF[weight] for weight in weights)
    return entries


def reference_scores(groups: list[list[str]], idfs: list[float] | None = None) -> dict[int, float]:
    """BM25 over the published articles, in Python: ``groups`` of alternative one-word lexemes.

    ``idfs``: the groups' idf, as the search took it, instead of one from their articles here.
    """
    published = Article.objects.published().only("search_vector", "title", "summary", "body")
    vectors = {article.pk: stored_entries(str(article.search_vector)) for article in published}
    lengths = {
        article.pk: sum(len(text.encode()) for text in (article.title, article.summary, article.body))
        for article in published
    }
    documents = len(vectors)
    average_length = sum(lengths.values()) / documents
    if idfs is None:
        idfs = []
        for group in groups:
            frequency = min(documents, sum(sum(lexeme in entries for entries in vectors.values()) for lexeme in group))
            idfs.append(math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5)))
    scores = {}
    for pk, entries in vectors.items():
        score = 0.0
        for group, idf in zip(groups, idfs, strict=True):
            frequency = sum(entries.get(lexeme, 0) for lexeme in group)
            if frequency:
                norm = 1 - search.BM25_B + search.BM25_B * lengths[pk] / average_length
                score += idf * frequency * (search.BM25_K1 + 1) / (frequency + search.BM25_K1 * norm)
        scores[pk] = score
    return scores


def test_the_bm25_score_in_sql_equals_a_python_reference():
    rng = random.Random(6)
    words = ["walrus", "narwhal", "kettle", "lantern", "harbour", "glacier", "beacon", "anchor"]
    for n in range(40):
        ArticleFactory(
            title=" ".join(rng.choices(words, k=2)),
            summary=" ".join(rng.choices(words, k=rng.randint(0, 3))),
            body=" ".join(rng.choices(words, k=rng.randint(1, 30))) + f" report {n}",
        )
    ArticleFactory(body="walrus narwhal kettle", status=ArticleStatus.DRAFT)
    vocabulary_refresh()
    for query, groups in [
        ("walrus", [["walrus"]]),
        ("narwhal kettle", [["narwhal"], ["kettl"]]),
        ("glacier OR beacon anchor lantern", [["glacier", "beacon"], ["anchor"], ["lantern"]]),
        ("narwhal zyxwvut", [["narwhal"], ["zyxwvut"]]),  # a fallback: partial matches are scored the same way
    ]:
        expected = reference_scores(groups)
        hits = found(query)
        assert hits
        for hit in hits:
            assert hit.rank == pytest.approx(expected[hit.pk], rel=1e-6), (query, hit.pk)  # ts_rank_cd: float4
        full = [hit for hit in hits if not hit.partial_match]
        assert [hit.rank for hit in full] == sorted((hit.rank for hit in full), reverse=True)


@pytest.mark.parametrize("title_weight", [1.0, 2.0])
def test_a_prefix_s_many_lexemes_are_scored_as_the_reference_scores_them(monkeypatch, title_weight):
    """Counted from the vector's positions when every occurrence counts alike, else by ts_rank_cd."""
    monkeypatch.setitem(search.OCCURRENCE_WEIGHTS, "A", title_weight)
    rng = random.Random(7)
    words = ["seaboard", "seabird", "seafarers", "seagull", "seahorse", "seaweed", "harbour", "the"]
    for n in range(30):
        ArticleFactory(
            title=" ".join(rng.choices(words, k=3)),
            body=" ".join(rng.choices(words, k=rng.randint(1, 25))) + f" report {n}",
        )
    vocabulary_refresh()
    (term,) = ArticleSearch("sea*").ranked_terms
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector(%s::regconfig, %s)", [search.SEARCH_CONFIG, " ".join(words[:6])])
        assert set(term.lexemes) == set(stored_entries(cursor.fetchone()[0])) and len(term.lexemes) == 6
    # A prefix's document frequency is its most frequent expansion's (``ranked_terms``): the
    # search's idf; the frequency in each article is what is compared.
    expected = reference_scores([list(term.lexemes)], idfs=[term.idf])
    with CaptureQueriesContext(connection) as queries:
        hits = found("sea*")
    assert len(hits) == 30
    assert all(hit.rank == pytest.approx(expected[hit.pk], rel=1e-6) for hit in hits)
    counted_positions = any("setweight" in query["sql"] for query in queries)
    assert counted_positions == (title_weight == 1.0)


def test_expansions_sharing_a_lexeme_are_scored_as_that_lexeme_given_once():
    """The expansions "option", "options" and "optional" all store option: ranking asks for it once."""
    ArticleFactory(title="Options", body="An option, optional options and optionally more.")
    ArticleFactory(body="One option among others.")
    for n in range(4):
        ArticleFactory(body=f"Other report {n}.")
    vocabulary_refresh()
    (term,) = ArticleSearch("optio*").ranked_terms
    assert term.lexemes == ("option",)
    expected = reference_scores([["option"]], idfs=[term.idf])
    with CaptureQueriesContext(connection) as queries:
        hits = found("optio*")
    assert len(hits) == 2
    assert all(hit.rank == pytest.approx(expected[hit.pk], rel=1e-6) for hit in hits)
    (page,) = [query["sql"] for query in queries if "ts_rank_cd" in query["sql"]]
    assert """"search_vector", '''option'''::tsquery, 0)""" in page  # the literal 'option', once


def test_only_a_disjunction_of_single_lexemes_has_its_lexemes_counted():
    PersonFactory(name="Walter Seaborne")
    ArticleFactory(body="seaboard seabird seafarers seagull seahorse seaweed well-known seaborne walter")
    vocabulary_refresh()

    def lexemes(query: str) -> list[tuple[str, ...]]:
        return [term.lexemes for term in ArticleSearch(query).ranked_terms]

    assert lexemes("seaboard OR seagull") == [("seaboard", "seagul")]
    assert lexemes("mobilisation") == [("mobil", "mobilis")]  # both spellings
    assert lexemes('"seaboard seagull"') == [()]  # a phrase
    assert lexemes("well-known") == [()]  # a spelling to_tsquery makes a phrase of
    assert lexemes("seaborne") == [()]  # it names Walter Seaborne, whose name is a phrase
    assert lexemes("zzq*") == [()]  # no expansions: the stem as a prefix


def test_a_surname_naming_several_people_is_as_rare_as_the_word_itself():
    """Each "Emily Dunmore" is a Dunmore: the names add nothing to how many articles the word is in."""
    for first in ["Emily", "Paul", "Lisa"]:
        PersonFactory(name=f"{first} Dunmore")
    ArticleFactory(body="Dunmore spoke.")
    for n in range(9):
        ArticleFactory(body=f"Another report {n}.")
    vocabulary_refresh()
    prepared = ArticleSearch("Dunmore")
    assert len(prepared.people) == 3
    assert prepared.ranked_terms[0].idf == pytest.approx(search.inverse_document_frequency(10, 1))


def test_the_lexeme_statistics_are_read_once_a_published_state():
    ArticleFactory(body="A walrus was sighted.")
    vocabulary_refresh()

    def statistics_reads(query: str) -> int:
        with CaptureQueriesContext(connection) as queries, one_published_state():
            assert ArticleSearch(query).ranked_terms
        return sum("articles_lexeme_stats" in query["sql"] for query in queries)

    assert statistics_reads("walrus") == 1
    assert statistics_reads("walrus") == 0
    assert statistics_reads("walrus sighted") == 1  # other words: other statistics
    ArticleFactory(body="Another walrus.")  # a new published state
    vocabulary_refresh()
    assert statistics_reads("walrus") == 1
    assert ArticleSearch("walrus").ranked_terms[0].frequency == 2


def test_preparing_and_running_a_fallback_takes_a_bounded_number_of_queries():
    def queries_for(query: str) -> int:
        # As in a search request, which reads the published state once (the values it remembers are keyed by it).
        with CaptureQueriesContext(connection) as queries, one_published_state():
            list(Article.objects.search(query, aliases=False))
        return len(queries)

    ArticleFactory(body="walrus narwhal")
    few = queries_for("walrus narwhal kettle zyxwvut")
    for n in range(30):
        ArticleFactory(body=f"walrus kettle {n}")
    assert queries_for("walrus narwhal kettle zyxwvut") == few <= 4


def dated_article(body: str, published_on: datetime.date) -> Article:
    return ArticleFactory(body=body, published_on=published_on, published_precision="day")


def test_only_the_newest_matches_are_scored_beyond_the_window_and_the_rest_follow_by_date(monkeypatch):
    articles = [
        dated_article(f"walrus {'walrus ' * (n % 3)}report {n}", datetime.date(2020, 1, 1 + n)) for n in range(12)
    ]
    vocabulary_refresh()
    exact = {hit.pk: hit.rank for hit in found("walrus")}
    assert len(exact) == 12 and all(rank > 0 for rank in exact.values())
    monkeypatch.setattr(search, "RANK_WINDOW", 5)
    hits = found("walrus")
    newest = {article.pk for article in articles[-5:]}
    assert {hit.pk for hit in hits[:5]} == newest
    assert all(hit.rank == pytest.approx(exact[hit.pk]) for hit in hits[:5])
    assert [hit.pk for hit in hits[5:]] == [article.pk for article in reversed(articles[:-5])]
    assert all(hit.rank == 0 for hit in hits[5:])


def test_partial_matches_beyond_their_window_follow_by_date_but_those_with_more_words_are_all_scored(monkeypatch):
    more_words = dated_article("walrus narwhal", datetime.date(2001, 1, 1))
    one_word = [dated_article(f"walrus report {n}", datetime.date(2020, 1, 1 + n)) for n in range(25)]
    monkeypatch.setattr(search, "PARTIAL_RANK_WINDOW", 4)
    monkeypatch.setattr(search, "PARTIAL_COMBINATION_BUDGET", 3)  # the newest one of each word
    search_ = ArticleSearch("walrus narwhal kettle")
    hits = list(Article.objects.search(search_))
    assert search_.fallback.level == 1
    assert hits[0] == more_words and hits[0].rank > 0  # old, but with two of the words
    assert {hit.pk for hit in hits[1:5]} == {article.pk for article in one_word[-4:]}
    assert all(hit.rank > 0 for hit in hits[1:5]) and all(hit.rank == 0 for hit in hits[5:])
    assert [hit.pk for hit in hits[5:]] == [article.pk for article in reversed(one_word[:-4])]


def test_partial_matches_sorted_by_date_are_each_scored_with_no_window(monkeypatch):
    """Sorted by date, the rank is only shown: every hit has its own score, as with every word matched."""
    more_words = dated_article("walrus narwhal", datetime.date(2001, 1, 1))
    one_word = [
        dated_article(f"walrus {'walrus ' * (n % 3)}report {n}", datetime.date(2020, 1, 1 + n)) for n in range(9)
    ]
    vocabulary_refresh()
    exact = {hit.pk: hit.rank for hit in Article.objects.search(ArticleSearch("walrus narwhal kettle"))}
    assert len(exact) == 10 and all(rank > 0 for rank in exact.values())  # the default windows hold them all
    monkeypatch.setattr(search, "PARTIAL_RANK_WINDOW", 2)
    monkeypatch.setattr(search, "PARTIAL_COMBINATION_BUDGET", 3)
    search_ = ArticleSearch("walrus narwhal kettle", windowed=False)
    hits = list(Article.objects.search(search_).sorted_by(SORT_NEWEST))
    assert search_.fallback.level == 1
    assert [hit.pk for hit in hits] == [article.pk for article in [*reversed(one_word), more_words]]
    assert all(hit.rank == pytest.approx(exact[hit.pk]) for hit in hits)
    assert all(hit.partial_match for hit in hits)  # none has all three words


def test_an_old_article_with_a_rare_combination_of_the_words_is_scored_beyond_the_window(monkeypatch):
    """Each combination of words has a window of its own: a misremembered query's sought article
    (its two rare words) is not crowded out by newer articles pairing a common word with one of them."""
    sought = dated_article("The narwhal by the lighthouse.", datetime.date(2001, 1, 1))
    newer = [
        dated_article(f"A walrus by the lighthouse, report {n}.", datetime.date(2020, 1, 1 + n)) for n in range(25)
    ]
    ArticleFactory(body="Another walrus, report 99.")  # no "lighthouse": in no window of two words
    vocabulary_refresh()
    monkeypatch.setattr(search, "PARTIAL_RANK_WINDOW", 4)
    monkeypatch.setattr(search, "PARTIAL_COMBINATION_BUDGET", 12)
    search_ = ArticleSearch("narwhal walrus lighthouse")
    hits = list(Article.objects.search(search_))
    assert search_.fallback.level == 2
    assert hits[0] == sought and hits[0].rank > 0
    assert {hit.pk for hit in hits if hit.rank > 0} == {sought.pk, *(article.pk for article in newer[-4:])}


def test_the_window_reaches_back_to_the_month_holding_its_oldest_result_and_never_past_undated_ones():
    may, june, july = datetime.date(2021, 5, 1), datetime.date(2021, 6, 1), datetime.date(2021, 7, 1)
    months = [(may, "day", 2), (july, "day", 1), (may, "year", 1), (None, "", 9), (june, "month", 1)]
    assert month_reached(months, 1) == july
    assert month_reached(months, 2) == june
    assert month_reached(months, 3) == may  # May's articles, of any precision, counted together
    assert month_reached(months, 5) == may
    assert month_reached(months, 6) is None  # the sixth newest is undated: nothing may be left out
    assert month_reached([], 1) is None
    assert month_reached(months, 3, newest=False) == may  # oldest first
    assert month_reached(months, 4, newest=False) == june
    assert month_reached(months, 5, newest=False) == july
    assert month_reached(months, 6, newest=False) is None


def test_names_holding_the_word_searched_for_are_not_scored_again_and_no_rank_changes(monkeypatch):
    ramon = PersonFactory(name="Ramon Sanchez")
    PersonAliasFactory(person=ramon, name="Ramón Sánchez Guzmán")
    PersonAliasFactory(person=ramon, name="Mon Sanchez")  # holds "Sanchez", not "Ramon"
    PersonAliasFactory(person=ramon, name="Rámon Zed")  # neither, once "Ramon" is spelled so: unaccented
    texts = [
        "Ramon Sanchez spoke, and Ramon spoke again.",
        "Ramón Sánchez Guzmán, with Ramon Sanchez beside him.",
        "Mon Sanchez met Ramon. Sanchez and Ramon, apart.",
        "Only Mon Sanchez here, and Rámon Zed.",
        "Ramon and Sanchez, a long way apart from one another in this text.",
    ]
    for text in texts:
        ArticleFactory(body=text).people.add(ramon)
    ArticleFactory(body="Ramon Sanchez, unlinked.")
    search = ArticleSearch("Ramon Sanchez")
    ramon_term, sanchez_term = search.ranked_terms
    assert "Guzmán" not in ramon_term.ranking_operand and "'Mon'" in ramon_term.ranking_operand
    assert "Zed" not in ramon_term.ranking_operand  # "Rámon" is "ramon" to the archive
    assert sanchez_term.ranking_operand == "((('Sanchez') | ('Rámon' <-> 'Zed')))"  # the one name without it
    ranks = {article.pk: article.rank for article in Article.objects.search(search)}

    every_name = ArticleSearch._term_operand
    monkeypatch.setattr(
        ArticleSearch,
        "_term_operand",
        lambda self, term, *, with_names, lexemes=None: every_name(self, term, with_names=with_names),
    )
    search = ArticleSearch("Ramon Sanchez")
    assert "Guzmán" in search.ranked_terms[0].ranking_operand
    with_every_name = {article.pk: article.rank for article in Article.objects.search(search)}
    assert ranks == pytest.approx(with_every_name, rel=1e-9)
    assert len(ranks) == len(texts) + 1 and len(set(ranks.values())) > 3


def test_a_search_request_prefers_index_scans_with_more_memory_and_no_parallel_workers(rf):
    settings = {}

    @search.prefer_index_scans
    def view(request):
        with connection.cursor() as cursor:
            for name in ("enable_seqscan", "work_mem", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
        return HttpResponse("found")

    assert view(rf.get("/search/?q=migrants")).content == b"found"
    assert settings == {
        "enable_seqscan": "off",
        "work_mem": search.SEARCH_WORK_MEM,
        "max_parallel_workers_per_gather": "0",
    }
