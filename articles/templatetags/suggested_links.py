"""The article change page's "Suggested links" panel (see articles.admin.suggestions)."""

from django import template

from articles.suggestions import ArticleSuggestions, suggestions_for

register = template.Library()


@register.simple_tag
def article_suggestions(article) -> ArticleSuggestions | None:
    """The people and tags ``article``'s text mentions but it is not linked to; None for an unsaved article.

    One query, whatever the size of the archive.
    """
    if article is None or article.pk is None:
        return None
    return suggestions_for([article.pk])[article.pk]
