"""Pieces shared by the public views."""

from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect


class CanonicalSlugMixin:
    """Detail pages addressed as /<id>/<slug>/: the id is what counts, any other path redirects (301).

    Headlines and names get corrected, and editors merge duplicate people and tags; links people
    made with an old slug, or to a row merged into another (``merged_model``, looked up by the
    old id), keep working. The query string is kept.
    """

    merged_model: type[models.Model] | None = None

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            merged = (
                self.merged_model
                and self.merged_model.objects.select_related("into").filter(pk=kwargs.get("pk")).first()
            )
            if not merged:
                raise
            return self.canonical_redirect(self.canonical_path(merged.into))
        canonical = self.canonical_path(self.object)
        if request.path != canonical:
            return self.canonical_redirect(canonical)
        return self.render_object()

    def canonical_path(self, obj: models.Model) -> str:
        """The one address of ``obj`` this view answers at; the JSON twins answer at their own."""
        return obj.get_absolute_url()

    def canonical_redirect(self, path: str) -> HttpResponse:
        query = self.request.META.get("QUERY_STRING")
        return redirect(path + (f"?{query}" if query else ""), permanent=True)

    def render_object(self) -> HttpResponse:
        return self.render_to_response(self.get_context_data(object=self.object))


def entity_or_merged(entities: models.QuerySet, pk: int, merged_model: type[models.Model] | None = None):
    """The row of ``entities`` with id ``pk`` or, if an editor merged it into another, the one kept; else 404.

    For the views that answer for an entity without being its page (feeds): compare the result's
    id and slug with the address asked for to know whether to redirect. A merged id leads to the
    one kept whatever it is: its own page or feed then answers or not.
    """
    entity = entities.filter(pk=pk).first()
    if entity is None and merged_model is not None:
        merged = merged_model.objects.filter(pk=pk).select_related("into").first()
        entity = merged.into if merged else None
    if entity is None:
        raise Http404(f"No published {entities.model._meta.verbose_name} has the id {pk}.")
    return entity
