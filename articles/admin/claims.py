"""Claims, and the paragraphs of the articles that report them."""

from django import forms
from django.contrib import admin
from django.utils.text import Truncator

from articles import history
from articles.admin.base import ArchiveAdmin
from articles.admin.history import HistoryAdmin, OwnedRowHistoryAdmin
from articles.models import (
    Article,
    Claim,
    ClaimReport,
)

PARAGRAPH_PREVIEW_LENGTH = 80


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
class ClaimAdmin(HistoryAdmin, ArchiveAdmin):
    list_display = ["statement", "claimant_person", "claimant_source", "rating", "claimed_on"]
    list_filter = ["rating", ("claimant_source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["claimant_person", "claimant_source"]
    search_fields = ["statement", "quote", "claimant_person__name"]
    autocomplete_fields = ["claimant_person", "claimant_source"]
    prepopulated_fields = {"slug": ["statement"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ClaimReportInline]


@admin.register(ClaimReport)
class ClaimReportAdmin(OwnedRowHistoryAdmin, ArchiveAdmin):
    # Changed here, a report is a change of its claim's and its article's, in both histories.
    history_owners = {"claim": history.REPORTED_IN, "article": history.CLAIMS_REPORTED}
    form = ClaimReportForm
    list_display = ["claim", "article", "paragraph"]
    list_select_related = ["claim", "article"]
    search_fields = ["claim__statement", "article__title"]
    autocomplete_fields = ["claim", "article"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "article")
