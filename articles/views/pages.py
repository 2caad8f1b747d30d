"""The home page and the article page."""

from django.views.generic import DetailView, ListView

from articles.models import Article
from articles.views.base import CanonicalSlugMixin


class HomeView(ListView):
    """The latest published articles, newest first."""

    template_name = "articles/home.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().select_related("source").order_by("-published_on", "-pk")


class ArticleDetailView(CanonicalSlugMixin, DetailView):
    """One published article."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.published().select_related("source").prefetch_related("authors", "people", "tags")
