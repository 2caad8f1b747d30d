"""What the editors' history tracks of articles, people and claims, and how it writes it as text.

A *snapshot* of a row is what an editor sees of it, as readable text by label: every field an
editor can edit (labelled with the field's verbose name; a choice as its label, a related row by
its name, a date as ISO 8601, a yes/no as "yes"/"no"), its many-to-many links as the sorted names
joined by ", " (the convention ``articles.services.links_change`` writes too, so an article's history
reads the same whichever tool changed its tags), and the rows the admin edits inline with it:

- an article: "claims reported", one "Statement ¶3" per line;
- a person: "aliases", "name (kind)" joined by ", ";
- a claim: "reported in", one "Headline ¶3" per line (statements and headlines hold commas).

Comparing two snapshots of a row gives its ``FieldChange`` rows (``field_changes``), which
``articles.services.revision_record`` writes as one revision. Snapshots are read from the database,
a bounded number of queries for any number of rows: one for the rows, one per foreign key shown,
one per list.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db import models

from articles.models import AliasKind, Article, Claim, ClaimReport, FieldChange, Person, PersonAlias

# Several values of a list, and the items of a long list (statements, headlines), are joined by these.
NAMES_SEPARATOR = ", "
LINES_SEPARATOR = "\n"

# The label of a merged person's or tag's record: the name of the one it was merged into.
MERGED_INTO = "merged into"


@dataclass(frozen=True)
class Linked:
    """Rows listed under one label of the row they belong to, read for many of those at once."""

    label: str
    # (owner id, item as text) for the owners with these ids.
    read: Callable[[Collection[int]], Iterable[tuple[int, str]]]
    separator: str = NAMES_SEPARATOR


@dataclass(frozen=True)
class Tracked:
    """What the history tracks of one model."""

    name_field: str  # what str() shows: always read, so a changed row can be named
    linked: tuple[Linked, ...] = ()
    untracked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Snapshot:
    """One row as it stood: the row (to name it in the history) and its texts by label."""

    row: models.Model
    texts: dict[str, str] = field(default_factory=dict)


# A tracked row, by model and id.
RowKey = tuple[type[models.Model], int]


def _aliases(person_ids: Collection[int]) -> Iterable[tuple[int, str]]:
    kinds = dict(AliasKind.choices)
    rows = PersonAlias.objects.filter(person_id__in=person_ids).order_by().values_list("person_id", "name", "kind")
    for person_id, name, kind in rows:
        yield person_id, f"{name} ({kinds.get(kind, kind)})"


def _claims_reported(article_ids: Collection[int]) -> Iterable[tuple[int, str]]:
    rows = ClaimReport.objects.filter(article_id__in=article_ids).order_by()
    for article_id, statement, paragraph in rows.values_list("article_id", "claim__statement", "paragraph"):
        yield article_id, f"{statement} ¶{paragraph}"


def _reported_in(claim_ids: Collection[int]) -> Iterable[tuple[int, str]]:
    rows = ClaimReport.objects.filter(claim_id__in=claim_ids).order_by()
    for claim_id, title, paragraph in rows.values_list("claim_id", "article__title", "paragraph"):
        yield claim_id, f"{title} ¶{paragraph}"


CLAIMS_REPORTED = "claims reported"
REPORTED_IN = "reported in"
ALIASES = "aliases"

TRACKED: dict[type[models.Model], Tracked] = {
    Article: Tracked(
        name_field="title",
        linked=(Linked(CLAIMS_REPORTED, _claims_reported, LINES_SEPARATOR),),
        # Moves with the body (a new text is a new capture), whose change the history shows already.
        untracked=frozenset({"archived_at"}),
    ),
    Person: Tracked(name_field="name", linked=(Linked(ALIASES, _aliases),)),
    Claim: Tracked(name_field="statement", linked=(Linked(REPORTED_IN, _reported_in, LINES_SEPARATOR),)),
}


@functools.cache
def tracked_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The fields of ``model`` the history tracks, in the order they are declared.

    Every field an editor can edit, and the many-to-many links Django manages; a link with a
    model of its own (a claim's articles, through ClaimReport) is tracked as a list instead.
    """
    untracked = TRACKED[model].untracked
    fields = [
        model_field
        for model_field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if model_field.editable and not model_field.primary_key and model_field.name not in untracked
    ]
    fields = [f for f in fields if not f.many_to_many or f.remote_field.through._meta.auto_created]
    return tuple(sorted(fields, key=lambda model_field: model_field.creation_counter))


def label(model_field: models.Field) -> str:
    """A field's label in the history: its verbose name, as the admin shows it."""
    return str(model_field.verbose_name)


def tracked_labels(model: type[models.Model]) -> list[str]:
    """Every label a snapshot of ``model`` has, in order."""
    return [*(label(f) for f in tracked_fields(model)), *(linked.label for linked in TRACKED[model].linked)]


def list_separator(model: type[models.Model] | None, field_label: str) -> str | None:
    """What joins the items of a list label of ``model`` (tags, aliases…); None for a single value."""
    if model not in TRACKED:
        return None
    for model_field in tracked_fields(model):
        if model_field.many_to_many and label(model_field) == field_label:
            return NAMES_SEPARATOR
    for linked in TRACKED[model].linked:
        if linked.label == field_label:
            return linked.separator
    return None


def value_text(model_field: models.Field, value) -> str:
    """One field's value as an editor reads it (a related row's value is the row, or None)."""
    if value is None:
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def names_text(names: Iterable[str], separator: str = NAMES_SEPARATOR) -> str:
    """Items of a list, sorted whatever their case, joined as the history writes lists."""
    return separator.join(sorted(names, key=str.lower))


def snapshots(
    model: type[models.Model],
    pks: Collection[int],
    *,
    labels: Collection[str] | None = None,
    lock: bool = False,
) -> dict[int, Snapshot]:
    """The rows of ``model`` with these ids as they stand in the database, by id (rows gone are left out).

    ``labels`` limits the texts read to those (default: all tracked). ``lock`` reads the rows
    ``FOR UPDATE``, inside a transaction, so what was read is what a save then replaces. One
    query for the rows, one per foreign key and per list read, whatever the number of rows.
    """
    spec = TRACKED[model]
    wanted = set(tracked_labels(model) if labels is None else labels)
    fields = [f for f in tracked_fields(model) if label(f) in wanted]
    pks = set(pks)
    if not pks:
        return {}
    rows = model.objects.filter(pk__in=pks).order_by()
    if labels is not None:
        rows = rows.only(spec.name_field, *(f.name for f in fields if not f.many_to_many))
    if lock:
        rows = rows.select_for_update()
    found = {row.pk: Snapshot(row=row) for row in rows}
    for model_field in fields:
        if model_field.many_to_many:
            items = _links_read(model_field, found.keys())
            for pk, snapshot in found.items():
                snapshot.texts[label(model_field)] = names_text(items.get(pk, []))
        elif model_field.is_relation:
            ids = {getattr(s.row, model_field.attname) for s in found.values()} - {None}
            related = model_field.related_model.objects.in_bulk(ids) if ids else {}
            for snapshot in found.values():
                value = related.get(getattr(snapshot.row, model_field.attname))
                snapshot.texts[label(model_field)] = value_text(model_field, value)
        else:
            for snapshot in found.values():
                snapshot.texts[label(model_field)] = value_text(model_field, getattr(snapshot.row, model_field.name))
    for linked in spec.linked:
        if linked.label not in wanted:
            continue
        items: dict[int, list[str]] = defaultdict(list)
        if found:
            for pk, text in linked.read(found.keys()):
                items[pk].append(text)
        for pk, snapshot in found.items():
            snapshot.texts[linked.label] = names_text(items.get(pk, []), linked.separator)
    return found


def _links_read(model_field: models.ManyToManyField, pks: Collection[int]) -> dict[int, list[str]]:
    """The names each row links to through a many-to-many field, by row id: one query."""
    through = model_field.remote_field.through
    source = model_field.m2m_field_name()
    target = model_field.m2m_reverse_field_name()
    links: dict[int, list[str]] = defaultdict(list)
    for row in through.objects.filter(**{f"{source}_id__in": pks}).select_related(target).order_by():
        links[getattr(row, f"{source}_id")].append(str(getattr(row, target)))
    return links


def snapshot(obj: models.Model, *, labels: Collection[str] | None = None, lock: bool = False) -> dict[str, str]:
    """``obj``'s texts by label as stored in the database; empty if it is not (yet, or any more)."""
    if obj.pk is None:
        return {}
    found = snapshots(type(obj), [obj.pk], labels=labels, lock=lock).get(obj.pk)
    return found.texts if found else {}


def rows_snapshot(rows: Mapping[RowKey, Collection[str] | None], *, lock: bool = False) -> dict[RowKey, Snapshot]:
    """Snapshots of several tracked rows, each with its labels (None: all); the queries of one per model and labels."""
    groups: dict[tuple[type[models.Model], frozenset[str] | None], set[int]] = defaultdict(set)
    for (model, pk), labels in rows.items():
        groups[model, None if labels is None else frozenset(labels)].add(pk)
    found: dict[RowKey, Snapshot] = {}
    for (model, labels), pks in groups.items():
        for pk, row_snapshot in snapshots(model, pks, labels=labels, lock=lock).items():
            found[model, pk] = row_snapshot
    return found


def field_changes(obj: models.Model, before: Mapping[str, str], after: Mapping[str, str]) -> list[FieldChange]:
    """The unsaved ``FieldChange`` rows of ``obj`` between two snapshots: only the labels that differ.

    An empty ``before`` is a row added, an empty ``after`` a row deleted.
    """
    labels = dict.fromkeys([*before, *after])
    return [
        FieldChange.of(obj, field_label, before.get(field_label, ""), after.get(field_label, ""))
        for field_label in labels
        if before.get(field_label, "") != after.get(field_label, "")
    ]


def snapshot_changes(before: Mapping[RowKey, Snapshot], after: Mapping[RowKey, Snapshot]) -> list[FieldChange]:
    """The field changes of every row in either set of snapshots: a row only in ``before`` was deleted."""
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        row = (new or old).row
        changes += field_changes(row, old.texts if old else {}, new.texts if new else {})
    return changes


def linked_rows(model: type[models.Model], pks: Collection[int]) -> dict[RowKey, frozenset[str]]:
    """The other tracked rows whose texts list these rows, with the labels that do.

    A claim report shows on both its article ("claims reported") and its claim ("reported in");
    an article lists the people it mentions and its authors. When these rows go, or their claim
    reports change, those rows change too. (A person's claims are protected: no person who made
    a claim can be deleted.)
    """
    found: dict[RowKey, frozenset[str]] = {}
    if not pks:
        return found
    if model is Article:
        claim_ids = ClaimReport.objects.filter(article_id__in=pks).order_by().values_list("claim_id", flat=True)
        found |= {(Claim, pk): frozenset({REPORTED_IN}) for pk in claim_ids}
    elif model is Claim:
        article_ids = ClaimReport.objects.filter(claim_id__in=pks).order_by().values_list("article_id", flat=True)
        found |= {(Article, pk): frozenset({CLAIMS_REPORTED}) for pk in article_ids}
    elif model is Person:
        labels: dict[int, set[str]] = defaultdict(set)
        for relation in (Article.people, Article.authors):
            person = f"{relation.field.m2m_reverse_field_name()}_id"
            rows = relation.through.objects.filter(**{f"{person}__in": pks}).order_by()
            for article_id in rows.values_list(f"{relation.field.m2m_field_name()}_id", flat=True):
                labels[article_id].add(label(relation.field))
        found |= {(Article, pk): frozenset(names) for pk, names in labels.items()}
    return found
