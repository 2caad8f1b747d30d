"""A synthetic archive for benchmarks and demonstrations: seeded, reproducible, generated one article at a time.

``Corpus(articles=N, seed=S)`` describes the whole archive without touching the database
(``manage.py generate_corpus`` writes it). The same N and S give the same archive on any
machine: the same sources, people, aliases, tags and claims, and the same texts and links.

- **Words** come from wordfreq's English list (the 40,000 most frequent words made of
  letters only), drawn with their real frequencies, so word counts follow Zipf's law as
  in real text. Each tag also has a small vocabulary of its own, drawn more often in the
  articles it tags, so words co-occur the way topics make them.
- **Shape**: headlines of 6-14 words, bodies of 300-1,200 words in paragraphs of 2-6
  sentences (the archive's plain-text format: a blank line between paragraphs), a summary
  for most articles; dates over 25 years (2000-2024), mostly to the day, some to the month
  or year; nearly all published, a few drafts and retractions (with a note).
- **Entities**: 200 sources, 20,000 people (about a tenth with another spelling of their
  name), 2,000 tags and 2,000 claims for 100,000 articles or more. Below that people scale
  at one per 5 articles and tags and claims at one per 50 (see ``CorpusSize``), so a small
  corpus has the same shape: each person or tag is used about as often.
- **Popularity** is Zipf-like everywhere: a few sources publish most articles; a few hundred
  people appear often and most rarely; tags, claims and claimants likewise.
- **Texts name what they link to**: every person an article links to is named in its body
  (some articles spell a person the way one of their aliases does, so alias search finds
  them), most tag names appear in the text, and the paragraph a claim report points to
  names who made the claim and quotes a few of its words.
- **No near-duplicates**: two articles reporting one claim share at most its 5-word excerpt,
  less than the 8-word passages near-duplicate detection counts, and the rest is drawn word
  by word; so an archive loaded with or without fingerprints has the same (empty) list of
  near-duplicates.

Reproducible, whatever the machine: each kind of entity has a random stream of its own and
every article one derived from (seed, its number), so article 5,000 is the same however the
corpus is cut into chunks, and changing how articles are drawn never reshuffles the people.
Only ``Random.random()`` is used, whose sequence Python guarantees for a given seed, with
the wordfreq version pinned in requirements.lock. Nothing here holds more than one article:
``Corpus.articles()`` yields them one by one.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate

from articles.models import (
    SLUG_MAX_LENGTH,
    AliasKind,
    ArticleStatus,
    ClaimRating,
    DatePrecision,
    SourceKind,
    TagKind,
)
from articles.services import SLUG_BASE_MAX_LENGTH
from articles.text import PARAGRAPH_SEPARATOR, body_sha256, slug_for


def _listed(text: str, separator: str | None = None) -> tuple[str, ...]:
    """Words (or ``separator``-separated phrases) of ``text``: compact lists of names."""
    return tuple(item.strip() for item in text.split(separator))


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """ "a=b c=d" as (("a", "b"), ("c", "d")): compact tables of spellings."""
    return tuple(tuple(pair.split("=")) for pair in text.split())


# --- Sizes -----------------------------------------------------------------------------------------

SOURCES = 200
MAX_PEOPLE = 20_000
MAX_TAGS = 2_000
MAX_CLAIMS = 2_000
# Below 100,000 articles: one person per 5 articles, one tag and one claim per 50, with floors
# so that even a test corpus of a few hundred articles has enough of each to be skewed.
ARTICLES_PER_PERSON = 5
ARTICLES_PER_TAG = 50
ARTICLES_PER_CLAIM = 50
MIN_PEOPLE = 1_000
MIN_TAGS = 100
MIN_CLAIMS = 50

# --- Words -----------------------------------------------------------------------------------------

VOCABULARY_SIZE = 40_000
LANGUAGE = "en"
# wordfreq counts the web and social media too: profanity, slurs and chat or web spellings are
# frequent there and have no place in a news archive someone may demonstrate.
EXCLUDED_WORDS = frozenset(
    _listed(
        """
    fuck fucking fucked fucker fuckin motherfucker shit shitty bullshit bitch bitches damn ass asshole arse dick
    cunt nigga niggas nigger pussy cock whore slut faggot fag retard retarded horny porn porno tits boobs bastard
    dildo wank wanker twat
    lol lmao omg wtf btw http https www com org html jpg png gif dont im ive thats didnt doesnt cant wont isnt
    youre gonna wanna gotta ya yo hahaha haha lmfao smh tho pls plz
    """
    )
)
# Function words ("the", "of", "to"…): the most frequent words, rarer in headlines than in running text.
HEADLINE_FUNCTION_WORDS = 100
HEADLINE_FUNCTION_WORD_SHARE = 0.15
# Each tag's own words: drawn from the middle of the list, where topical words are.
TOPIC_WORDS_PER_TAG = 20
TOPIC_RANKS = (300, 15_000)
# Share of an article's running words drawn from its tags' vocabularies instead of the whole list.
TOPIC_SHARE = 0.05

# --- Lengths ---------------------------------------------------------------------------------------

HEADLINE_WORDS = (6, 14)
BODY_WORDS = (300, 1_200)
# Body lengths lean short (about 660 words on average), as news does: 300 + 900 * u ** 1.5.
BODY_LENGTH_SKEW = 1.5
SENTENCE_WORDS = (5, 30)
PARAGRAPH_SENTENCES = (2, 6)
# Running text left around the sentences that name people, tags and claims.
MIN_PLAIN_WORDS = 60
SUMMARY_SHARE = 0.6
COMMA_SHARE = 0.06
QUESTION_SHARE = 0.03

# --- Dates and status ------------------------------------------------------------------------------

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2024, 12, 31)
SPAN_DAYS = (LAST_DAY - FIRST_DAY).days + 1
# Half the articles spread evenly, half more densely towards the present: archives grow.
RECENT_SHARE = 0.5
UNDATED_SHARE = 0.004
MONTH_PRECISION_SHARE = 0.05
YEAR_PRECISION_SHARE = 0.01
DRAFT_SHARE = 0.01
RETRACTED_SHARE = 0.005
EDITORIAL_TITLE_SHARE = 0.01
URL_SHARE = 0.85
# Undated articles were captured in the days after the corpus's last day.
UNDATED_CAPTURE = datetime(2025, 1, 2, tzinfo=UTC)

# --- Links -----------------------------------------------------------------------------------------

# Zipf-Mandelbrot popularity, 1 / (rank + shift) ** exponent: the shift flattens the very top,
# so "a few hundred people appear often" rather than one person in a third of all articles.
PEOPLE_POPULARITY = (1.1, 10.0)
TAG_POPULARITY = (1.0, 5.0)
SOURCE_POPULARITY = (1.0, 2.0)
CLAIM_POPULARITY = (1.0, 3.0)
CLAIMANT_POPULARITY = (1.0, 5.0)
# How many of each an article has, by weight (index = count).
PEOPLE_COUNTS = (0, 22, 25, 20, 13, 9, 6, 3, 2)
TAG_COUNTS = (0, 30, 35, 20, 10, 5)
AUTHOR_COUNTS = (15, 70, 13, 2)
CLAIM_REPORT_COUNTS = (75, 20, 5)
# People tied to a tag (its regulars), and the share of an article's people drawn from them.
PEOPLE_PER_TAG = 6
TAG_PEOPLE_SHARE = 0.35
# A source's writers: a few for a small one, up to this many for the biggest.
MIN_STAFF, MAX_STAFF = 3, 80
STAFF_PER_SHARE = 600
# Drawn for this share of people; about a tenth end up with an alias, as some names have no other spelling.
ALIAS_SHARE = 0.135
SECOND_ALIAS_SHARE = 0.2
# Share of articles about a person with an alias that spell them the alias's way throughout.
ALIAS_SPELLING_SHARE = 0.35
CLAIM_QUOTE_SHARE = 0.6
# An article quotes this many words of a claim: fewer than a passage near-duplicate detection counts.
CLAIM_EXCERPT_WORDS = (3, 5)
CLAIM_SOURCE_SHARE = 0.15
CLAIM_RATING_WEIGHTS = {
    ClaimRating.UNVERIFIED: 50,
    ClaimRating.SUPPORTED: 20,
    ClaimRating.DISPUTED: 12,
    ClaimRating.MISLEADING: 10,
    ClaimRating.FALSE: 8,
}
SOURCE_KIND_WEIGHTS = {
    SourceKind.NEWS_OUTLET: 60,
    SourceKind.WIRE_AGENCY: 5,
    SourceKind.THINK_TANK: 10,
    SourceKind.NGO: 10,
    SourceKind.GOVERNMENT: 8,
    SourceKind.BLOG: 5,
    SourceKind.OTHER: 2,
}
TAG_KIND_WEIGHTS = {TagKind.TOPIC: 40, TagKind.PLACE: 30, TagKind.ORGANISATION: 20, TagKind.EVENT: 10}


# --- Sizes of the archive ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusSize:
    """How many of each thing a corpus of ``articles`` articles has."""

    articles: int
    sources: int
    people: int
    tags: int
    claims: int

    @classmethod
    def for_articles(cls, articles: int) -> CorpusSize:
        if articles < 1:
            raise ValueError("a corpus needs at least one article")
        return cls(
            articles=articles,
            sources=SOURCES,
            people=min(MAX_PEOPLE, max(MIN_PEOPLE, articles // ARTICLES_PER_PERSON)),
            tags=min(MAX_TAGS, max(MIN_TAGS, articles // ARTICLES_PER_TAG)),
            claims=min(MAX_CLAIMS, max(MIN_CLAIMS, articles // ARTICLES_PER_CLAIM)),
        )


# --- What the corpus holds: rows that point to each other by position (0-based) -------------------


@dataclass(frozen=True, slots=True)
class SourceRow:
    name: str
    slug: str
    kind: str
    homepage: str
    country: str
    description: str


@dataclass(frozen=True, slots=True)
class AliasRow:
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    name: str
    slug: str
    description: str
    aliases: tuple[AliasRow, ...]


@dataclass(frozen=True, slots=True)
class TagRow:
    name: str
    slug: str
    kind: str
    description: str
    # Words the articles it tags use more often than the rest of the language does.
    vocabulary: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClaimRow:
    statement: str
    slug: str
    quote: str
    claimant_person: int | None
    claimant_source: int | None
    claimed_on: date | None
    claimed_precision: str
    rating: str
    rating_note: str


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One article; ``source``, ``authors``, ``people``, ``tags`` and the claims in ``claim_reports``
    are positions in the corpus's lists, ``claim_reports`` pairs (claim, paragraph counted from 1)."""

    number: int
    title: str
    title_is_editorial: bool
    slug: str  # the headline's slug; the loader appends the body digest if it is taken
    source: int
    authors: tuple[int, ...]
    people: tuple[int, ...]
    tags: tuple[int, ...]
    claim_reports: tuple[tuple[int, int], ...]
    published_on: date | None
    published_precision: str
    published_note: str
    url: str
    summary: str
    body: str
    body_sha256: str
    status: str
    retraction_note: str
    retracted_at: datetime | None
    archived_at: datetime


# --- Drawing at random, reproducibly --------------------------------------------------------------


def stream(seed: int, *names: object) -> random.Random:
    """An independent random stream for ``names`` under ``seed`` (the same on every machine and Python)."""
    key = ":".join(map(str, (seed, *names))).encode()
    return random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big"))


def below(rng: random.Random, n: int) -> int:
    """A whole number from 0 to n - 1. Built on random() alone, whose output Python keeps stable."""
    return min(int(rng.random() * n), n - 1)


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, both included."""
    return low + below(rng, high - low + 1)


def pick(rng: random.Random, items: Sequence):
    return items[below(rng, len(items))]


def shuffled(rng: random.Random, items: Sequence) -> list:
    """A Fisher-Yates shuffle on random() alone (``Random.shuffle`` may change between Python versions)."""
    result = list(items)
    for i in range(len(result) - 1, 0, -1):
        j = below(rng, i + 1)
        result[i], result[j] = result[j], result[i]
    return result


class Weighted:
    """Draws positions 0..n-1 in proportion to ``weights``."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]
        self.last = len(self.cumulative) - 1

    @classmethod
    def zipf(cls, n: int, exponent: float, shift: float = 1.0) -> Weighted:
        """Zipf-Mandelbrot: position r drawn in proportion to 1 / (r + shift) ** exponent."""
        return cls([(rank + shift) ** -exponent for rank in range(n)])

    def draw(self, rng: random.Random) -> int:
        # min(): random() * total may round up to total itself.
        return min(bisect(self.cumulative, rng.random() * self.total), self.last)

    def distinct(self, rng: random.Random, count: int) -> list[int]:
        """Up to ``count`` different positions, in the order drawn (fewer only if they run out)."""
        found: dict[int, None] = {}
        for _ in range(count * 10):
            if len(found) == count:
                break
            found[self.draw(rng)] = None
        return list(found)


class WordSampler:
    """Draws words in proportion to their frequency, from a table where each word fills its share of the slots.

    The generator's hot loop (some 650 words an article): a table lookup is twice as fast as
    a binary search over cumulative frequencies. With 2 ** 21 slots even the rarest word keeps
    a slot of its own and the commonest ones their frequencies to within a millionth.
    """

    SLOTS = 2**21

    def __init__(self, words: Sequence[str], frequencies: Sequence[float]) -> None:
        total = sum(frequencies)
        shares = [frequency / total * self.SLOTS for frequency in frequencies]
        counts = [max(1, math.floor(share)) for share in shares]
        # The slots left over go to the largest remainders (ties to the more frequent word).
        by_remainder = sorted(range(len(words)), key=lambda i: counts[i] - shares[i])
        for i in by_remainder[: self.SLOTS - sum(counts)]:
            counts[i] += 1
        self.table = [word for word, count in zip(words, counts, strict=True) for _ in range(count)]
        if len(self.table) != self.SLOTS:
            raise ValueError("too many words for the table")

    def draw(self, rng: random.Random, count: int) -> list[str]:
        # random() * 2 ** 21 is exact and below 2 ** 21: every slot, never past the last.
        table, slots, random_ = self.table, self.SLOTS, rng.random
        return [table[int(random_() * slots)] for _ in range(count)]


@cache
def vocabulary() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """wordfreq's most frequent English words of letters only ("a" the one single letter), with their frequencies.

    Words in EXCLUDED_WORDS are left out.
    """
    import wordfreq

    frequencies = wordfreq.get_frequency_dict(LANGUAGE)
    words = [
        word
        for word in wordfreq.top_n_list(LANGUAGE, VOCABULARY_SIZE * 3 // 2)
        if word.isascii() and word.isalpha() and (len(word) > 1 or word == "a") and word not in EXCLUDED_WORDS
    ][:VOCABULARY_SIZE]
    return tuple(words), tuple(frequencies[word] for word in words)


@cache
def running_words() -> WordSampler:
    """The sampler of running text, built once (a table of 2 million slots, 16 MB)."""
    return WordSampler(*vocabulary())


# --- Names -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamingCulture:
    """Given names, surnames built from stems and endings, and how another spelling of a name is written."""

    weight: int
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    stems: tuple[str, ...]
    endings_male: tuple[str, ...]
    endings_female: tuple[str, ...]
    surname_prefixes: tuple[str, ...] = ()
    # The other spelling: given names replaced whole, then these (regex, replacement) pairs applied.
    given_variants: tuple[tuple[str, str], ...] = ()
    variant_rules: tuple[tuple[str, str], ...] = ()
    alias_kind: str = AliasKind.SPELLING
    double_surname: bool = False


CULTURES = (
    NamingCulture(
        weight=25,
        given_male=_listed(
            "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
            "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy"
        ),
        given_female=_listed(
            "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty "
            "Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Katherine"
        ),
        stems=_listed(
            "Ash Brad Car Den Ell Fair Gar Hall Har Kel Lang Mor New Pen Ran Sher Stan Thorn Wal Whit "
            "Wood Bar Brook Clay Dal Eld Grey Hol Kings Mar Ather Bel Cal Dun Fen Hart Lind Rad Sed Wes"
        ),
        endings_male=_listed("ley ton ford son well man wood by field more ridge er ham wick"),
        endings_female=_listed("ley ton ford son well man wood by field more ridge er ham wick"),
        # Nicknames, which the press uses as names of their own.
        given_variants=_pairs(
            "William=Bill Robert=Bob Richard=Rick James=Jim Michael=Mike Elizabeth=Liz Thomas=Tom "
            "Joseph=Joe Christopher=Chris Daniel=Dan Matthew=Matt Anthony=Tony Steven=Steve Andrew=Andy "
            "Kenneth=Ken Timothy=Tim Margaret=Peggy Jennifer=Jenny Patricia=Patty Katherine=Kate "
            "Susan=Sue Deborah=Debbie Kimberly=Kim Joshua=Josh Donald=Don"
        ),
        alias_kind=AliasKind.OTHER_NAME,
    ),
    NamingCulture(
        weight=25,
        given_male=_listed(
            "Aleksandr Sergei Dmitry Andrei Alexei Mikhail Ivan Nikolai Yevgeny Vladimir Oleg Yuri Pavel "
            "Viktor Igor Maksim Konstantin Boris Grigory Fyodor"
        ),
        given_female=_listed(
            "Anna Olga Yelena Tatyana Natalya Irina Svetlana Maria Yekaterina Yulia Ksenia Darya "
            "Anastasia Valentina Lyudmila Galina Vera Zhanna"
        ),
        stems=_listed(
            "Vol Kor Pet Ivan Sok Bel Mar Kuz Leb Med Nov Pop Sem Zakh Orl Gor Bog Dan Zhuk Khar Tkach "
            "Shev Mel Rom Pol Yar Mikh Lav Ros Dub Fed Grom Kisel Lys Sav Tret Ush Chern Zhil Bur"
        ),
        endings_male=_listed("ov ev in enko sky chuk kin yov"),
        endings_female=_listed("ova eva ina enko skaya chuk kina yova"),
        given_variants=_pairs(
            "Aleksandr=Alexander Sergei=Sergey Dmitry=Dmitri Andrei=Andrey Alexei=Aleksey Yevgeny=Evgeny "
            "Yuri=Yury Nikolai=Nikolay Mikhail=Michail Maksim=Maxim Grigory=Grigori Fyodor=Fedor "
            "Yelena=Elena Tatyana=Tatiana Natalya=Natalia Yekaterina=Ekaterina Yulia=Julia Darya=Daria "
            "Ksenia=Kseniya Lyudmila=Ludmila Zhanna=Jeanne"
        ),
        variant_rules=(("ov$", "off"), ("ev$", "yev"), ("sky$", "ski"), ("skaya$", "skaia"), ("kh", "h"), ("zh", "j")),
        alias_kind=AliasKind.TRANSLITERATION,
    ),
    NamingCulture(
        weight=10,
        given_male=_listed(
            "Rustam Timur Farrukh Jamshid Dilshod Bakhtiyor Aziz Sherzod Ulugbek Alisher Bekzod Nurlan Yerlan"
        ),
        given_female=_listed("Nodira Gulnara Dilnoza Zarina Malika Aigerim Saule Kamila Shahnoza Madina"),
        stems=_listed(
            "Karim Rakhim Tursun Nazar Yusup Abdull Ismoil Sulton Mirz Khodj Sattar Usman Rashid Akhmed "
            "Tokt Zhakup Bekm Esen Kurban Orozb Alim Saidm Umar Khaydar"
        ),
        endings_male=_listed("ov ev zoda bekov uulu"),
        endings_female=_listed("ova eva zoda bekova kyzy"),
        given_variants=_pairs(
            "Jamshid=Dzhamshid Bakhtiyor=Bakhtiyar Dilshod=Dilshad Sherzod=Sherzad Ulugbek=Ulughbek "
            "Yerlan=Erlan Farrukh=Farukh Alisher=Alisher Shahnoza=Shakhnoza"
        ),
        variant_rules=(("kh", "h"), ("zoda$", "zade"), ("uulu$", " uulu"), ("ov$", "ow")),
        alias_kind=AliasKind.TRANSLITERATION,
    ),
    NamingCulture(
        weight=15,
        given_male=_listed("José Juan Luis Jesús Andrés Javier Martín Raúl Ramón Tomás Héctor Joaquín Julián"),
        given_female=_listed("María Ana Carmen Lucía Sofía Valentina Camila Inés Elena Mónica Verónica Begoña"),
        stems=_listed(
            "Pérez Gómez Rodríguez Hernández Martínez López Díaz Sánchez Ramírez Núñez Jiménez Álvarez "
            "Muñoz Fernández González Romero Ortiz Castillo Vázquez Ruiz Suárez Domínguez Gutiérrez "
            "Marín Iglesias Peña Cortés Medina Guzmán Rincón"
        ),
        endings_male=("",),
        endings_female=("",),
        double_surname=True,
        # Accents dropped, as many English-language outlets print them.
        variant_rules=(
            ("[áàä]", "a"),
            ("[éè]", "e"),
            ("[íì]", "i"),
            ("[óò]", "o"),
            ("[úü]", "u"),
            ("ñ", "n"),
            ("Á", "A"),
        ),
    ),
    NamingCulture(
        weight=10,
        given_male=_listed("Jürgen Günter Jörg Björn Sören Hans Klaus Stefan Andreas Wolfgang Matthias Tobias"),
        given_female=_listed("Käthe Ursula Monika Sabine Petra Dörte Anja Birgit Jutta Bärbel"),
        stems=_listed(
            "Müll Schröd Kön Hoff Wagn Beck Schäf Köhl Grün Löw Fröh Würz Bäck Mai Kräm Vög Brück Höf "
            "Sträub Jäg Weiß Groß Fuß"
        ),
        endings_male=_listed("er mann berg stein feld ler ner hoff dorf"),
        endings_female=_listed("er mann berg stein feld ler ner hoff dorf"),
        variant_rules=(("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")),
    ),
    NamingCulture(
        weight=15,
        given_male=_listed(
            "Mohammed Ahmed Omar Youssef Khaled Hassan Ali Mahmoud Samir Karim Rami Tariq Hussein Walid"
        ),
        given_female=_listed("Fatima Aisha Layla Mariam Nour Huda Salma Rania Yasmin Leila"),
        stems=_listed("Hamd Nass Hadd Khal Rash Sab Mans Qas Jab Sal Kar Fah Zah Bak Sharq Tam Yas Marz Shak Qur"),
        endings_male=_listed("ani ari i awi oun ad er eh"),
        endings_female=_listed("ani ari i awi oun ad er eh"),
        surname_prefixes=("al-", "", ""),
        given_variants=_pairs(
            "Mohammed=Muhammad Ahmed=Ahmad Omar=Umar Youssef=Yusuf Khaled=Khalid Hassan=Hasan "
            "Mahmoud=Mahmud Hussein=Husayn Walid=Waleed Aisha=Aysha Layla=Laila Mariam=Maryam Nour=Nur "
            "Yasmin=Yasmine"
        ),
        variant_rules=(("al-", "el-"), ("ou", "u"), ("q", "k")),
        alias_kind=AliasKind.TRANSLITERATION,
    ),
)
CULTURE_WEIGHTS = Weighted([culture.weight for culture in CULTURES])

ROLES = _listed(
    "Minister of Finance; Minister of the Interior; opposition politician; member of parliament; economist; "
    "human rights lawyer; mayor; government spokesperson; trade union leader; reporter; professor of history; "
    "farmer; migrant worker; police chief; central bank governor; footballer; novelist; climate activist; "
    "army general; prosecutor; judge; diplomat; epidemiologist; business owner; student leader; priest",
    ";",
)
ROLE_SHARE = 0.7
MAX_NAME_ATTEMPTS = 1_000

PLACE_SYLLABLES = _listed(
    "kar vel est ra mor dan o vi a tal bren sil var nor ash el in ul gor tes lan ri mir zan ost ber kel lum ar "
    "ven do sa te mar qu ny ha li ka ro"
)
PLACE_PREFIXES = ("", "", "", "", "North ", "South ", "Port ", "New ", "Upper ", "East ")
ORGANISATION_KINDS = _listed(
    "Workers' Union;Central Bank;Electoral Commission;Energy Company;Red Crescent;Progress Party;Supreme Court;"
    "Medical Association;Port Authority;Chamber of Commerce;Students' Union;Football Club;Railways;"
    "Journalists' Association;Water Authority;Green Party",
    ";",
)
EVENT_KINDS = _listed(
    "floods;election;summit;earthquake;protests;referendum;general strike;drought;ceasefire talks;"
    "trade dispute;census;wildfires;bank run;border crisis;mine collapse",
    ";",
)
TOPIC_HEADS = _listed("policy reform prices rights security exports crisis law safety funding research trade")
NEWS_NAMES = _listed("Herald Times Post Tribune Gazette Courier Observer Chronicle Daily Express Standard Monitor")
COUNTRIES = _listed("AR AU BR CA CL DE EG ES FR GB GE IN IT JO KE KG KZ LB MA MX NG NL PL PT RU SE TJ TR UA US UZ ZA")
PUBLISHED_NOTES = {
    DatePrecision.DAY: "",
    DatePrecision.MONTH: "The source's archive gives only the month of publication.",
    DatePrecision.YEAR: "Only the year of publication is known, from the events the text reports.",
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- The corpus ------------------------------------------------------------------------------------


class Corpus:
    """The whole synthetic archive for ``articles`` articles and ``seed``: entities in memory, articles on demand.

    The entities (at most 20,000 people, 2,000 tags and claims, 200 sources: a few megabytes)
    are built when the corpus is; each article is built when asked for and never kept.
    """

    def __init__(self, *, articles: int, seed: int) -> None:
        self.size = CorpusSize.for_articles(articles)
        self.seed = seed
        words, _ = vocabulary()
        self.running_words = running_words()
        self.function_words = frozenset(words[:HEADLINE_FUNCTION_WORDS])
        # Words topics are named after and talk about: from the middle of the list, no shorter than 4 letters.
        self.topical_words = [word for word in words[TOPIC_RANKS[0] : TOPIC_RANKS[1]] if len(word) >= 4]
        self._taken_names: set[str] = set()
        self.sources = self._sources()
        self.people = self._people()
        self.tags = self._tags()
        self.claims = self._claims()
        self.source_popularity = Weighted.zipf(len(self.sources), *SOURCE_POPULARITY)
        self.people_popularity = Weighted.zipf(len(self.people), *PEOPLE_POPULARITY)
        self.tag_popularity = Weighted.zipf(len(self.tags), *TAG_POPULARITY)
        self.claim_popularity = Weighted.zipf(len(self.claims), *CLAIM_POPULARITY)
        self.staff = self._staff()
        self.tag_people = self._tag_people()

    # --- Entities ---------------------------------------------------------------------------------

    def _unique(self, make, rng: random.Random) -> str:
        """A name ``make(rng)`` gives that no other source, person, alias or tag has (any case)."""
        for _ in range(MAX_NAME_ATTEMPTS):
            name = nfc(make(rng))
            if name.lower() not in self._taken_names:
                self._taken_names.add(name.lower())
                return name
        raise RuntimeError(f"no new name after {MAX_NAME_ATTEMPTS} attempts, e.g. {name!r}: the name lists ran out")

    @staticmethod
    def _slugs_unique(names: Sequence[str]) -> list[str]:
        """Slugs for ``names``; two names with one slug ("José Pérez", "Jose Perez") get -2, -3…"""
        taken: set[str] = set()
        slugs = []
        for name in names:
            base = slug_for(name, SLUG_MAX_LENGTH - 6)
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            taken.add(slug)
            slugs.append(slug)
        return slugs

    def _place(self, rng: random.Random) -> str:
        syllables = "".join(pick(rng, PLACE_SYLLABLES) for _ in range(between(rng, 2, 3)))
        return pick(rng, PLACE_PREFIXES) + syllables.capitalize()

    def _sources(self) -> list[SourceRow]:
        rng = stream(self.seed, "sources")
        kinds = [kind.value for kind in SOURCE_KIND_WEIGHTS]
        kind_weights = Weighted(list(SOURCE_KIND_WEIGHTS.values()))
        drafts = []
        for _ in range(self.size.sources):
            kind = kinds[kind_weights.draw(rng)]
            name = self._unique(lambda rng, kind=kind: self._source_name(rng, kind), rng)
            description = sentence_case(" ".join(self.running_words.draw(rng, between(rng, 8, 20)))) + "."
            drafts.append((name, kind, pick(rng, COUNTRIES) if rng.random() < 0.9 else "", description))
        slugs = self._slugs_unique([name for name, *_ in drafts])
        return [
            SourceRow(
                name=name,
                slug=slug,
                kind=kind,
                homepage=f"https://www.{slug}.example/",
                country=country,
                description=description,
            )
            for (name, kind, country, description), slug in zip(drafts, slugs, strict=True)
        ]

    def _source_name(self, rng: random.Random, kind: str) -> str:
        place = self._place(rng)
        word = pick(rng, self.topical_words).capitalize()
        return {
            SourceKind.NEWS_OUTLET: f"The {place} {pick(rng, NEWS_NAMES)}",
            SourceKind.WIRE_AGENCY: f"{place} Press Agency",
            SourceKind.THINK_TANK: f"{place} Institute for {word} Studies",
            SourceKind.NGO: f"{word} Watch {place}",
            SourceKind.GOVERNMENT: f"Ministry of {word} of {place}",
            SourceKind.BLOG: f"{word} Notes",
            SourceKind.OTHER: f"{place} {word} Forum",
        }[kind]

    def _people(self) -> list[PersonRow]:
        rng = stream(self.seed, "people")
        drafts = []
        for _ in range(self.size.people):
            culture = CULTURES[CULTURE_WEIGHTS.draw(rng)]
            female = rng.random() < 0.5
            name = self._unique(lambda rng, c=culture, f=female: self._person_name(rng, c, f), rng)
            aliases = []
            if rng.random() < ALIAS_SHARE:
                aliases.append(self._alias(name, culture))
                if rng.random() < SECOND_ALIAS_SHARE and culture.alias_kind != AliasKind.SPELLING:
                    # A second romanisation: given name only, or surname only, changed.
                    aliases.append(self._alias(name, culture, given_only=rng.random() < 0.5))
            description = pick(rng, ROLES) if rng.random() < ROLE_SHARE else ""
            drafts.append((name, description, tuple(alias for alias in aliases if alias is not None)))
        slugs = self._slugs_unique([name for name, *_ in drafts])
        return [
            PersonRow(name=name, slug=slug, description=description, aliases=aliases)
            for (name, description, aliases), slug in zip(drafts, slugs, strict=True)
        ]

    @staticmethod
    def _person_name(rng: random.Random, culture: NamingCulture, female: bool) -> str:
        given = pick(rng, culture.given_female if female else culture.given_male)
        if culture.double_surname:
            first, second = pick(rng, culture.stems), pick(rng, culture.stems)
            return f"{given} {first} {second}" if first != second else f"{given} {first}"
        stem = pick(rng, culture.stems)
        if rng.random() < 0.4:
            # A second syllable, so surnames do not run out: "Kor" + "a" + "bel" …
            stem += pick(rng, "aeio") + pick(rng, culture.stems).lower()
        ending = pick(rng, culture.endings_female if female else culture.endings_male)
        prefix = pick(rng, culture.surname_prefixes) if culture.surname_prefixes else ""
        return f"{given} {prefix}{stem}{ending}"

    def _alias(self, name: str, culture: NamingCulture, *, given_only: bool | None = None) -> AliasRow | None:
        """``name`` spelt the other way ``culture`` writes it, unless that changes nothing or is taken.

        Both parts change by default; ``given_only`` True changes only the given name, False only the surname.
        """
        given, _, surname = name.partition(" ")
        if given_only is not False:
            given = dict(culture.given_variants).get(given, given)
        for pattern, replacement in culture.variant_rules:
            if given_only is None:
                given = re.sub(pattern, replacement, given)
            if given_only is not True:
                surname = re.sub(pattern, replacement, surname)
        alias = nfc(f"{given} {surname}")
        if alias.lower() in self._taken_names:
            return None
        self._taken_names.add(alias.lower())
        return AliasRow(name=alias, kind=culture.alias_kind.value)

    def _tags(self) -> list[TagRow]:
        rng = stream(self.seed, "tags")
        kinds = [kind.value for kind in TAG_KIND_WEIGHTS]
        kind_weights = Weighted(list(TAG_KIND_WEIGHTS.values()))
        topical = self.topical_words
        drafts = []
        for _ in range(self.size.tags):
            kind = kinds[kind_weights.draw(rng)]
            name = self._unique(lambda rng, kind=kind: self._tag_name(rng, kind, topical), rng)
            own_words = [word for word in name.lower().split() if word.isascii() and word.isalpha()]
            vocabulary = tuple(dict.fromkeys(own_words + [pick(rng, topical) for _ in range(TOPIC_WORDS_PER_TAG)]))
            description = sentence_case(" ".join(self.running_words.draw(rng, between(rng, 6, 16)))) + "."
            drafts.append((name, kind, description if rng.random() < 0.5 else "", vocabulary))
        slugs = self._slugs_unique([name for name, *_ in drafts])
        return [
            TagRow(name=name, slug=slug, kind=kind, description=description, vocabulary=vocabulary)
            for (name, kind, description, vocabulary), slug in zip(drafts, slugs, strict=True)
        ]

    def _tag_name(self, rng: random.Random, kind: str, topical: Sequence[str]) -> str:
        if kind == TagKind.TOPIC:
            word = pick(rng, topical)
            return f"{word} {pick(rng, TOPIC_HEADS)}" if rng.random() < 0.5 else word
        if kind == TagKind.PLACE:
            return self._place(rng)
        if kind == TagKind.ORGANISATION:
            return f"{self._place(rng)} {pick(rng, ORGANISATION_KINDS)}"
        year = FIRST_DAY.year + below(rng, LAST_DAY.year - FIRST_DAY.year + 1)
        return f"{year} {self._place(rng)} {pick(rng, EVENT_KINDS)}"

    def _claims(self) -> list[ClaimRow]:
        rng = stream(self.seed, "claims")
        claimants = Weighted.zipf(self.size.people, *CLAIMANT_POPULARITY)
        sources = Weighted.zipf(self.size.sources, *SOURCE_POPULARITY)
        ratings = [rating.value for rating in CLAIM_RATING_WEIGHTS]
        rating_weights = Weighted(list(CLAIM_RATING_WEIGHTS.values()))
        drafts = []
        statements: set[str] = set()
        for _ in range(self.size.claims):
            statement = ""
            while not statement or statement in statements:
                statement = self._sentence(rng, self.running_words.draw(rng, between(rng, 10, 22)))
            statements.add(statement)
            quote = self._sentence(rng, self.running_words.draw(rng, between(rng, 8, 25)))
            by_source = rng.random() < CLAIM_SOURCE_SHARE
            person = None if by_source and rng.random() < 0.7 else claimants.draw(rng)
            claimed_on, precision = self._date(rng) if rng.random() < 0.9 else (None, "")
            rating = ratings[rating_weights.draw(rng)]
            note = "" if rating == ClaimRating.UNVERIFIED else self._sentence(rng, self.running_words.draw(rng, 15))
            drafts.append(
                dict(
                    statement=statement,
                    quote=quote if rng.random() < CLAIM_QUOTE_SHARE else "",
                    claimant_person=person,
                    claimant_source=sources.draw(rng) if by_source else None,
                    claimed_on=claimed_on,
                    claimed_precision=precision,
                    rating=rating,
                    rating_note=note,
                )
            )
        slugs = self._slugs_unique([draft["statement"] for draft in drafts])
        return [ClaimRow(slug=slug, **draft) for draft, slug in zip(drafts, slugs, strict=True)]

    def _staff(self) -> list[tuple[int, ...]]:
        """Each source's writers: people from the less famous half, more of them for bigger sources."""
        rng = stream(self.seed, "staff")
        shares = [weight / self.source_popularity.total for weight in _weights(self.source_popularity)]
        first_writer = len(self.people) // 2
        return [
            tuple(
                dict.fromkeys(
                    between(rng, first_writer, len(self.people) - 1)
                    for _ in range(min(MAX_STAFF, MIN_STAFF + round(share * STAFF_PER_SHARE)))
                )
            )
            for share in shares
        ]

    def _tag_people(self) -> list[tuple[int, ...]]:
        """Each tag's regulars: the people its articles keep coming back to."""
        rng = stream(self.seed, "tag people")
        return [tuple(self.people_popularity.distinct(rng, PEOPLE_PER_TAG)) for _ in self.tags]

    # --- Articles ---------------------------------------------------------------------------------

    def articles(self, start: int = 0, stop: int | None = None) -> Iterator[ArticleRow]:
        """Articles ``start`` to ``stop`` - 1 (default: all), one at a time."""
        for number in range(start, self.size.articles if stop is None else min(stop, self.size.articles)):
            yield self.article(number)

    def article(self, number: int) -> ArticleRow:
        """Article ``number`` (from 0): the same whichever other articles are built, and in whatever order."""
        if not 0 <= number < self.size.articles:
            raise IndexError(f"the corpus has articles 0 to {self.size.articles - 1}")
        rng = stream(self.seed, "article", number)
        source = self.source_popularity.draw(rng)
        tags = self.tag_popularity.distinct(rng, _count(rng, TAG_COUNTS))
        people = self._article_people(rng, tags)
        claims = self.claim_popularity.distinct(rng, _count(rng, CLAIM_REPORT_COUNTS))
        staff = self.staff[source]
        authors = tuple(pick(rng, staff) for _ in range(_count(rng, AUTHOR_COUNTS)))
        # The way this article writes each person: their name, or now and then an alias throughout.
        spellings = {person: self._spelling(rng, person) for person in people}
        for claim in claims:
            claimant = self.claims[claim].claimant_person
            if claimant is not None and claimant not in spellings:
                spellings[claimant] = self._spelling(rng, claimant)
        topic = [word for tag in tags for word in self.tags[tag].vocabulary] + list(self.tags[tags[0]].vocabulary)
        body, claim_reports = self._body(rng, people, spellings, tags, claims, topic)
        title = self._headline(rng, people, spellings, tags, topic)
        summary = self._summary(rng, people, spellings, topic) if rng.random() < SUMMARY_SHARE else ""
        published_on, precision = self._date(rng) if rng.random() >= UNDATED_SHARE else (None, "")
        status, retraction_note = self._status(rng, spellings)
        archived_at = self._archived_at(rng, published_on)
        slug = slug_for(title, SLUG_BASE_MAX_LENGTH)  # room for the digest the loader adds if it is taken
        return ArticleRow(
            number=number,
            title=title,
            title_is_editorial=rng.random() < EDITORIAL_TITLE_SHARE,
            slug=slug,
            source=source,
            authors=tuple(dict.fromkeys(authors)),
            people=tuple(spellings),
            tags=tuple(tags),
            claim_reports=tuple(claim_reports),
            published_on=published_on,
            published_precision=precision,
            published_note=PUBLISHED_NOTES.get(precision, ""),
            url=self._url(rng, source, published_on, slug, number),
            summary=summary,
            body=body,
            body_sha256=body_sha256(body),
            status=status,
            retraction_note=retraction_note,
            retracted_at=archived_at + timedelta(days=between(rng, 1, 400)) if retraction_note else None,
            archived_at=archived_at,
        )

    def _article_people(self, rng: random.Random, tags: Sequence[int]) -> list[int]:
        people: dict[int, None] = {}
        wanted = _count(rng, PEOPLE_COUNTS)
        for _ in range(wanted * 10):
            if len(people) == wanted:
                break
            if rng.random() < TAG_PEOPLE_SHARE:
                people[pick(rng, self.tag_people[pick(rng, tags)])] = None
            else:
                people[self.people_popularity.draw(rng)] = None
        return list(people)

    def _spelling(self, rng: random.Random, person: int) -> str:
        row = self.people[person]
        if row.aliases and rng.random() < ALIAS_SPELLING_SHARE:
            return pick(rng, row.aliases).name
        return row.name

    @staticmethod
    def _sentence(rng: random.Random, words: list[str], *, question: bool = True) -> str:
        """Words as a sentence: capitalised, a comma here and there, a full stop (or a question mark)."""
        if len(words) > 2:
            for _ in range(int(len(words) * COMMA_SHARE + rng.random())):
                position = between(rng, 1, len(words) - 2)
                if not words[position].endswith(","):
                    words[position] += ","
        end = "?" if question and rng.random() < QUESTION_SHARE else "."
        return sentence_case(" ".join(words)) + end

    def _words(self, rng: random.Random, count: int, topic: Sequence[str]) -> list[str]:
        words = self.running_words.draw(rng, count)
        for _ in range(round(count * TOPIC_SHARE)):
            words[below(rng, count)] = pick(rng, topic)
        return words

    def _naming_sentence(self, rng: random.Random, name: str, topic: Sequence[str]) -> str:
        """A sentence that names someone or something: as its subject, in passing, or quoting them."""
        words = self._words(rng, between(rng, 5, 16), topic)
        form = rng.random()
        if form < 0.4:
            return self._sentence(rng, [name, *words])
        if form < 0.75:
            cut = between(rng, 1, len(words) - 1)
            return self._sentence(rng, [*words[:cut], name, *words[cut:]])
        quoted = self._sentence(rng, words, question=False)[:-1]
        return f"“{quoted},” {name} said."

    def _claim_sentence(
        self, rng: random.Random, claim: ClaimRow, spellings: dict[int, str], topic: Sequence[str]
    ) -> str:
        """How an article reports a claim: who made it and a few of its words, quoted, in words of its own.

        A few words only: two articles reporting one claim then share no passage that
        near-duplicate detection counts (8 words, articles.near_duplicates), so the corpus
        holds no retellings, as the archive without fingerprints assumes.
        """
        if claim.claimant_person is not None:
            claimant = spellings[claim.claimant_person]
        else:
            claimant = self.sources[claim.claimant_source].name
        words = (claim.quote or claim.statement)[:-1].split()
        size = between(rng, *CLAIM_EXCERPT_WORDS)
        start = below(rng, len(words) - size + 1)
        excerpt = " ".join(words[start : start + size]).rstrip(",")
        before = self._words(rng, between(rng, 3, 6), topic)
        after = self._words(rng, between(rng, 2, 5), topic)
        return self._sentence(rng, [claimant, *before, f"“{excerpt}”", *after])

    def _body(
        self,
        rng: random.Random,
        people: Sequence[int],
        spellings: dict[int, str],
        tags: Sequence[int],
        claims: Sequence[int],
        topic: Sequence[str],
    ) -> tuple[str, list[tuple[int, int]]]:
        """The body, and for each claim the paragraph (from 1) that reports it.

        Sentences that name people, tags and claims come first; running text fills the rest
        up to a length drawn between 300 and 1,200 words, and the naming sentences are spread
        through it, each person named in full before being called by surname alone.
        """
        low, high = BODY_WORDS
        length = low + int((high - low) * rng.random() ** BODY_LENGTH_SKEW)
        first_mentions = [self._naming_sentence(rng, spellings[person], topic) for person in people]
        optional = shuffled(
            rng,
            [
                self._naming_sentence(rng, spellings[person].rsplit(" ", 1)[-1], topic)
                for rank, person in enumerate(people)
                for _ in range(below(rng, 3 if rank < 2 else 2))
            ]
            + [self._naming_sentence(rng, self.tags[tag].name, topic) for tag in tags if rng.random() < 0.7],
        )
        claim_sentences = [self._claim_sentence(rng, self.claims[claim], spellings, topic) for claim in claims]
        named_words = sum(len(sentence.split()) for sentence in first_mentions + optional + claim_sentences)
        # A short body names fewer things again, never fewer people or claims.
        while optional and named_words > length - MIN_PLAIN_WORDS:
            named_words -= len(optional.pop().split())
        length = min(high, max(length, named_words + MIN_PLAIN_WORDS))
        # (sentence, the claim it reports or None), people named in full before anything else names them.
        naming = [(sentence, None) for sentence in first_mentions] + shuffled(
            rng, [(sentence, None) for sentence in optional] + list(zip(claim_sentences, claims, strict=True))
        )

        plain = []
        remaining = length - named_words
        while remaining > 0:
            count = between(rng, *SENTENCE_WORDS)
            if remaining - count < SENTENCE_WORDS[0]:
                count = remaining
            plain.append((self._sentence(rng, self._words(rng, count, topic)), None))
            remaining -= count
        # Spread the naming sentences through the running text, keeping their order.
        slots = sorted(below(rng, len(plain) + 1) for _ in naming)
        sentences: list[tuple[str, int | None]] = []
        position = 0
        for slot, named in zip(slots, naming, strict=True):
            sentences += plain[position:slot]
            sentences.append(named)
            position = slot
        sentences += plain[position:]

        paragraphs: list[str] = []
        reports: list[tuple[int, int]] = []
        start = 0
        while start < len(sentences):
            size = between(rng, *PARAGRAPH_SENTENCES)
            if len(sentences) - (start + size) == 1:
                # Never a paragraph of one sentence left at the end.
                size += 1 if size < PARAGRAPH_SENTENCES[1] else -1
            paragraph = sentences[start : start + size]
            paragraphs.append(" ".join(sentence for sentence, _ in paragraph))
            reports += [(claim, len(paragraphs)) for _, claim in paragraph if claim is not None]
            start += size
        return PARAGRAPH_SEPARATOR.join(paragraphs), reports

    def _headline(
        self, rng: random.Random, people: Sequence[int], spellings: dict[int, str], tags: Sequence[int], topic
    ) -> str:
        length = between(rng, *HEADLINE_WORDS)
        names = []
        if people and rng.random() < 0.6:
            names.append(spellings[people[0]].rsplit(" ", 1)[-1])
        tag = self.tags[tags[0]]
        if tag.kind != TagKind.TOPIC and rng.random() < 0.4 and len(tag.name.split()) <= 4:
            names.append(tag.name)
        while names and sum(len(name.split()) for name in names) > length - 3:
            names.pop()
        words = [self._headline_word(rng) for _ in range(length - sum(len(name.split()) for name in names))]
        for _ in range(len(words) // 4):
            words[below(rng, len(words))] = pick(rng, topic)
        for name in names:
            words.insert(below(rng, len(words) + 1), name)
        return sentence_case(" ".join(words))

    def _headline_word(self, rng: random.Random) -> str:
        """A word as headlines have them: function words ("the", "of"…) are kept only now and then."""
        while True:
            word = self.running_words.draw(rng, 1)[0]
            if word not in self.function_words or rng.random() < HEADLINE_FUNCTION_WORD_SHARE:
                return word

    def _summary(self, rng: random.Random, people: Sequence[int], spellings: dict[int, str], topic) -> str:
        sentences = [self._sentence(rng, self._words(rng, between(rng, 12, 25), topic))]
        if people:
            sentences.insert(0, self._naming_sentence(rng, spellings[people[0]], topic))
        return " ".join(sentences[: between(rng, 1, 2)])

    @staticmethod
    def _date(rng: random.Random) -> tuple[date, str]:
        """A day in the 25 years, more of them recent; mostly known to the day, some to the month or year."""
        spread = rng.random()
        if rng.random() < RECENT_SHARE:
            spread = math.sqrt(spread)
        day = FIRST_DAY + timedelta(days=min(int(spread * SPAN_DAYS), SPAN_DAYS - 1))
        precision = rng.random()
        if precision < YEAR_PRECISION_SHARE:
            return day.replace(month=1, day=1), DatePrecision.YEAR.value
        if precision < YEAR_PRECISION_SHARE + MONTH_PRECISION_SHARE:
            return day.replace(day=1), DatePrecision.MONTH.value
        return day, DatePrecision.DAY.value

    @staticmethod
    def _archived_at(rng: random.Random, published_on: date | None) -> datetime:
        """Captured within days of publication (undated ones after the corpus's last day), to the second."""
        seconds = below(rng, 4 * 24 * 3600)
        if published_on is None:
            return UNDATED_CAPTURE + timedelta(seconds=seconds)
        return datetime(published_on.year, published_on.month, published_on.day, tzinfo=UTC) + timedelta(
            seconds=seconds
        )

    def _status(self, rng: random.Random, spellings: dict[int, str]) -> tuple[str, str]:
        status = rng.random()
        if status < RETRACTED_SHARE:
            who = next(iter(spellings.values()), "a source")
            return ArticleStatus.RETRACTED.value, f"Retracted: the article attributed to {who} words they did not say."
        if status < RETRACTED_SHARE + DRAFT_SHARE:
            return ArticleStatus.DRAFT.value, ""
        return ArticleStatus.PUBLISHED.value, ""

    def _url(self, rng: random.Random, source: int, published_on: date | None, slug: str, number: int) -> str:
        """Where the article was first published: its source's site, unique by the article's number."""
        if rng.random() >= URL_SHARE:
            return ""
        homepage = self.sources[source].homepage
        path = f"{published_on:%Y/%m}" if published_on else "archive"
        return f"{homepage}{path}/{slug[:80]}-{number + 1}"


def _count(rng: random.Random, weights: tuple[int, ...]) -> int:
    """A count drawn with ``weights[n]`` the weight of n."""
    return _counts(weights).draw(rng)


@cache
def _counts(weights: tuple[int, ...]) -> Weighted:
    return Weighted(weights)


def _weights(sampler: Weighted) -> list[float]:
    return [b - a for a, b in zip([0.0, *sampler.cumulative], sampler.cumulative, strict=False)]
