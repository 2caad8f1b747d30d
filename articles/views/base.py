"""Pieces shared by the public views."""

from django.shortcuts import redirect


class CanonicalSlugMixin:
    """Detail pages addressed as /<id>/<slug>/: the id is what counts, any other slug redirects (301).

    Headlines and names get corrected; links people made with the old slug keep working.
    """

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if kwargs.get("slug") != self.object.slug:
            query = request.META.get("QUERY_STRING")
            canonical = self.object.get_absolute_url() + (f"?{query}" if query else "")
            return redirect(canonical, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))
