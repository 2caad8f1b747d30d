from django.urls import path

from articles.search import prefer_index_scans
from articles.views import browse, pages, search

app_name = "articles"

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("search/", prefer_index_scans(search.SearchView.as_view()), name="search"),
    path("articles/<int:pk>/<slug:slug>/", pages.ArticleDetailView.as_view(), name="article_detail"),
    path(
        "articles/<int:pk>/<slug:slug>/versions/<int:number>/",
        pages.ArticleVersionView.as_view(),
        name="article_version",
    ),
    path("sources/", browse.SourceListView.as_view(), name="source_list"),
    path("sources/<int:pk>/<slug:slug>/", browse.SourceDetailView.as_view(), name="source_detail"),
    path("people/", browse.PersonListView.as_view(), name="person_list"),
    path("people/<int:pk>/<slug:slug>/", browse.PersonDetailView.as_view(), name="person_detail"),
    path("tags/", browse.TagListView.as_view(), name="tag_list"),
    path("tags/<int:pk>/<slug:slug>/", browse.TagDetailView.as_view(), name="tag_detail"),
    path("claims/", browse.ClaimListView.as_view(), name="claim_list"),
    path("claims/<int:pk>/<slug:slug>/", browse.ClaimDetailView.as_view(), name="claim_detail"),
]
