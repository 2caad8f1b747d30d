"""What readers look for: the search log and its report."""

import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from articles.admin.base import ReadOnlyAdmin
from articles.models import (
    SearchLog,
)

SEARCH_REPORT_DAYS = (7, 30, 365)
SEARCH_REPORT_ROWS = 50


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    """The searches readers made; its report (``report/``) shows the most frequent and those that found nothing."""

    list_display = ["query", "filters", "result_count", "duration_ms", "searched_at"]
    date_hierarchy = "searched_at"
    search_fields = ["query_normalised"]
    change_list_template = "admin/articles/searchlog/change_list.html"

    def get_urls(self):
        report = path("report/", self.admin_site.admin_view(self.report_view), name="articles_searchlog_report")
        return [report, *super().get_urls()]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        if days not in SEARCH_REPORT_DAYS:
            days = 30
        recent = SearchLog.objects.since(timezone.now() - datetime.timedelta(days=days))
        context = {
            **self.admin_site.each_context(request),
            "title": "What readers look for",
            "opts": self.model._meta,
            "days": days,
            "day_choices": SEARCH_REPORT_DAYS,
            "most_frequent": recent.most_frequent(SEARCH_REPORT_ROWS),
            "found_nothing": recent.found_nothing(SEARCH_REPORT_ROWS),
        }
        return TemplateResponse(request, "admin/articles/searchlog/report.html", context)
