"""The API's routes: the twin of the page at ``P`` is at ``/api`` + ``P``, named like the page's route."""

from django.urls import path

from articles.api import views
from articles.api.views import api_endpoint
from articles.caching import cache_public_page
from articles.search import prefer_index_scans

app_name = "api"

urlpatterns = [
    path("", api_endpoint(cache_public_page(views.HomeView.as_view())), name="home"),
    path("search/", api_endpoint(prefer_index_scans(views.SearchView.as_view())), name="search"),
    path(
        "articles/<int:pk>/<slug:slug>/",
        api_endpoint(cache_public_page(views.ArticleDetailView.as_view())),
        name="article_detail",
    ),
    path(
        "articles/<int:pk>/<slug:slug>/versions/<int:number>/",
        api_endpoint(cache_public_page(views.ArticleVersionView.as_view())),
        name="article_version",
    ),
    path("sources/", api_endpoint(cache_public_page(views.SourceListView.as_view())), name="source_list"),
    path(
        "sources/<int:pk>/<slug:slug>/",
        api_endpoint(cache_public_page(views.SourceDetailView.as_view())),
        name="source_detail",
    ),
    path("people/", api_endpoint(cache_public_page(views.PersonListView.as_view())), name="person_list"),
    path(
        "people/<int:pk>/<slug:slug>/",
        api_endpoint(cache_public_page(views.PersonDetailView.as_view())),
        name="person_detail",
    ),
    path("tags/", api_endpoint(cache_public_page(views.TagListView.as_view())), name="tag_list"),
    path(
        "tags/<int:pk>/<slug:slug>/", api_endpoint(cache_public_page(views.TagDetailView.as_view())), name="tag_detail"
    ),
    path("claims/", api_endpoint(cache_public_page(views.ClaimListView.as_view())), name="claim_list"),
    path(
        "claims/<int:pk>/<slug:slug>/",
        api_endpoint(cache_public_page(views.ClaimDetailView.as_view())),
        name="claim_detail",
    ),
    path("openapi.json", api_endpoint(views.openapi_document), name="openapi"),
]
