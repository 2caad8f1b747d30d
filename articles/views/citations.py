"""Citation downloads: an article as BibTeX, RIS or CSL-JSON (``articles/<id>/<slug>/cite.<fmt>``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from articles.citations import DOWNLOADS
from articles.models import Article, article_links_load


class CitationFormatConverter:
    """The ``<fmt>`` of a citation URL: one of the download formats (``bib``, ``ris``, ``csl.json``)."""

    regex = "|".join(fmt.replace(".", r"\.") for fmt in DOWNLOADS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def article_citation(request: HttpRequest, pk: int, slug: str, fmt: str) -> HttpResponse:
    """A published article's citation as a file to save, accessed today (in the archive's timezone).

    Like the article page, the id is what counts: another slug answers 301 to this URL with
    the current one; a draft, a retracted article or an unknown id is a 404.
    """
    article = get_object_or_404(Article.objects.published().select_related("source"), pk=pk)
    if slug != article.slug:
        canonical = reverse("articles:article_citation", kwargs={"pk": article.pk, "slug": article.slug, "fmt": fmt})
        query = request.META.get("QUERY_STRING")
        return redirect(canonical + (f"?{query}" if query else ""), permanent=True)
    article_links_load([article])
    download = DOWNLOADS[fmt]
    body = download.write(
        article, archive_url=request.build_absolute_uri(article.get_absolute_url()), accessed=timezone.localdate()
    )
    response = HttpResponse(body, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename(article)}"'
    return response
