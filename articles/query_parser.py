"""Readers' search syntax, parsed in Python so every part of it can be expanded before PostgreSQL sees it.

The syntax is the familiar web-search one (what ``websearch_to_tsquery`` takes),
plus prefixes:

- ``migrants moscow``: both words (AND);
- ``"partial mobilization"``: the words next to each other (a phrase);
- ``draft OR conscription``: either;
- ``-tajik``: without the word (or ``-"a phrase"``);
- ``mobili*``: any word starting so.

``websearch_to_tsquery`` itself cannot be used: it has no prefixes, and its
words cannot be expanded (British/American spellings, a person's other names).
Parsing never fails: stray quotes, a lone ``-`` or ``OR`` and punctuation are
read the forgiving way a search box should.
"""

import re
from dataclasses import dataclass

OR_KEYWORD = "OR"
PREFIX_MARK = "*"
EXCLUDE_MARK = "-"
# A prefix shorter than this would expand to half the vocabulary.
MIN_PREFIX_LENGTH = 3

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    """One word, one phrase (several words in a row) or one prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def key(self) -> tuple:
        """What the search reads of the term: its words whatever their case, and whether it is a prefix."""
        return tuple(word.lower() for word in self.words), self.prefix

    @property
    def text(self) -> str:
        joined = " ".join(self.words)
        if self.prefix:
            return joined + PREFIX_MARK
        return f'"{joined}"' if len(self.words) > 1 else joined


@dataclass(frozen=True)
class ParsedQuery:
    """``groups`` must all match (AND); the terms inside one group are alternatives (OR).

    ``excluded`` terms must not match.
    """

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    @property
    def is_blank(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def positive_terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]


def _term(raw_words: list[str], prefix: bool = False) -> Term | None:
    words = tuple(word for word in raw_words if word)
    if not words:
        return None
    if prefix and len(words[-1]) < MIN_PREFIX_LENGTH:
        prefix = False  # "a*" is read as the word "a"
    return Term(words=words, prefix=prefix)


def parse_query(text: str) -> ParsedQuery:
    """Parse a search box's text; never raises."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_with_previous = False
    for match in _TOKEN.finditer(text or ""):
        negated, phrase, bare = match.groups()
        if phrase is not None:
            term = _term(phrase.split())
        elif bare == OR_KEYWORD:
            join_with_previous = bool(groups)
            continue
        else:
            negated = bare.startswith(EXCLUDE_MARK)
            word = bare.lstrip(EXCLUDE_MARK)
            prefix = word.endswith(PREFIX_MARK)
            term = _term([word.rstrip(PREFIX_MARK)], prefix=prefix)
        if term is None:
            continue
        if negated:
            excluded.append(term)
            join_with_previous = False
        elif join_with_previous:
            groups[-1].append(term)
            join_with_previous = False
        else:
            groups.append([term])
    return ParsedQuery(groups=_distinct_groups(groups), excluded=_distinct(excluded))


def _distinct(terms: list[Term]) -> tuple[Term, ...]:
    """``terms`` without repeats (``Term.key``), each as first typed."""
    first: dict[tuple, Term] = {}
    for term in terms:
        first.setdefault(term.key, term)
    return tuple(first.values())


def _distinct_groups(groups: list[list[Term]]) -> tuple[tuple[Term, ...], ...]:
    """``groups`` without repeated terms or repeated groups, in their order.

    A word wanted twice is wanted once: repeated, it would count twice towards "most of the
    words" and in the ranking, and every copy costs the search as much as a new word (a search
    box can be sent the same name a hundred times).
    """
    distinct: dict[frozenset, tuple[Term, ...]] = {}
    for group in groups:
        terms = _distinct(group)
        distinct.setdefault(frozenset(term.key for term in terms), terms)
    return tuple(distinct.values())


# British and American spellings, as pairs of endings (and a few whole words) that swap.
# Each rule is (pattern on a lowercase word, replacement). Applied both ways.
_SPELLING_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^(\w{3,})isation(s?)$", r"\1ization\2"),
        (r"^(\w{3,})ization(s?)$", r"\1isation\2"),
        (r"^(\w{3,})is(e|es|ed|ing|er|ers)$", r"\1iz\2"),
        (r"^(\w{3,})iz(e|es|ed|ing|er|ers)$", r"\1is\2"),
        (r"^(\w{2,})ys(e|es|ed|ing)$", r"\1yz\2"),
        (r"^(\w{2,})yz(e|es|ed|ing)$", r"\1ys\2"),
        (r"^(\w{3,})our(s|ed|ing|ful|ite|ites|able)?$", r"\1or\2"),
        (r"^(\w{3,}[^o])or(s|ed|ing|ful|ite|ites|able)?$", r"\1our\2"),
        (r"^(\w{3,})(t|b)re(s?)$", r"\1\2er\3"),
        (r"^(\w{3,})(t|b)er(s?)$", r"\1\2re\3"),
        (r"^(def|off|pret|lic)ence(s?)$", r"\1ense\2"),
        (r"^(def|off|pret|lic)ense(s?)$", r"\1ence\2"),
        (r"^(\w{4,}[aeiou][a-z]?)ll(ed|ing|er|ers)$", r"\1l\2"),
        (r"^(\w{4,}[aeiou][a-z]?)l(ed|ing|er|ers)$", r"\1ll\2"),
        (r"^(catal|dial|analog|monol|prol|epil)ogue(s?)$", r"\1og\2"),
        (r"^programme(s?)$", r"program\1"),
        (r"^program(s?)$", r"programme\1"),
    )
)


def spelling_variants(word: str) -> list[str]:
    """Other spellings of ``word`` (British ↔ American), without ``word`` itself.

    ``mobilisation`` → ``mobilization``; ``defence`` → ``defense``; ``travelled`` →
    ``traveled``. Over-generating is harmless: a spelling no article uses matches nothing.
    """
    lowered = word.lower()
    variants = []
    for pattern, replacement in _SPELLING_RULES:
        variant = pattern.sub(replacement, lowered)
        if variant != lowered and variant not in variants:
            variants.append(variant)
    return variants
