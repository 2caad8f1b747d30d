"""Failed sign-ins to the admin, which throttle further attempts (archive.admin_site)."""

from django.contrib import admin

from articles.admin.base import ReadOnlyAdmin
from articles.models import SignInFailure


@admin.register(SignInFailure)
class SignInFailureAdmin(ReadOnlyAdmin):
    """Who failed to sign in, and from where; deleting a name's rows lifts its lockout at once.

    Only superusers see it: the addresses are personal data, kept no longer than the lockout.
    """

    list_display = ["username", "address", "failed_at"]
    search_fields = ["username", "address"]
    date_hierarchy = "failed_at"

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
