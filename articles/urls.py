from django.urls import path, register_converter

from articles import feeds
from articles.caching import cache_public_page
from articles.search import prefer_index_scans
from articles.views import browse, citations, export, pages, search

app_name = "articles"

register_converter(citations.CitationFormatConverter, "citation_format")

urlpatterns = [
    path("", cache_public_page(pages.HomeView.as_view()), name="home"),
    path("search/", prefer_index_scans(search.SearchView.as_view()), name="search"),
    path("search/export.csv", prefer_index_scans(export.search_csv), name="search_csv"),
    path("articles/<int:pk>/<slug:slug>/", cache_public_page(pages.ArticleDetailView.as_view()), name="article_detail"),
    path(
        "articles/<int:pk>/<slug:slug>/versions/<int:number>/",
        cache_public_page(pages.ArticleVersionView.as_view()),
        name="article_version",
    ),
    path(
        "articles/<int:pk>/<slug:slug>/cite.<citation_format:fmt>",
        citations.article_citation,
        name="article_citation",
    ),
    path("sources/", cache_public_page(browse.SourceListView.as_view()), name="source_list"),
    path("sources/<int:pk>/<slug:slug>/", cache_public_page(browse.SourceDetailView.as_view()), name="source_detail"),
    path("people/", cache_public_page(browse.PersonListView.as_view()), name="person_list"),
    path("people/<int:pk>/<slug:slug>/", cache_public_page(browse.PersonDetailView.as_view()), name="person_detail"),
    path("tags/", cache_public_page(browse.TagListView.as_view()), name="tag_list"),
    path("tags/<int:pk>/<slug:slug>/", cache_public_page(browse.TagDetailView.as_view()), name="tag_detail"),
    path("claims/", cache_public_page(browse.ClaimListView.as_view()), name="claim_list"),
    path("claims/<int:pk>/<slug:slug>/", cache_public_page(browse.ClaimDetailView.as_view()), name="claim_detail"),
    # Atom feeds (articles.feeds): the newest published articles of the archive, a search, an entity.
    path("feed/", feeds.ArchiveFeed(), name="archive_feed"),
    path("search/feed/", prefer_index_scans(feeds.SearchFeed()), name="search_feed"),
    path("sources/<int:pk>/<slug:slug>/feed/", feeds.SourceFeed(), name="source_feed"),
    path("people/<int:pk>/<slug:slug>/feed/", feeds.PersonFeed(), name="person_feed"),
    path("tags/<int:pk>/<slug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
]
