"""The editors' history: who changed what, field by field; read-only."""

from django.contrib import admin

from articles.admin.base import ReadOnlyAdmin, ReadOnlyInline
from articles.models import FieldChange, Revision


class HistoryAdmin(admin.ModelAdmin):
    """Records every change made through this admin, field by field, and shows it on the object's history page."""


class FieldChangeInline(ReadOnlyInline):
    model = FieldChange
    fields = ["object_repr", "field", "old", "new"]
    readonly_fields = fields


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["summary", "kind", "username", "made_at"]
    list_filter = ["kind"]
    date_hierarchy = "made_at"
    search_fields = ["summary", "username"]
    inlines = [FieldChangeInline]


@admin.register(FieldChange)
class FieldChangeAdmin(ReadOnlyAdmin):
    list_display = ["object_repr", "field", "revision"]
    list_select_related = ["revision"]
    search_fields = ["object_repr", "field"]
