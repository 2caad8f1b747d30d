"""The editors' history: who changed what, field by field, recorded from the admin and shown there.

``HistoryAdmin`` (articles, people, claims) records every addition, change and deletion made
through the admin as one ``Revision`` (kind "edit"): a snapshot of the row is read from the database
before the save, inside the admin's transaction and under a row lock, and again after its
many-to-many links and inlines are saved, and the labels that differ become its ``FieldChange``
rows (see articles.history). A claim report edited inline shows in both the article's and the
claim's history. ``OwnedRowHistoryAdmin`` does the same for rows with admin pages of their own that
belong to a tracked row: an alias changed on its own page is a change of its person's "aliases",
a claim report a change of its claim's "reported in" and its article's "claims reported".
Django's own ``LogEntry`` is still written as before.

The "History" button of these admins lists the revisions that changed the row, newest first,
20 a page, whatever tool made them (the admin, bulk actions, suggestions, merges, undo).
How a change is shown (``change_shown``): short values whole, old → new; a long list (many
tags, claims) as the items removed and added; a long text changed (a body) as its changed
paragraphs word by word, as the public version pages show a correction; a long text set or
cleared as its first words. The full texts are on the revision's own page, one link away.

``RevisionAdmin`` lists every revision and shows one with its changes, each linking to the row
changed; a revision that changed links can be undone from there (``undo/``: a confirmation page,
then ``articles.services.revision_undo``) by editors who may change articles. Nothing else in
the history can be changed by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db import models, transaction
from django.db.models import OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst

from articles import history
from articles.admin.base import ReadOnlyAdmin
from articles.models import Article, Claim, ClaimReport, FieldChange, Revision, RevisionKind, SubqueryCount
from articles.services import revision_record, revision_undo
from articles.text import PARAGRAPH_SEPARATOR, ParagraphChange, text_changes

HISTORY_PAGE_SIZE = 20
# The changes a revision's page (and its undo confirmation) lists; the rest are one link away.
REVISION_CHANGES_SHOWN = 200
# Values up to this long are shown whole, before and after.
SHORT_VALUE_LENGTH = 200
# A long text set or cleared is shown as its first words.
EXCERPT_WORDS = 40
# How much of a row's name a summary quotes, and how many rows a deletion's summary names.
SUMMARY_NAME_LENGTH = 80
SUMMARY_NAMES = 5
# Who may undo: undoing changes articles' links.
UNDO_PERMISSION = "articles.change_article"

# A claim report shows on both its sides: saved on one's page, it changes the other's list too.
# Model on whose page -> (the report's key to the other side, that model, the label there).
REPORT_COUNTERPARTS = {
    Article: ("claim_id", Claim, history.REPORTED_IN),
    Claim: ("article_id", Article, history.CLAIMS_REPORTED),
}


def _name(row: models.Model) -> str:
    return Truncator(str(row)).chars(SUMMARY_NAME_LENGTH)


def _names(rows: Iterable[models.Model]) -> str:
    rows = list(rows)
    named = ", ".join(f"“{_name(row)}”" for row in rows[:SUMMARY_NAMES])
    return named + (f" and {len(rows) - SUMMARY_NAMES} more" if len(rows) > SUMMARY_NAMES else "")


def _record(request, before, after, summary: str) -> Revision | None:
    """One revision (kind "edit", by the signed-in editor) of what differs between the snapshots."""
    changes = history.snapshot_changes(before, after)
    return revision_record(user=request.user, kind=RevisionKind.EDIT, summary=summary, changes=changes)


# --- Recording --------------------------------------------------------------------------------------


class HistoryAdmin(admin.ModelAdmin):
    """Records every change made through this admin, field by field, and shows it on the object's history page."""

    object_history_template = "admin/articles/history/object_history.html"

    def save_model(self, request, obj, form, change):
        # Read under lock before anything is written: exactly what this save replaces. Kept on the
        # instance, which save_related gets back as form.instance, to compare once the links are saved.
        key = (type(obj), obj.pk)
        obj._history_before = history.rows_snapshot({key: None}, lock=True) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        key = (type(obj), obj.pk)
        before = getattr(obj, "_history_before", {})
        # After save_model: a renamed row reads the same on both sides, only the reports themselves differ.
        counterparts = self._report_counterparts(obj, formsets)
        before = {**before, **history.rows_snapshot(counterparts)}
        super().save_related(request, form, formsets, change)
        after = history.rows_snapshot({key: None, **counterparts})
        if not change:
            summary = f"Added {self.opts.verbose_name} “{_name(obj)}”"
        else:
            old, new = before.get(key), after.get(key)
            changed = [c.field for c in history.field_changes(obj, old.texts if old else {}, new.texts if new else {})]
            summary = f"Changed {', '.join(changed) or 'links'} of {self.opts.verbose_name} “{_name(obj)}”"
        _record(request, before, after, summary)

    def delete_model(self, request, obj):
        before = self._deletion_snapshot([obj.pk])
        summary = f"Deleted {self.opts.verbose_name} “{_name(obj)}”"
        super().delete_model(request, obj)
        _record(request, before, history.rows_snapshot(self._linked(before)), summary)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            pks = list(queryset.values_list("pk", flat=True))
            before = self._deletion_snapshot(pks)
            super().delete_queryset(request, queryset)
            after = history.rows_snapshot(self._linked(before))
            deleted = [before[self.model, pk].row for pk in pks if (self.model, pk) in before]
            noun = self.opts.verbose_name if len(deleted) == 1 else self.opts.verbose_name_plural
            _record(request, before, after, f"Deleted {len(deleted)} {noun}: {_names(deleted)}")

    def _deletion_snapshot(self, pks: Collection[int]) -> dict:
        """The rows about to be deleted (locked), and the rows that list them (their articles, claims)."""
        rows = history.rows_snapshot({(self.model, pk): None for pk in pks}, lock=True)
        linked = history.linked_rows(self.model, pks)
        return {**rows, **history.rows_snapshot(linked)}

    def _linked(self, snapshots: dict) -> dict:
        """The rows of ``snapshots`` other than this admin's, with the labels they were read with."""
        return {key: snapshot.texts.keys() for key, snapshot in snapshots.items() if key[0] is not self.model}

    def _report_counterparts(self, obj, formsets) -> dict:
        """The rows on the other side of the claim reports this save may change: stored ones and the forms' ones."""
        if obj.pk is None or type(obj) not in REPORT_COUNTERPARTS:
            return {}
        attname, model, label = REPORT_COUNTERPARTS[type(obj)]
        forms = [form for formset in formsets if formset.model is ClaimReport for form in formset.forms]
        if not forms:
            return {}
        rows = history.linked_rows(type(obj), [obj.pk])
        rows |= {(model, pk): frozenset({label}) for form in forms if (pk := getattr(form.instance, attname, None))}
        return rows

    def history_view(self, request, object_id, extra_context=None):
        """The revisions that changed this row, newest first, each with its changes of this row."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = Paginator(Revision.objects.touching(obj), HISTORY_PAGE_SIZE)
        try:
            page = paginator.page(request.GET.get("p", 1))
        except InvalidPage as error:
            raise Http404(f"No such page of this history: {error}") from error
        entries = [(revision, [change_shown(c) for c in revision.object_changes]) for revision in page]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {_name(obj)}",
            "subtitle": None,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "entries": entries,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


class OwnedRowHistoryAdmin(admin.ModelAdmin):
    """For rows that belong to tracked rows (an alias to its person, a claim report to its claim and
    article): what is done to them on their own admin pages is recorded as a change of their owners.

    ``history_owners`` maps each foreign key to the owner to the label the row is listed under
    there. A row moved from one owner to another changes both.
    """

    history_owners: dict[str, str] = {}

    def _owners(self, rows: Iterable[models.Model]) -> dict:
        owners = {}
        for fk_name, owner_label in self.history_owners.items():
            fk = self.model._meta.get_field(fk_name)
            for row in rows:
                if (pk := getattr(row, fk.attname)) is not None:
                    owners[fk.related_model, pk] = frozenset({owner_label})
        return owners

    def save_model(self, request, obj, form, change):
        stored = self.model._default_manager.filter(pk=obj.pk).first() if change else None
        owners = self._owners([row for row in (stored, obj) if row is not None])
        before = history.rows_snapshot(owners)
        super().save_model(request, obj, form, change)
        verb = "Changed" if change else "Added"
        _record(request, before, history.rows_snapshot(owners), f"{verb} {self.opts.verbose_name} “{_name(obj)}”")

    def delete_model(self, request, obj):
        owners = self._owners([obj])
        before = history.rows_snapshot(owners)
        summary = f"Deleted {self.opts.verbose_name} “{_name(obj)}”"
        super().delete_model(request, obj)
        _record(request, before, history.rows_snapshot(owners), summary)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            rows = list(queryset)
            owners = self._owners(rows)
            before = history.rows_snapshot(owners)
            noun = self.opts.verbose_name if len(rows) == 1 else self.opts.verbose_name_plural
            summary = f"Deleted {len(rows)} {noun}: {_names(rows)}"
            super().delete_queryset(request, queryset)
            _record(request, before, history.rows_snapshot(owners), summary)


# --- Showing a change -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeShown:
    """How one field change is shown: ``style`` is "whole" (old → new), "items" (of a list: removed and
    added), "words" (a long text's changed paragraphs, word by word) or "excerpt" (a long text set or
    cleared: its first words)."""

    change: FieldChange
    style: str
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    paragraphs: tuple[ParagraphChange, ...] = ()
    excerpt: str = ""
    words: int = 0


def change_shown(change: FieldChange) -> ChangeShown:
    """How to show ``change`` so that an editor sees what moved, however long the values."""
    old, new = change.old, change.new
    if len(old) <= SHORT_VALUE_LENGTH and len(new) <= SHORT_VALUE_LENGTH and PARAGRAPH_SEPARATOR not in old + new:
        return ChangeShown(change, "whole")
    model = ContentType.objects.get_for_id(change.content_type_id).model_class()
    separator = history.list_separator(model, change.field)
    if separator is not None:
        old_items, new_items = (old.split(separator) if old else []), (new.split(separator) if new else [])
        return ChangeShown(
            change,
            "items",
            removed=tuple(item for item in old_items if item not in set(new_items)),
            added=tuple(item for item in new_items if item not in set(old_items)),
        )
    if old and new:
        return ChangeShown(change, "words", paragraphs=tuple(text_changes(old, new)))
    text = old or new
    return ChangeShown(change, "excerpt", excerpt=Truncator(text).words(EXCERPT_WORDS), words=len(text.split()))


@dataclass(frozen=True)
class ChangeRow:
    """A change on a revision's page, with links to the row changed (None if it is gone or has no admin)."""

    shown: ChangeShown
    change_url: str | None
    history_url: str | None


# --- Revisions --------------------------------------------------------------------------------------


class UndoFilter(admin.SimpleListFilter):
    title = "undo"
    parameter_name = "undo"

    def lookups(self, request, model_admin):
        return [("possible", "can be undone"), ("undone", "undone")]

    def queryset(self, request, queryset):
        if self.value() == "possible":
            return queryset.filter(undo__isnull=False, undone_by__isnull=True)
        if self.value() == "undone":
            return queryset.filter(undone_by__isnull=False)
        return queryset


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    """Every change editors made, newest first; one revision's page lists its changes and offers to undo it."""

    list_display = ["summary", "kind", "who", "made_at", "rows_changed", "undone"]
    list_filter = ["kind", ("user", admin.RelatedOnlyFieldListFilter), UndoFilter]
    date_hierarchy = "made_at"
    search_fields = ["summary", "username"]
    fields = ["summary", "kind", "who", "made_at", "undone_by_link", "undoes_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        changes = FieldChange.objects.filter(revision=OuterRef("pk")).order_by().values("pk")
        return super().get_queryset(request).annotate(change_count=SubqueryCount(changes))

    def get_urls(self):
        undo = path("<path:object_id>/undo/", self.admin_site.admin_view(self.undo_view), name="articles_revision_undo")
        return [undo, *super().get_urls()]

    @admin.display(description="who", ordering="username")
    def who(self, revision: Revision) -> str:
        return revision.username or "—"

    @admin.display(description="rows changed", ordering="change_count")
    def rows_changed(self, revision: Revision) -> int:
        return revision.change_count

    @admin.display(description="undone", boolean=True)
    def undone(self, revision: Revision) -> bool:
        return revision.undone_by_id is not None

    @admin.display(description="undone by")
    def undone_by_link(self, revision: Revision) -> str:
        if revision.undone_by_id is None:
            return "—"
        return self._revision_link(revision.undone_by)

    @admin.display(description="undoes")
    def undoes_link(self, revision: Revision) -> str:
        undone = Revision.objects.filter(undone_by=revision).first()
        return self._revision_link(undone) if undone else "—"

    def _revision_link(self, revision: Revision) -> str:
        url = reverse("admin:articles_revision_change", args=[revision.pk])
        made_at = date_format(timezone.localtime(revision.made_at), "DATETIME_FORMAT")
        return format_html('<a href="{}">{}</a> ({})', url, revision.summary, made_at)

    def may_undo(self, request, revision: Revision) -> bool:
        return self.has_view_permission(request, revision) and request.user.has_perm(UNDO_PERMISSION)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = self.get_object(request, unquote(object_id))
        context = {}
        if revision is not None and self.has_view_permission(request, revision):
            context = self._changes_context(revision) | {
                "can_undo": revision.can_be_undone and self.may_undo(request, revision)
            }
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def undo_view(self, request, object_id):
        """Undo a revision: GET asks to confirm (showing what will be reverted), POST undoes it."""
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.may_undo(request, revision):
            raise PermissionDenied
        revision_url = reverse("admin:articles_revision_change", args=[revision.pk])
        if not revision.can_be_undone:
            why = "it was undone already" if revision.undone_by_id else "only changes of links can be undone"
            self.message_user(request, f"“{revision.summary}” cannot be undone: {why}.", messages.ERROR)
            return HttpResponseRedirect(revision_url)
        if request.method == "POST":
            try:
                undoing = revision_undo(revision=revision, user=request.user)
            except ValueError as error:
                self.message_user(request, f"“{revision.summary}” was not undone: {error}.", messages.ERROR)
                return HttpResponseRedirect(revision_url)
            self.message_user(
                request,
                f"Undone: “{revision.summary}”. The undo is in the history too, below.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:articles_revision_change", args=[undoing.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Undo this change?",
            "subtitle": None,
            "opts": self.opts,
            "original": revision,
            "revision_url": revision_url,
            **self._changes_context(revision),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/revision/undo_confirmation.html", context)

    def _changes_context(self, revision: Revision) -> dict:
        """The first changes of ``revision``, each with links to its row, and how many there are in all."""
        changes = list(revision.changes.order_by("pk")[:REVISION_CHANGES_SHOWN])
        urls = self._row_urls(changes)
        rows = [ChangeRow(change_shown(change), *urls[change.content_type_id, change.object_id]) for change in changes]
        total = revision.change_count if hasattr(revision, "change_count") else revision.changes.count()
        more_url = reverse("admin:articles_fieldchange_changelist") + f"?revision__id__exact={revision.pk}"
        return {"change_rows": rows, "change_total": total, "more_changes_url": more_url}

    def _row_urls(self, changes: list[FieldChange]) -> dict:
        """(change page, history page) of each row changed that still exists: one query per model."""
        ids = defaultdict(set)
        for change in changes:
            ids[change.content_type_id].add(change.object_id)
        urls = defaultdict(lambda: (None, None))
        for content_type_id, pks in ids.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            model_admin = self.admin_site._registry.get(model)
            if model_admin is None:
                continue
            info = model._meta.app_label, model._meta.model_name
            for pk in model._default_manager.filter(pk__in=pks).values_list("pk", flat=True):
                history_url = reverse("admin:{}_{}_history".format(*info), args=[pk])
                urls[content_type_id, pk] = (
                    reverse("admin:{}_{}_change".format(*info), args=[pk]),
                    history_url if isinstance(model_admin, HistoryAdmin) else None,
                )
        return urls


@admin.register(FieldChange)
class FieldChangeAdmin(ReadOnlyAdmin):
    list_display = ["object_repr", "field", "old_value", "new_value", "revision"]
    list_select_related = ["revision"]
    search_fields = ["object_repr", "field"]

    @admin.display(description="old")
    def old_value(self, change: FieldChange) -> str:
        return Truncator(change.old).chars(SHORT_VALUE_LENGTH)

    @admin.display(description="new")
    def new_value(self, change: FieldChange) -> str:
        return Truncator(change.new).chars(SHORT_VALUE_LENGTH)
