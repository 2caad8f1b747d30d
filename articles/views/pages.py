"""The home page, the article page and the article's earlier versions."""

from django.db.models import F, Prefetch
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from articles.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    Claim,
    ClaimReport,
    NearDuplicate,
    Person,
    Source,
    Tag,
)
from articles.search import SORT_NEWEST
from articles.structured_data import page_social_meta
from articles.text import text_changes
from articles.timeline import span_for, timeline_for
from articles.views.base import CanonicalSlugMixin

LATEST_ARTICLES = 10
MOST_COVERED = 10


class HomeView(TemplateView):
    """A search box, the latest published articles, the most-covered people and tags, and the archive's span."""

    template_name = "articles/home.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        published = Article.objects.published()
        context.update(
            articles=published.select_related("source").sorted_by(SORT_NEWEST)[:LATEST_ARTICLES],
            people=Person.objects.with_mention_counts()
            .filter(mention_count__gt=0)
            .order_by(F("mention_count").desc(), Lower("name"), "pk")[:MOST_COVERED],
            tags=Tag.objects.with_article_counts()
            .filter(article_count__gt=0)
            .order_by(F("article_count").desc(), Lower("name"), "pk")[:MOST_COVERED],
            span=span_for(published),
            timeline=timeline_for(published),
            totals={
                "sources": Source.objects.count(),
                "people": Person.objects.count(),
                "tags": Tag.objects.count(),
                "claims": Claim.objects.reported().count(),
            },
        )
        return context


class ArticleDetailView(CanonicalSlugMixin, DetailView):
    """One published article, its paragraphs anchored (#p3), the claims it reports, its links, its other tellings.

    A retracted article keeps its address, so links and citations still lead somewhere: it
    answers 200 with its headline, byline and the editor's retraction note, never its text
    (``retracted_template_name``, kept out of search engines by ``noindex``). A 410 Gone would tell
    link checkers, citation managers and API clients that stop at an error status that the
    address is dead, and they would never show the note; ``noindex`` already takes the page
    out of search results, and an editor may take a retraction back.
    """

    template_name = "articles/article_detail.html"
    retracted_template_name = "articles/article_retracted.html"
    context_object_name = "article"

    def get_queryset(self):
        reports = ClaimReport.objects.select_related("claim__claimant_person", "claim__claimant_source").order_by(
            "paragraph", "claim_id"
        )
        return (
            Article.objects.public()
            .select_related("source")
            .prefetch_related(
                "authors",
                "people",
                "tags",
                Prefetch("claim_reports", queryset=reports),
                Prefetch("versions", queryset=version_list()),
                Prefetch("near_duplicates", queryset=NearDuplicate.objects.shown(), to_attr="also_reported_in"),
            )
        )

    def get_template_names(self) -> list[str]:
        if self.object.status == ArticleStatus.RETRACTED:
            return [self.retracted_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["versions"] = list(self.object.versions.all())
        if self.object.status == ArticleStatus.RETRACTED:
            # A link preview of the note, not the article's (whose description quotes its text).
            context["retraction_social_meta"] = page_social_meta(
                f"Retracted: {self.object.title}",
                self.object.retraction_note,
                url=self.request.build_absolute_uri(self.object.get_absolute_url()),
            )
        return context


class ArticleVersionView(CanonicalSlugMixin, DetailView):
    """One text of a published article at its own permanent URL: an earlier one, or the current one.

    /versions/<n>/ for the current text shows it now and the same text, kept, once a correction
    replaces it; a citation of that address always leads to the words that were cited.
    """

    template_name = "articles/article_version.html"
    context_object_name = "version"

    def get_object(self, queryset=None) -> ArticleVersion:
        article = get_object_or_404(Article.objects.published().select_related("source"), pk=self.kwargs["pk"])
        number = self.kwargs["number"]
        stored = article.versions.filter(number=number).first()
        if stored is not None:
            stored.article = article
            return stored
        earlier = article.versions.count()
        if number != earlier + 1:
            raise Http404("This article has no such version.")
        return article.current_version(earlier)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        version, article = self.object, self.object.article
        if version.superseded_at is not None:
            following = ArticleVersion.objects.filter(article=article, number=version.number + 1).first()
            context.update(
                following=following,
                changes=text_changes(version.body, following.body if following else article.body),
            )
        context.update(article=article, versions=list(version_list().filter(article=article)))
        return context


def version_list():
    """An article's earlier versions, oldest first, without their texts (a list shows only their digests)."""
    return ArticleVersion.objects.defer("body").order_by("number")
