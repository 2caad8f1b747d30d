"""What every changelist of the archive shares: no full-table counts, and read-only admins for derived rows."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows (by PostgreSQL's estimate) an exact count is cheap, and exact.
ESTIMATED_COUNT_THRESHOLD = 10_000


class EstimatedCountPaginator(Paginator):
    """A paginator that counts a large unfiltered table from PostgreSQL's statistics.

    ``COUNT(*)`` reads the whole table (PostgreSQL keeps no row count), which makes
    the first page of a long changelist slow. An unfiltered list is counted with
    ``pg_class.reltuples``, the planner's estimate kept up to date by autovacuum,
    when that estimate is large; filtered lists, and small tables (or tables never
    analysed, where ``reltuples`` is -1), are counted exactly. So page links may be
    slightly off on a huge table, never on a search or a filter.
    See https://wiki.postgresql.org/wiki/Count_estimate.
    """

    @cached_property
    def count(self) -> int:
        estimate = self._table_estimate()
        if estimate is not None and estimate >= ESTIMATED_COUNT_THRESHOLD:
            return estimate
        return super().count

    def _table_estimate(self) -> int | None:
        """``reltuples`` for an unfiltered queryset's table; None for anything filtered."""
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.is_sliced or query.distinct or query.combinator:
            return None
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row else None


class ArchiveAdmin(admin.ModelAdmin):
    """Defaults for the archive's changelists: no full-table counts."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


class ReadOnlyPermissions:
    """For rows the archive derives or keeps for the record: viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, ArchiveAdmin):
    pass


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
