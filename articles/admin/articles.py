"""Articles: the change page (claims inline, versions, near-duplicates), full-text search, optimistic locking."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import format_html

from articles.admin.base import ArchiveAdmin, ReadOnlyAdmin, ReadOnlyInline
from articles.admin.bulk import ARTICLE_BULK_ACTIONS, bulk_urls
from articles.admin.claims import ArticleClaimReportInline
from articles.admin.history import HistoryAdmin
from articles.admin.suggestions import SUGGESTION_ACTIONS, suggestion_urls
from articles.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    NearDuplicate,
)
from articles.services import search_statistics_count
from articles.text import body_sha256, normalise_body


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


# What the search's word list and statistics are counted from, with whether the article is published.
SEARCH_COUNTED_FIELDS = frozenset({"title", "summary", "body", "status"})


@admin.register(Article)
class ArticleAdmin(HistoryAdmin, ArchiveAdmin):
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
    actions = [*ARTICLE_BULK_ACTIONS, *SUGGESTION_ACTIONS]

    def get_urls(self):
        return [*bulk_urls(self), *suggestion_urls(self), *super().get_urls()]

    def save_model(self, request, obj, form, change):
        # The search's word list and statistics count published texts: the article leaves them as it
        # was stored and joins them as saved (each only if published then), so they stay exact.
        recount = not change or not SEARCH_COUNTED_FIELDS.isdisjoint(form.changed_data)
        if recount and change:
            search_statistics_count([obj.pk], sign=-1)
        super().save_model(request, obj, form, change)
        if recount:
            search_statistics_count([obj.pk])

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_search_results(self, request, queryset, search_term):
        """Search articles with the archive's full-text search, not ``icontains`` over bodies.

        A headline containing the term matches too (the trigram index on lower(title)
        answers that), so autocomplete finds an article from a partly typed headline.
        """
        if not search_term.strip():
            return queryset, False
        # Every word, as editors expect of a filter (no partial matches).
        matches = Article.objects.search(search_term, partial=False).values("pk")
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
