"""Suggested links: the people and tags an article's text mentions but that are not linked to it yet."""

# The actions the article changelist offers on the articles selected.
SUGGESTION_ACTIONS: list = []


def suggestion_urls(model_admin) -> list:
    """The admin URLs of these tools, under the article admin's own."""
    return []
