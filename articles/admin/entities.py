"""Sources, people (with their aliases inline) and tags; merged ones kept as redirects."""

from django.contrib import admin

from articles import history
from articles.admin.base import ArchiveAdmin, ReadOnlyAdmin
from articles.admin.history import HistoryAdmin, OwnedRowHistoryAdmin
from articles.admin.merging import merge_action
from articles.models import (
    MergedPerson,
    MergedTag,
    Person,
    PersonAlias,
    Source,
    Tag,
)
from articles.services import people_merge, tags_merge


@admin.register(Source)
class SourceAdmin(ArchiveAdmin):
    list_display = ["name", "kind", "country", "homepage"]
    list_filter = ["kind", "country"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1


@admin.register(Person)
class PersonAdmin(HistoryAdmin, ArchiveAdmin):
    list_display = ["name", "description", "alias_names"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PersonAliasInline]
    actions = [merge_action(people_merge, noun="person", noun_plural="people")]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_names(self, person: Person) -> str:
        # Sorted here: the prefetch already holds them, a query per row would not.
        return ", ".join(sorted(alias.name for alias in person.aliases.all()))


@admin.register(PersonAlias)
class PersonAliasAdmin(OwnedRowHistoryAdmin, ArchiveAdmin):
    # Changed here, an alias is a change of its person's aliases, in the person's history.
    history_owners = {"person": history.ALIASES}
    list_display = ["name", "person", "kind"]
    list_filter = ["kind"]
    list_select_related = ["person"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        # The alias's name shows "alias → person", on change pages too.
        return super().get_queryset(request).select_related("person")


@admin.register(Tag)
class TagAdmin(ArchiveAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    actions = [merge_action(tags_merge, noun="tag", noun_plural="tags")]


@admin.register(MergedPerson, MergedTag)
class MergedEntityAdmin(ReadOnlyAdmin):
    """The old names of merged people and tags, and where their addresses now lead."""

    list_display = ["name", "slug", "into", "merged_at"]
    list_select_related = ["into"]
    search_fields = ["name", "into__name"]
