"""The "Editors" group: staff who curate the archive's content, but never accounts.

Written by hand. Its members may add, change and view the content models (and delete
those that can sensibly go; articles are retracted, never deleted), may only view
what the archive derives or keeps for the record (versions, merges, near-duplicates),
and get no permission on auth's users, groups or permissions: only superusers manage
accounts.

Running it again, or on a database where someone already made a group of that name,
leaves the group with exactly these permissions. Reversing it deletes the group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS_GROUP = "Editors"

# Model name → the actions (Django's default permissions) editors get on it.
EDITOR_PERMISSIONS = {
    "source": ("add", "change", "delete", "view"),
    "person": ("add", "change", "delete", "view"),
    "personalias": ("add", "change", "delete", "view"),
    "tag": ("add", "change", "delete", "view"),
    "article": ("add", "change", "view"),
    "articleversion": ("view",),
    "claim": ("add", "change", "delete", "view"),
    "claimreport": ("add", "change", "delete", "view"),
    "mergedperson": ("view",),
    "mergedtag": ("view",),
    "nearduplicate": ("view",),
}


def editors_group_create(apps, schema_editor):
    # Permissions are otherwise created only after all migrations ran (post_migrate), so on a
    # fresh database they would not exist yet. As Django's docs suggest:
    # https://docs.djangoproject.com/en/5.2/topics/migrations/#data-migrations
    app_config = apps.get_app_config("articles")
    models_module = getattr(app_config, "models_module", None)  # restored: the live registry must stay as it was
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions]
    permissions = Permission.objects.filter(content_type__app_label="articles", codename__in=wanted)
    found = {permission.codename for permission in permissions}
    if missing := set(wanted) - found:
        raise RuntimeError(f"Permissions missing for the Editors group: {sorted(missing)}")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.set(permissions)


def editors_group_delete(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_article_retraction"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(editors_group_create, editors_group_delete)]
