"""Finding texts that retell the same report: fingerprints and their verification.

Pure functions, no database and no Django (the import runs ``texts_analyse`` in a helper
process of its own, ``articles.helper_process``). Two steps, after Schleimer, Wilkerson and Aiken,
"Winnowing: local algorithms for document fingerprinting" (SIGMOD 2003,
https://theory.stanford.edu/~aiken/publications/papers/sigmod03.pdf):

1. ``fingerprints(words(text))``: hash every run of ``SHINGLE_WORDS`` words and
   keep, from every window of ``WINNOW_WINDOW`` consecutive hashes, the
   smallest. Two texts that share an exact run of ``GUARANTEE_WORDS`` words then
   share at least one fingerprint, and a run of ``GUARANTEE_WORDS +
   WINNOW_WINDOW`` words at least two, whatever surrounds it. Stored per
   article, fingerprints find candidates (``candidate_pairs``: at least
   ``CANDIDATE_MIN_SHARED`` in common) without comparing every pair of texts.
2. ``overlap(a, b)``: compare two candidates exactly. Runs of shared
   ``PASSAGE_GRAM_WORDS``-word sequences, joined across a changed word or two,
   are passages when they hold ``MIN_PASSAGE_WORDS`` shared words; the pair is a
   retelling (``Overlap.is_near_duplicate``) when its passages hold at least
   ``MIN_SHARED_WORDS`` words.

The seed archive sets the numbers. Its two tellings of one BBC report share no
sentence, but two passages, each with a word or two changed: "in Uzbek, Kyrgyz
and Tajik languages offering citizens of/from these countries a fast track to
obtain/obtaining a Russian passport if they join the" (21 shared words) and
"officers demanding why they had detained him/lied to him, they twisted his arms
and threw him back into the bus" (17): 38 words. Their exact runs are 12, 8, 7
and 6 words long; the shortest passage counted, 8 words, is the guarantee, so
both texts always share at least three fingerprints (they share 8). Unrelated
seed texts share at most two 5-word sequences, stock phrases, and no passage.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain

# Fingerprints: word 5-grams, winnowed over windows of 4. Any exact run of 8 words (the
# shortest passage verification counts) is always caught once, one of 12 twice.
SHINGLE_WORDS = 5
WINNOW_WINDOW = 4
GUARANTEE_WORDS = WINNOW_WINDOW + SHINGLE_WORDS - 1

# Candidates: articles sharing at least this many fingerprints are compared exactly.
CANDIDATE_MIN_SHARED = 2
# A fingerprint held by more articles than this is boilerplate (a standard footer, a stock
# phrase) and finds no candidates; it also bounds the cost of looking one up.
BOILERPLATE_HOLDERS = 100

# Verification: what counts as a shared passage, and how much must be shared.
PASSAGE_GRAM_WORDS = 5
MIN_PASSAGE_WORDS = 8
# A retelling may change a word or two inside a passage without ending it.
MAX_EDIT_WORDS = 2
MIN_SHARED_WORDS = 20
# Above this share of the shorter text, the pair is "mostly the same text".
MOSTLY_SAME_CONTAINMENT = 0.5

HASH_BYTES = 8
_WORD = re.compile(r"\w+")
# Combining marks left by NFKD: dropping them folds "Pérez" into "perez".
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def words(text: str) -> list[str]:
    """The words of ``text``: lowercase, accents folded, punctuation and spacing dropped."""
    if not text.isascii():
        text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _WORD.findall(text.lower())


def shingle_hash(shingle: str) -> int:
    """A stable signed 64-bit hash (what a PostgreSQL bigint holds) of one space-joined word sequence."""
    digest = hashlib.blake2b(shingle.encode(), digest_size=HASH_BYTES).digest()
    return int.from_bytes(digest, "big", signed=True)


def fingerprints(tokens: list[str]) -> set[int]:
    """The winnowed fingerprints of a text given as ``words(text)``.

    Only the set is kept: where in the text a fingerprint was taken does not
    matter for finding candidates, and the exact comparison comes later. A text
    shorter than a window keeps the smallest hash it has; one shorter than a
    shingle has none.
    """
    count = len(tokens) - SHINGLE_WORDS + 1
    if count < 1:
        return set()
    # Each shingle is a slice of the text encoded once: the same bytes shingle_hash() hashes, found
    # without joining and encoding every shingle anew (this is the import's hottest loop).
    text = " ".join(tokens).encode()
    starts = [0, *accumulate(len(token.encode()) + 1 for token in tokens)]
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    hashes = [
        from_bytes(
            blake2b(text[starts[i] : starts[i + SHINGLE_WORDS] - 1], digest_size=HASH_BYTES).digest(),
            "big",
            signed=True,
        )
        for i in range(count)
    ]
    if count <= WINNOW_WINDOW:
        return {min(hashes)}
    # The minimum of every window of WINNOW_WINDOW consecutive hashes, computed column-wise in C.
    windows = count - WINNOW_WINDOW + 1
    return set(map(min, *(hashes[offset : offset + windows] for offset in range(WINNOW_WINDOW))))


def candidate_pairs(
    prints: Mapping[int, set[int]],
    stored_holders: Mapping[int, Sequence[int]],
    *,
    min_shared: int = CANDIDATE_MIN_SHARED,
    max_holders: int = BOILERPLATE_HOLDERS,
) -> list[tuple[int, int]]:
    """The pairs of articles worth comparing exactly: ``(new id, other id)``, sorted.

    ``prints`` are the fingerprints of the articles being added, by id;
    ``stored_holders`` the other articles already holding each fingerprint
    (ArticleFingerprintQuerySet.holders). A pair shares at least ``min_shared``
    fingerprints; two new articles make a pair too, once, the smaller id first.
    A fingerprint held by more than ``max_holders`` articles in all is
    boilerplate and counts for no pair.
    """
    # Nearly every fingerprint is held by one new article and nothing else: find the others in C.
    new_counts = Counter(chain.from_iterable(prints.values()))
    worth_a_look = {value for value, count in new_counts.items() if count > 1}.union(stored_holders)
    new_holders: dict[int, list[int]] = defaultdict(list)
    for pk, hashes in prints.items():
        for value in hashes & worth_a_look:
            new_holders[value].append(pk)
    shared: Counter[tuple[int, int]] = Counter()
    for value, new in new_holders.items():
        stored = stored_holders.get(value, ())
        if not 2 <= len(new) + len(stored) <= max_holders:
            continue
        for position, pk in enumerate(new):
            shared.update((pk, other) for other in stored)
            shared.update((min(pk, other), max(pk, other)) for other in new[position + 1 :])
    return sorted(pair for pair, count in shared.items() if count >= min_shared)


@dataclass(frozen=True, slots=True)
class Overlap:
    """What two texts share: passages of at least MIN_PASSAGE_WORDS words, counted in the shorter text.

    ``containment`` is the share of the shorter text's words that lie in those passages.
    """

    passages: int
    words: int
    containment: float

    @property
    def is_near_duplicate(self) -> bool:
        return self.words >= MIN_SHARED_WORDS

    @property
    def is_mostly_same(self) -> bool:
        return self.containment >= MOSTLY_SAME_CONTAINMENT


NO_OVERLAP = Overlap(passages=0, words=0, containment=0.0)


@dataclass(slots=True)
class _Passage:
    """A passage being read: the shorter text's words it covers, and where its last 5-gram is in each text
    (the longer text may repeat it)."""

    covered: set[int]
    last: int
    others_last: list[int]


def _grams(tokens: list[str]) -> list[tuple[str, ...]]:
    return list(zip(*(tokens[i:] for i in range(PASSAGE_GRAM_WORDS)), strict=False))


def _continuations(passage: _Passage, position: int, others: list[int]) -> list[int]:
    """Where in the longer text the 5-gram at ``position`` (found at ``others`` there) carries ``passage`` on.

    It does when it comes at most MAX_EDIT_WORDS words after the passage in the
    shorter text, and at the same distance, give or take MAX_EDIT_WORDS, after
    it in the longer one.
    """
    step = position - passage.last
    if step - PASSAGE_GRAM_WORDS > MAX_EDIT_WORDS:
        return []
    return [
        other
        for other in others
        if any(other > last and abs(other - last - step) <= MAX_EDIT_WORDS for last in passage.others_last)
    ]


def overlap(a: list[str], b: list[str]) -> Overlap:
    """The passages two texts (given as ``words(text)``) share; the same whichever comes first.

    Every word 5-gram of the shorter text found in the longer one marks its
    words as shared. Shared words next to each other form a passage, and so do
    shared words separated by at most MAX_EDIT_WORDS other words (a word
    changed, added or dropped in the retelling: "to obtaining a" and "to obtain
    a") when the longer text shows the same gap, give or take MAX_EDIT_WORDS.
    Passages with fewer than MIN_PASSAGE_WORDS shared words are stock phrases
    and do not count. Passages need not be in the same order in both texts:
    retellings move paragraphs.
    """
    if (len(b), b) < (len(a), a):
        a, b = b, a
    if not a:
        return NO_OVERLAP
    where_in_b: dict[tuple[str, ...], list[int]] = {}
    for position, gram in enumerate(_grams(b)):
        where_in_b.setdefault(gram, []).append(position)
    passages: list[_Passage] = []
    for position, gram in enumerate(_grams(a)):
        others = where_in_b.get(gram)
        if others is None:
            continue
        words_of_gram = range(position, position + PASSAGE_GRAM_WORDS)
        carried = _continuations(passages[-1], position, others) if passages else []
        if carried:
            passages[-1].covered.update(words_of_gram)
            passages[-1].last, passages[-1].others_last = position, carried
        else:
            passages.append(_Passage(covered=set(words_of_gram), last=position, others_last=others))
    counted = [passage.covered for passage in passages if len(passage.covered) >= MIN_PASSAGE_WORDS]
    # Neighbouring passages may share a word or two (a 5-gram that matched elsewhere): count words once.
    shared = len(set().union(*counted))
    return Overlap(passages=len(counted), words=shared, containment=shared / len(a))


@dataclass(frozen=True, slots=True)
class FingerprintRows:
    """Fingerprints made ready to store, which takes no database and is done in the import's helper process.

    ``copy_text`` is the rows in COPY's text format, sorted by hash: the order of
    the primary key, which new rows mostly extend at random places, so that
    neighbours share the index pages each insert reads. COPY writes them in
    batches (one WAL record per page rather than per row): a third less work
    than an INSERT of the same rows. ``hashes`` is the array literal the
    lookup takes (a list would be adapted one element at a time, in Python).
    """

    copy_text: str
    hashes: str

    @classmethod
    def of(cls, prints: Mapping[int, Iterable[int]]) -> FingerprintRows:
        """The rows of ``prints``: fingerprint sets by article id."""
        hashes = [value for values in prints.values() for value in values]
        article_ids = [pk for pk, values in prints.items() for _ in values]
        in_order = sorted(range(len(hashes)), key=hashes.__getitem__)
        return cls(
            copy_text="".join([f"{hashes[i]}\t{article_ids[i]}\n" for i in in_order]),
            hashes="{" + ",".join(map(str, hashes)) + "}",
        )


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """Some articles' fingerprints (sets by article id), and the same made ready to store."""

    prints: dict[int, set[int]]
    rows: FingerprintRows

    def of_articles(self, ids: Iterable[int]) -> TextAnalysis:
        """The analysis of these of its articles alone (the others turned out to be duplicates)."""
        prints = {pk: self.prints[pk] for pk in ids}
        if prints.keys() == self.prints.keys():
            return self
        return TextAnalysis(prints=prints, rows=FingerprintRows.of(prints))


def texts_analyse(bodies: Mapping[int, str]) -> TextAnalysis:
    """The fingerprints of these texts (by article id), ready to look up and store.

    Pure Python and the import's hottest work: the import runs it in a process of its own.
    """
    prints = {pk: fingerprints(words(body)) for pk, body in bodies.items()}
    return TextAnalysis(prints=prints, rows=FingerprintRows.of(prints))
