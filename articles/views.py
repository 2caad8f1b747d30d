"""Public pages. Only published articles are ever shown here."""

from django.shortcuts import redirect
from django.views.generic import DetailView, ListView

from articles.models import Article


class HomeView(ListView):
    """The latest published articles, newest first."""

    template_name = "articles/home.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().select_related("source").order_by("-published_on", "-pk")


class ArticleDetailView(DetailView):
    """One published article. The id is what counts: any other slug redirects to the canonical URL."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.published().select_related("source").prefetch_related("authors", "people", "tags")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if kwargs["slug"] != self.object.slug:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))
