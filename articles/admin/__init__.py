"""The editors' admin: every model, with list columns, filters, search and autocomplete; merging
duplicate people and tags; the report of what readers search for.

Changelists stay fast with many thousands of articles: related rows come with the list
(``list_select_related``, prefetches for many-to-many columns), and an unfiltered list is
counted from PostgreSQL's statistics instead of a full-table ``COUNT(*)``
(``EstimatedCountPaginator``). Saving goes through ``Model.save()``, so a body corrected
here keeps the text it replaces as an ``ArticleVersion``.
"""

from articles.admin.articles import ArticleAdmin, ArticleAdminForm
from articles.admin.base import ArchiveAdmin, EstimatedCountPaginator, ReadOnlyAdmin, ReadOnlyInline
from articles.admin.claims import ClaimAdmin, paragraph_choices
from articles.admin.entities import PersonAdmin, SourceAdmin, TagAdmin
from articles.admin.history import RevisionAdmin
from articles.admin.merging import merge_action
from articles.admin.search_log import SearchLogAdmin
from articles.admin.sign_ins import SignInFailureAdmin

__all__ = [
    "ArchiveAdmin",
    "ArticleAdmin",
    "ArticleAdminForm",
    "ClaimAdmin",
    "EstimatedCountPaginator",
    "PersonAdmin",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "RevisionAdmin",
    "SearchLogAdmin",
    "SignInFailureAdmin",
    "SourceAdmin",
    "TagAdmin",
    "merge_action",
    "paragraph_choices",
]
