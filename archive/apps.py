from django.contrib.admin.apps import AdminConfig


class ArchiveAdminConfig(AdminConfig):
    """Django's admin, on the archive's own site (sign-ins throttled: ``archive.admin_site``)."""

    default_site = "archive.admin_site.ArchiveAdminSite"
