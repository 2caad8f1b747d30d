"""Suggested links: the people and tags an article's text mentions but that are not linked to it yet.

A **mention** is a person's name or one of their aliases, or a tag's name, found as whole words
in the article's title, summary or body. Both sides are compared as *mention keys*: lowercased,
accents folded with PostgreSQL's ``unaccent`` ("Čupík" = "cupik"), a possessive ``'s`` dropped
(straight or curly apostrophe: "Putin's" = "putin"), and every run of other characters (spaces,
punctuation, hyphens, apostrophes) made one space. So "Moscow" matches "(Moscow)" and "Moscow's",
never "Moscowitz", and a person called "Aziz" only the word "aziz".

Words are compared as they are, without stemming or plurals: the tag "Protests" is not suggested
by "protest". Stemming English (what the search does) would also suggest the tag "University"
for "universe" and "Organ trade" for "organization trade", and folding plurals would make "news"
of "new"; a suggestion has to be right at a glance, so it matches the tag's own words or nothing.

How it stays fast with 20,000 people, 2,000 tags and a million articles: the key is a SQL function
(``articles_mention_key``, created by migration 0010), and people, aliases and tags are indexed on
the *head* of their key, its first two words (``articles_mention_head``: "valentina cupik",
"war in", "moscow"). One query per batch of articles splits each text into words, makes its
distinct single words and pairs of neighbouring words, and looks them up in the three indexes: a
name whose head is not in the text is never read. A name of one or two words matches exactly when
its head does; a longer one ("War in Ukraine") is also checked against the text (a substring test,
between word boundaries), which only the few names sharing a head met in the text need. Indexing by
first word alone would not do: a text naming one Sergey would test every Sergey in the archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from articles.models import Article

MENTION_KEY_FUNCTION = "articles_mention_key"
MENTION_HEAD_FUNCTION = "articles_mention_head"

# Articles per query: each query holds their texts' words and word pairs in memory at once.
SUGGESTION_BATCH_SIZE = 100

PEOPLE = "people"
TAGS = "tags"


def create_mention_functions_sql(unaccent_schema: str) -> str:
    """The SQL functions that turn a name or a text into its mention key, and a name into its head.

    A SQL-standard body (``RETURN …``) is parsed when the function is created, so ``unaccent``
    is bound then, not looked up in each session's search_path; with the dictionary named
    explicitly the function is truly immutable and can be indexed (``unaccent(text)`` alone is
    only STABLE). Needs PostgreSQL 14 or later.
    """
    return f"""
CREATE FUNCTION {MENTION_KEY_FUNCTION}(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN btrim(regexp_replace(
    regexp_replace(
        lower({unaccent_schema}.unaccent('{unaccent_schema}.unaccent'::regdictionary, name)),
        '[''\N{RIGHT SINGLE QUOTATION MARK}]s\\M', '', 'g'
    ),
    '[^[:alnum:]]+', ' ', 'g'
));
CREATE FUNCTION {MENTION_HEAD_FUNCTION}(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN array_to_string((string_to_array({MENTION_KEY_FUNCTION}(name), ' '))[1:2], ' ');
"""


DROP_MENTION_FUNCTIONS_SQL = f"""
DROP FUNCTION IF EXISTS {MENTION_HEAD_FUNCTION}(text);
DROP FUNCTION IF EXISTS {MENTION_KEY_FUNCTION}(text);
"""

# The tables whose names are indexed on their head, and each index's name.
HEAD_INDEXES = {
    "articles_person": "person_mention_head",
    "articles_personalias": "person_alias_mention_head",
    "articles_tag": "tag_mention_head",
}


def create_head_indexes_sql() -> str:
    return "\n".join(
        f'CREATE INDEX {index} ON {table} (({MENTION_HEAD_FUNCTION}(name) COLLATE "C"));'
        for table, index in HEAD_INDEXES.items()
    )


def drop_head_indexes_sql() -> str:
    return "\n".join(f"DROP INDEX IF EXISTS {index};" for index in HEAD_INDEXES.values())


@dataclass(frozen=True)
class Suggestion:
    """That an article's text mentions a person (``relation`` "people") or a tag ("tags") not linked to it.

    ``spelling`` is the name or alias the text matched; ``by_alias`` says it is an alias.
    """

    relation: str
    article_id: int
    target_id: int
    name: str
    spelling: str
    by_alias: bool
    description: str = ""

    @property
    def value(self) -> str:
        """How a form names this suggestion, e.g. ``people:12``."""
        return f"{self.relation}:{self.target_id}"


@dataclass
class ArticleSuggestions:
    """One article's suggestions: people (as mentioned) and tags, each sorted by name."""

    article_id: int
    people: list[Suggestion] = field(default_factory=list)
    tags: list[Suggestion] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.people) + len(self.tags)

    def __iter__(self):
        yield from self.people
        yield from self.tags

    def get(self, value: str) -> Suggestion | None:
        """The suggestion a form named ``value`` (see ``Suggestion.value``), if it is still one."""
        return next((suggestion for suggestion in self if suggestion.value == value), None)


def suggestions_sql() -> str:
    """The query behind ``suggestions_for``, with one parameter: ``article_ids``, a list."""
    people_links = Article.people.through._meta.db_table
    author_links = Article.authors.through._meta.db_table
    tag_links = Article.tags.through._meta.db_table
    key, head = MENTION_KEY_FUNCTION, MENTION_HEAD_FUNCTION
    # The text's fields are keyed apart and their words joined with "/" between fields, a word
    # no key holds, so no match spans two fields. Heads are compared byte by byte (COLLATE "C",
    # as the indexes are): equality is the same, and sorting the text's heads for the index
    # lookups is faster than with the database's collation.
    return f"""
WITH article_text AS MATERIALIZED (
    SELECT id AS article_id,
           string_to_array({key}(title), ' ') || '{{/}}'::text[] || string_to_array({key}(summary), ' ')
               || '{{/}}'::text[] || string_to_array({key}(body), ' ') AS words
    FROM articles_article
    WHERE id = ANY(%(article_ids)s)
), article_head AS MATERIALIZED (
    -- Every word and every two neighbouring words: the heads of the names the text may hold.
    SELECT article_id, head
    FROM article_text, LATERAL (
        SELECT word FROM unnest(words) AS word WHERE word <> '/'
        UNION ALL
        SELECT first || ' ' || second FROM unnest(words[:cardinality(words) - 1], words[2:]) AS pair(first, second)
        WHERE first <> '/' AND second <> '/'
    ) AS heads (head)
), text_head AS MATERIALIZED (
    SELECT ARRAY(SELECT DISTINCT head COLLATE "C" FROM article_head) AS heads
), name AS (
    SELECT 'people' AS relation, id AS target_id, name AS spelling, false AS by_alias, {head}(name) AS name_head
    FROM articles_person
    WHERE ({head}(name) COLLATE "C") = ANY((SELECT heads FROM text_head)::text[])
    UNION ALL
    SELECT 'people', person_id, name, true, {head}(name)
    FROM articles_personalias
    WHERE ({head}(name) COLLATE "C") = ANY((SELECT heads FROM text_head)::text[])
    UNION ALL
    SELECT 'tags', id, name, false, {head}(name)
    FROM articles_tag
    WHERE ({head}(name) COLLATE "C") = ANY((SELECT heads FROM text_head)::text[])
), candidate AS MATERIALIZED (
    SELECT DISTINCT article_head.article_id, name.*, {key}(name.spelling) AS name_key
    FROM name JOIN article_head ON article_head.head = name.name_head
), mention AS (
    SELECT * FROM candidate WHERE name_key = name_head
    UNION ALL
    -- Three words or more: the head is in the text, is the rest there too? Spaces at both
    -- ends, so the name is found only as whole words.
    SELECT candidate.* FROM candidate JOIN article_text USING (article_id)
    WHERE name_key <> name_head
      AND strpos(' ' || array_to_string(article_text.words, ' ') || ' ', ' ' || name_key || ' ') > 0
), suggestion AS MATERIALIZED (
    -- The person's own name before an alias; among aliases, the first by name.
    SELECT DISTINCT ON (article_id, relation, target_id) article_id, relation, target_id, spelling, by_alias
    FROM mention
    WHERE NOT (relation = 'people' AND EXISTS (
          SELECT FROM {people_links} AS link WHERE link.article_id = mention.article_id AND link.person_id = target_id
      ))
      AND NOT (relation = 'people' AND EXISTS (
          SELECT FROM {author_links} AS link WHERE link.article_id = mention.article_id AND link.person_id = target_id
      ))
      AND NOT (relation = 'tags' AND EXISTS (
          SELECT FROM {tag_links} AS link WHERE link.article_id = mention.article_id AND link.tag_id = target_id
      ))
    ORDER BY article_id, relation, target_id, by_alias, spelling
)
-- Names and descriptions last, looked up by id for the few rows suggested.
SELECT article_id, relation, target_id,
       CASE relation WHEN 'people' THEN (SELECT name FROM articles_person WHERE id = target_id)
                     ELSE (SELECT name FROM articles_tag WHERE id = target_id) END,
       spelling, by_alias,
       CASE relation WHEN 'people' THEN (SELECT description FROM articles_person WHERE id = target_id)
                     ELSE '' END
FROM suggestion
"""


def suggestions_for(article_ids: Iterable[int]) -> dict[int, ArticleSuggestions]:
    """The suggestions for each of these articles (ids), by id; an article without any gets an empty one.

    A person is suggested if the text names them (by name or alias) and they are linked
    neither as mentioned nor as author; a tag if the text has its name and it is not
    linked. One query per SUGGESTION_BATCH_SIZE articles (see the module docstring).
    """
    ids = list(dict.fromkeys(article_ids))
    found = {pk: ArticleSuggestions(article_id=pk) for pk in ids}
    sql = suggestions_sql()
    for start in range(0, len(ids), SUGGESTION_BATCH_SIZE):
        with connection.cursor() as cursor:
            cursor.execute(sql, {"article_ids": ids[start : start + SUGGESTION_BATCH_SIZE]})
            rows = cursor.fetchall()
        for article_id, relation, target_id, name, spelling, by_alias, description in rows:
            suggestion = Suggestion(relation, article_id, target_id, name, spelling, by_alias, description)
            getattr(found[article_id], relation).append(suggestion)
    for suggestions in found.values():
        suggestions.people.sort(key=_name_order)
        suggestions.tags.sort(key=_name_order)
    return found


def _name_order(suggestion: Suggestion) -> tuple[str, int]:
    return suggestion.name.lower(), suggestion.target_id
