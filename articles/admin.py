"""The editors' admin: every model, with list columns, filters, search and autocomplete."""

from django.contrib import admin

from articles.models import Article, ArticleStatus, Claim, ClaimReport, Person, PersonAlias, Source, Tag


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "homepage"]
    list_filter = ["kind", "country"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PersonAliasInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ClaimReportInline(admin.TabularInline):
    model = ClaimReport
    extra = 0
    autocomplete_fields = ["claim", "article"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published_on", "published_precision", "status"]
    list_filter = ["status", "source", "published_precision", "language"]
    list_select_related = ["source"]
    date_hierarchy = "published_on"
    search_fields = ["title"]  # widened to the full-text search in get_search_results
    autocomplete_fields = ["source", "authors", "people", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["body_sha256", "archived_at", "created_at", "updated_at"]
    inlines = [ClaimReportInline]

    def get_search_results(self, request, queryset, search_term):
        """Search articles with the archive's full-text search, not ``icontains`` over bodies."""
        if not search_term.strip():
            return queryset, False
        matches = Article.objects.search(search_term).values("pk")
        return queryset.filter(pk__in=matches), False

    def view_on_site(self, article):
        return article.get_absolute_url() if article.status == ArticleStatus.PUBLISHED else None


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["statement", "claimant_person", "claimant_source", "rating"]
    list_filter = ["rating"]
    list_select_related = ["claimant_person", "claimant_source"]
    search_fields = ["statement", "quote"]
    autocomplete_fields = ["claimant_person", "claimant_source"]
    inlines = [ClaimReportInline]
