"""The search page. (Placeholder: being built.)"""

from django.views.generic import TemplateView


class SearchView(TemplateView):
    template_name = "articles/search.html"
