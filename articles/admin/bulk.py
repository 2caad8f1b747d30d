"""Tagging at speed: bulk actions on selected articles, and changing the links of a whole search at once."""

# The actions the article changelist offers on the articles selected.
ARTICLE_BULK_ACTIONS: list = []


def bulk_urls(model_admin) -> list:
    """The admin URLs of these tools, under the article admin's own."""
    return []
