"""Pieces shared by the public views."""

from django.db import models
from django.http import Http404
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
            merged = self.merged_model and self.merged_model.objects.filter(pk=kwargs.get("pk")).first()
            if not merged:
                raise
            return self.redirect_keeping_query(merged.into.get_absolute_url())
        canonical = self.object.get_absolute_url()
        if request.path != canonical:
            return self.redirect_keeping_query(canonical)
        return self.render_to_response(self.get_context_data(object=self.object))

    def redirect_keeping_query(self, path: str):
        query = self.request.META.get("QUERY_STRING")
        return redirect(path + (f"?{query}" if query else ""), permanent=True)
