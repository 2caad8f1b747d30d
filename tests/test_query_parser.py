"""The search box's syntax: parsed forgivingly, never an error."""

import pytest

from articles.query_parser import Term, parse_query, spelling_variants


def words(*texts: str) -> tuple[Term, ...]:
    return tuple(Term(words=tuple(text.split())) for text in texts)


def test_words_are_all_required():
    assert parse_query("migrants moscow").groups == (words("migrants"), words("moscow"))


def test_quotes_make_a_phrase_and_a_minus_excludes():
    parsed = parse_query('"partial mobilization" -tajik -"brain drain"')
    assert parsed.groups == (words("partial mobilization"),)
    assert parsed.excluded == words("tajik", "brain drain")


def test_or_joins_alternatives():
    parsed = parse_query("draft OR conscription OR call-up exodus")
    assert parsed.groups == (words("draft", "conscription", "call-up"), words("exodus"))


def test_a_trailing_star_is_a_prefix():
    (group,) = parse_query("mobili*").groups
    assert group == (Term(words=("mobili",), prefix=True),)


def test_a_short_prefix_is_read_as_a_word():
    assert parse_query("ab*").groups == (words("ab"),)


@pytest.mark.parametrize("text", ["", "   ", "-", "OR", "OR OR", '""', "*", "- - -"])
def test_nothing_to_search_is_blank(text):
    assert parse_query(text).is_blank


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"unbalanced quote', words("unbalanced quote")),
        ("OR migrants", words("migrants")),
        ("migrants OR", words("migrants")),
    ],
)
def test_stray_syntax_is_forgiven(text, expected):
    assert parse_query(text).groups == (expected,)


def test_term_text_round_trips_for_display():
    assert [term.text for term in parse_query('a "b c" mobili*').positive_terms] == ["a", '"b c"', "mobili*"]


@pytest.mark.parametrize(
    ("word", "variant"),
    [
        ("mobilisation", "mobilization"),
        ("mobilization", "mobilisation"),
        ("mobilised", "mobilized"),
        ("organize", "organise"),
        ("analyse", "analyze"),
        ("defence", "defense"),
        ("offense", "offence"),
        ("labour", "labor"),
        ("behavior", "behaviour"),
        ("centre", "center"),
        ("theater", "theatre"),
        ("travelled", "traveled"),
        ("canceling", "cancelling"),
        ("catalogue", "catalog"),
        ("programme", "program"),
    ],
)
def test_british_and_american_spellings_meet(word, variant):
    assert variant in spelling_variants(word)


@pytest.mark.parametrize("word", ["four", "hour", "filled", "floor", "tajik"])
def test_ordinary_words_have_no_variants(word):
    assert spelling_variants(word) == []


def alone(*texts: str) -> tuple[tuple[Term, ...], ...]:
    """Groups of one word or phrase each."""
    return tuple((term,) for term in words(*texts))


MOBILI_PREFIX = Term(words=("mobili",), prefix=True)


@pytest.mark.parametrize(
    ("text", "groups", "excluded"),
    [
        ("putin Putin PUTIN", alone("putin"), ()),
        ("Vladimir Putin " * 50, alone("Vladimir", "Putin"), ()),
        ('"partial mobilization" "Partial Mobilization" partial', alone("partial mobilization", "partial"), ()),
        ("draft OR draft OR conscription", (words("draft", "conscription"),), ()),
        ("draft OR conscription conscription OR draft", (words("draft", "conscription"),), ()),
        ("mobili* mobili* mobili", ((MOBILI_PREFIX,), *alone("mobili")), ()),
        ("war -tajik -Tajik -tajik", alone("war"), words("tajik")),
    ],
)
def test_repeated_terms_and_groups_count_once(text, groups, excluded):
    """Found by fuzzing: a name sent fifteen times made the search build thousands of conditions."""
    parsed = parse_query(text)
    assert parsed.groups == groups
    assert parsed.excluded == excluded
