from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<int:pk>/<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
]
