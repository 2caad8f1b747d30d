"""Index and detail pages for sources, people, tags and claims. (Placeholders: being built.)"""

from django.views.generic import TemplateView


class SourceListView(TemplateView):
    template_name = "articles/source_list.html"


class SourceDetailView(TemplateView):
    template_name = "articles/source_detail.html"


class PersonListView(TemplateView):
    template_name = "articles/person_list.html"


class PersonDetailView(TemplateView):
    template_name = "articles/person_detail.html"


class TagListView(TemplateView):
    template_name = "articles/tag_list.html"


class TagDetailView(TemplateView):
    template_name = "articles/tag_detail.html"


class ClaimListView(TemplateView):
    template_name = "articles/claim_list.html"


class ClaimDetailView(TemplateView):
    template_name = "articles/claim_detail.html"
