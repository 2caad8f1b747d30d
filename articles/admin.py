"""The editors' admin: every model, with list columns, filters, search and autocomplete; merging
duplicate people and tags; the report of what readers search for.

Changelists stay fast with many thousands of articles: related rows come with the list
(``list_select_related``, prefetches for many-to-many columns), and an unfiltered list is
counted from PostgreSQL's statistics instead of a full-table ``COUNT(*)``
(``EstimatedCountPaginator``). Saving goes through ``Model.save()``, so a body corrected
here keeps the text it replaces as an ``ArticleVersion``.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator

from articles.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    Claim,
    ClaimReport,
    MergedPerson,
    MergedTag,
    NearDuplicate,
    Person,
    PersonAlias,
    SearchLog,
    Source,
    Tag,
)
from articles.services import people_merge, tags_merge
from articles.text import body_sha256, normalise_body

# Below this many rows (by PostgreSQL's estimate) an exact count is cheap, and exact.
ESTIMATED_COUNT_THRESHOLD = 10_000
PARAGRAPH_PREVIEW_LENGTH = 80


class EstimatedCountPaginator(Paginator):
    """A paginator that counts a large unfiltered table from PostgreSQL's statistics.

    ``COUNT(*)`` reads the whole table (PostgreSQL keeps no row count), which makes
    the first page of a long changelist slow. An unfiltered list is counted with
    ``pg_class.reltuples``, the planner's estimate kept up to date by autovacuum,
    when that estimate is large; filtered lists, and small tables (or tables never
    analysed, where ``reltuples`` is -1), are counted exactly. So page links may be
    slightly off on a huge table, never on a search or a filter.
    See https://wiki.postgresql.org/wiki/Count_estimate.
    """

    @cached_property
    def count(self) -> int:
        estimate = self._table_estimate()
        if estimate is not None and estimate >= ESTIMATED_COUNT_THRESHOLD:
            return estimate
        return super().count

    def _table_estimate(self) -> int | None:
        """``reltuples`` for an unfiltered queryset's table; None for anything filtered."""
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.is_sliced or query.distinct or query.combinator:
            return None
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row else None


class ArchiveAdmin(admin.ModelAdmin):
    """Defaults for the archive's changelists: no full-table counts."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


class ReadOnlyPermissions:
    """For rows the archive derives or keeps for the record: viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, ArchiveAdmin):
    pass


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


# --- Merging duplicates ----------------------------------------------------------------------


class MergeForm(forms.Form):
    """Which of the selected rows to keep; the others are merged into it."""

    keep = forms.ModelChoiceField(queryset=None, widget=forms.RadioSelect, empty_label=None, label="Keep")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = queryset


def merge_action(merge, *, noun: str, noun_plural: str):
    """An admin action merging the selected rows into the one the editor picks, after a confirmation page.

    ``merge`` is the service (``people_merge``, ``tags_merge``); everything happens in its one transaction.
    """

    @admin.action(description=f"Merge selected {noun_plural}…", permissions=["change", "delete"])
    def action(modeladmin, request, queryset):
        queryset = queryset.order_by("name", "pk")
        if queryset.count() < 2:
            modeladmin.message_user(request, f"Select two or more {noun_plural} to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "confirm" in request.POST else None, queryset=queryset)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            result = merge(keep=keep, merged=[row for row in queryset if row.pk != keep.pk])
            merged = noun_plural if result.merged > 1 else noun
            summary = f"Merged {result.merged} {merged} into “{keep}”: {result.article_links} article links moved"
            if noun == "person":
                summary += (
                    f", {result.authorships} authorships, {result.claims} claims, {result.aliases_created} new aliases"
                )
            modeladmin.message_user(request, f"{summary}. Their old pages redirect to it.", messages.SUCCESS)
            if result.names_taken:
                taken = ", ".join(result.names_taken)
                modeladmin.message_user(
                    request, f"Not made aliases, because another person has them: {taken}.", messages.WARNING
                )
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"Merge {noun_plural}",
            "opts": modeladmin.model._meta,
            "form": form,
            "rows": queryset,
            "action_name": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "noun": noun,
            "noun_plural": noun_plural,
        }
        return TemplateResponse(request, "admin/articles/merge_confirmation.html", context)

    action.__name__ = f"merge_{noun_plural}"  # the action's name in the admin's form
    return action


# --- Sources, people, tags -------------------------------------------------------------------


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
class PersonAdmin(ArchiveAdmin):
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
class PersonAliasAdmin(ArchiveAdmin):
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


# --- Claims ----------------------------------------------------------------------------------


def paragraph_choices(article: Article) -> list[tuple[int, str]]:
    """The article's paragraphs as choices: "¶3 — the first 80 characters of paragraph 3…"."""
    return [
        (number, f"¶{number} — {Truncator(text).chars(PARAGRAPH_PREVIEW_LENGTH)}")
        for number, text in enumerate(article.paragraphs, start=1)
    ]


class ClaimReportForm(forms.ModelForm):
    """A claim reported in an article: the paragraph must be one the article has."""

    class Meta:
        model = ClaimReport
        fields = ["claim", "article", "paragraph"]

    def clean(self):
        cleaned_data = super().clean()
        # An inline's parent comes in cleaned_data too (the article being edited, with its new text).
        article, paragraph = cleaned_data.get("article"), cleaned_data.get("paragraph")
        if article is not None and paragraph is not None:
            count = len(article.paragraphs)
            if paragraph > count:
                self.add_error("paragraph", f"“{article}” has {count} paragraph{'s' if count != 1 else ''}.")
        return cleaned_data


class ClaimReportInline(admin.TabularInline):
    """On a claim's page: the articles reporting it, each with a paragraph number."""

    model = ClaimReport
    form = ClaimReportForm
    extra = 0
    autocomplete_fields = ["article"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "claim")


class ArticleClaimReportInline(admin.TabularInline):
    """On an article's page: the claims it reports, each at one of its own paragraphs."""

    model = ClaimReport
    form = ClaimReportForm
    extra = 0
    autocomplete_fields = ["claim"]
    verbose_name = "claim reported"
    verbose_name_plural = "claims reported"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None or obj.pk is None or not obj.paragraphs:
            # A new article has no stored paragraphs to pick from yet.
            formset.form.base_fields[
                "paragraph"
            ].help_text = (
                "The paragraph's number, counting from 1 (after saving, pick it from the article's paragraphs)."
            )
            return formset
        picker = forms.TypedChoiceField(
            choices=[("", "---------"), *paragraph_choices(obj)],
            coerce=int,
            label="Paragraph",
            help_text="The paragraph of this article that reports the claim.",
        )
        # A subclass per request: the choices belong to this article only.
        formset.form = type("ArticleClaimReportForm", (formset.form,), {"paragraph": picker})
        return formset


@admin.register(Claim)
class ClaimAdmin(ArchiveAdmin):
    list_display = ["statement", "claimant_person", "claimant_source", "rating", "claimed_on"]
    list_filter = ["rating", ("claimant_source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["claimant_person", "claimant_source"]
    search_fields = ["statement", "quote", "claimant_person__name"]
    autocomplete_fields = ["claimant_person", "claimant_source"]
    prepopulated_fields = {"slug": ["statement"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ClaimReportInline]


@admin.register(ClaimReport)
class ClaimReportAdmin(ArchiveAdmin):
    form = ClaimReportForm
    list_display = ["claim", "article", "paragraph"]
    list_select_related = ["claim", "article"]
    search_fields = ["claim__statement", "article__title"]
    autocomplete_fields = ["claim", "article"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "article")


# --- Articles --------------------------------------------------------------------------------


class ArticleAdminForm(forms.ModelForm):
    """Checks the database's rules on an article before saving, so editors see a message, not an error page.

    It also refuses to overwrite another editor's work (optimistic locking): the form carries
    when the article was last saved as it was opened, and saving is refused if it was saved
    again since. The admin's change view runs in a transaction, so the row read under lock here
    stays locked until this save is written: no second save can slip in between.
    """

    # When the article was last saved, as the editor opened it (ISO 8601, to the microsecond).
    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        # The admin's fieldsets decide which fields it shows; these are the form's own.
        fields = ["title", "slug", "body", "status", "retraction_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.updated_at.isoformat()

    def clean_body(self) -> str:
        body = normalise_body(self.cleaned_data["body"])
        # The digest is not a form field, so Django's own unique check never sees it.
        same_text = Article.objects.filter(body_sha256=body_sha256(body)).exclude(pk=self.instance.pk).first()
        if same_text is not None:
            raise forms.ValidationError(
                "Another article already has this text: “%(title)s” (id %(pk)s).",
                code="duplicate_body",
                params={"title": same_text.title, "pk": same_text.pk},
            )
        return body

    def clean(self):
        cleaned_data = super().clean()
        self.edit_conflict_check(cleaned_data.get("opened_version", ""))
        if (
            cleaned_data.get("status") == ArticleStatus.RETRACTED
            and not cleaned_data.get("retraction_note", "").strip()
        ):
            self.add_error(
                "retraction_note",
                forms.ValidationError(
                    "A retracted article needs a note: readers see it instead of the text.",
                    code="retraction_unexplained",
                ),
            )
        return cleaned_data

    def edit_conflict_check(self, opened_version: str) -> None:
        if self.instance.pk is None:
            return
        stored = Article.objects.select_for_update().filter(pk=self.instance.pk).values("updated_at").first()
        if stored is not None and stored["updated_at"].isoformat() != opened_version:
            raise forms.ValidationError(
                "Someone else saved this article at %(time)s, after you opened it. Nothing of yours was saved, "
                "so as not to overwrite their changes: open the article again to see them, then make yours.",
                code="edit_conflict",
                params={"time": timezone.localtime(stored["updated_at"]).strftime("%H:%M:%S on %d %B %Y")},
            )


class ArticleVersionInline(ReadOnlyInline):
    """The earlier texts a correction replaced, each with its digest and its public address."""

    model = ArticleVersion
    fields = ["number", "title", "body_sha256", "archived_at", "superseded_at", "public_page"]
    readonly_fields = fields
    verbose_name = "earlier version"
    verbose_name_plural = "earlier versions"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(description="public page")
    def public_page(self, version: ArticleVersion) -> str:
        if version.article.status != ArticleStatus.PUBLISHED:
            return "—"
        return format_html('<a href="{}">version {}</a>', version.get_absolute_url(), version.number)


class NearDuplicateInline(ReadOnlyInline):
    """Other articles that retell the same report (found when a text is saved)."""

    model = NearDuplicate
    fk_name = "article"
    fields = ["other", "containment", "shared_passages", "shared_words", "found_at"]
    readonly_fields = fields
    verbose_name = "near-duplicate"
    verbose_name_plural = "near-duplicates"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("other")


@admin.register(Article)
class ArticleAdmin(ArchiveAdmin):
    form = ArticleAdminForm
    list_display = ["title", "source", "published_on", "status", "tag_names"]
    list_filter = [
        "status",
        "source",
        "tags",
        "people",
        "published_precision",
        "language",
    ]
    list_select_related = ["source"]
    date_hierarchy = "published_on"
    search_fields = ["title"]  # widened to the full-text search in get_search_results
    autocomplete_fields = ["source", "authors", "people", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["body_sha256", "archived_at", "retracted_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "title_is_editorial", "summary", "body", "language"]}),
        (
            "Publication",
            {"fields": ["source", "authors", "published_on", "published_precision", "published_note", "url"]},
        ),
        ("Status", {"fields": ["status", "retraction_note", "retracted_at"]}),
        ("Linked", {"fields": ["people", "tags"]}),
        ("Record", {"fields": ["body_sha256", "archived_at", "created_at", "updated_at", "opened_version"]}),
    ]
    inlines = [ArticleClaimReportInline, ArticleVersionInline, NearDuplicateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_search_results(self, request, queryset, search_term):
        """Search articles with the archive's full-text search, not ``icontains`` over bodies.

        A headline containing the term matches too (the trigram index on lower(title)
        answers that), so autocomplete finds an article from a partly typed headline.
        """
        if not search_term.strip():
            return queryset, False
        matches = Article.objects.search(search_term).values("pk")
        in_title = Q(title_lower__contains=search_term.strip().lower())
        return queryset.alias(title_lower=Lower("title")).filter(Q(pk__in=matches) | in_title), False

    @admin.display(description="tags")
    def tag_names(self, article: Article) -> str:
        return ", ".join(tag.name for tag in article.tags.all())

    def view_on_site(self, article):
        return article.get_absolute_url() if article.status == ArticleStatus.PUBLISHED else None


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnlyAdmin):
    list_display = ["article", "number", "body_sha256", "archived_at", "superseded_at"]
    list_select_related = ["article"]
    date_hierarchy = "superseded_at"
    search_fields = ["article__title", "title"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    def view_on_site(self, version):
        return version.get_absolute_url() if version.article.status == ArticleStatus.PUBLISHED else None


@admin.register(NearDuplicate)
class NearDuplicateAdmin(ReadOnlyAdmin):
    list_display = ["article", "other", "containment", "shared_passages", "shared_words", "found_at"]
    list_select_related = ["article", "other"]
    search_fields = ["article__title", "other__title"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "other")


# --- What readers look for ---------------------------------------------------------------------

SEARCH_REPORT_DAYS = (7, 30, 365)
SEARCH_REPORT_ROWS = 50


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    """The searches readers made; its report (``report/``) shows the most frequent and those that found nothing."""

    list_display = ["query", "filters", "result_count", "duration_ms", "searched_at"]
    date_hierarchy = "searched_at"
    search_fields = ["query_normalised"]
    change_list_template = "admin/articles/searchlog/change_list.html"

    def get_urls(self):
        report = path("report/", self.admin_site.admin_view(self.report_view), name="articles_searchlog_report")
        return [report, *super().get_urls()]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        if days not in SEARCH_REPORT_DAYS:
            days = 30
        recent = SearchLog.objects.since(timezone.now() - datetime.timedelta(days=days))
        context = {
            **self.admin_site.each_context(request),
            "title": "What readers look for",
            "opts": self.model._meta,
            "days": days,
            "day_choices": SEARCH_REPORT_DAYS,
            "most_frequent": recent.most_frequent(SEARCH_REPORT_ROWS),
            "found_nothing": recent.found_nothing(SEARCH_REPORT_ROWS),
        }
        return TemplateResponse(request, "admin/articles/searchlog/report.html", context)
