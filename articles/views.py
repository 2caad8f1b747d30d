from django.views.generic import DetailView, ListView

from articles.models import Article


class HomeView(ListView):
    """The latest published articles."""

    template_name = "articles/home.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().select_related("source").order_by("-published_on", "-pk")


class ArticleDetailView(DetailView):
    """One published article; the slug is decoration, the id is what counts."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"
    query_pk_and_slug = False

    def get_queryset(self):
        return (
            Article.objects.published()
            .select_related("source")
            .prefetch_related("authors", "people", "tags")
        )
