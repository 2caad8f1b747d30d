from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles.sitemaps import SITEMAPS
from articles.views import discovery

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("robots.txt", discovery.robots_txt, name="robots_txt"),
    path("opensearch.xml", discovery.opensearch_xml, name="opensearch"),
    # An index of sections, each paginated by Django at 50,000 URLs (articles.sitemaps).
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("api/", include("articles.api.urls")),
    path("", include("articles.urls")),
]

# JSON under /api/ (articles.api.views), the HTML error pages everywhere else.
handler400 = "articles.api.views.bad_request"
handler404 = "articles.api.views.page_not_found"
handler500 = "articles.api.views.server_error"
