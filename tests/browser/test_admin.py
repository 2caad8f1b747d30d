"""An editor in the admin, in a real browser: logs in, tags an article through autocomplete, sees it published."""

import re
import sys

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader
from playwright.sync_api import expect

from articles.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

EDITORS_GROUP = "Editors"
EDITOR_USERNAME = "editor"
EDITOR_PASSWORD = "a-long-editor-passphrase"
ARTICLE_TITLE = "Persecution of foreigners by Russian regime escalates"
# A seed tag this seed article does not have yet; typing part of its name finds only it.
NEW_TAG = "Wagner Group"
NEW_TAG_TYPED = "wagn"


def editors_group_rebuild() -> Group:
    """Build the Editors group again with the migrations' own steps, each against the models as of its migration.

    Transactional tests flush the database after each test, and the flush takes with it
    what data migrations made. pytest-django's ``serialized_rollback`` cannot bring it back
    here: once Playwright runs its event loop in this thread, the test case sees another
    connection object, without the copy taken when the test database was created; and
    without Playwright, reloading that copy after another transactional test collides with
    the content types the flush recreated under new ids. Re-running the steps (they are
    idempotent) keeps the group exactly as the migrations make it, including permissions
    later migrations add.
    """
    loader = MigrationLoader(connection)
    with connection.schema_editor() as schema_editor:
        for app_label, name in loader.graph.forwards_plan(loader.graph.leaf_nodes("articles")[0]):
            migration = loader.get_migration(app_label, name)
            if getattr(sys.modules[migration.__module__], "EDITORS_GROUP", None) != EDITORS_GROUP:
                continue
            state_apps = loader.project_state((app_label, name)).apps
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    operation.code(state_apps, schema_editor)
    return Group.objects.get(name=EDITORS_GROUP)


@pytest.fixture
def editor(django_user_model):
    """A member of staff in the Editors group: may curate content, is not a superuser."""
    user = django_user_model.objects.create_user(EDITOR_USERNAME, password=EDITOR_PASSWORD, is_staff=True)
    user.groups.add(editors_group_rebuild())
    return user


def log_in(page, site_server) -> None:
    page.goto(f"{site_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(EDITOR_USERNAME)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_editor_tags_an_article_through_autocomplete_and_sees_the_tag_on_its_public_page(
    site_server, seed_archive, editor, page, screenshot
):
    article = Article.objects.get(title=ARTICLE_TITLE)
    tags_before = set(article.tags.values_list("name", flat=True))
    assert NEW_TAG not in tags_before

    log_in(page, site_server)
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    screenshot("logged-in")

    page.get_by_role("link", name="Articles", exact=True).click()
    page.locator("#searchbar").fill("Persecution")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    screenshot("changelist-search")
    results.get_by_role("link", name=ARTICLE_TITLE).click()
    expect(page.get_by_role("heading", name="Change article")).to_be_visible()

    # The tags field is a select2 widget: open it, type part of a name, pick what the server suggests.
    tags_field = page.locator(".field-tags")
    tags_field.locator(".select2-selection").click()
    tags_field.locator(".select2-search__field").fill(NEW_TAG_TYPED)
    # The opened list already shows the first tags unfiltered, and "Searching…" while the server answers:
    # wait until the list is exactly the one match.
    suggestions = page.locator(".select2-results__option")
    expect(suggestions).to_have_text([NEW_TAG])
    screenshot("autocomplete")
    suggestions.get_by_text(NEW_TAG, exact=True).click()
    expect(tags_field.locator(".select2-selection__choice", has_text=NEW_TAG)).to_be_visible()

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(f"“{ARTICLE_TITLE}” was changed successfully")
    screenshot("saved")
    expect(page.locator("#result_list")).to_contain_text(NEW_TAG)  # the changelist's tags column

    results.get_by_role("link", name=ARTICLE_TITLE).click()
    page.get_by_role("link", name="View on site").click()
    expect(page).to_have_url(re.compile(re.escape(article.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE_TITLE)
    expect(page.locator("h2:text-is('Tags') + ul.chips").get_by_role("link", name=NEW_TAG)).to_be_visible()
    screenshot("public-page")

    assert set(article.tags.values_list("name", flat=True)) == tags_before | {NEW_TAG}


def test_visitors_are_sent_to_log_in_and_editors_cannot_manage_accounts(site_server, editor, page):
    page.goto(f"{site_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    log_in(page, site_server)
    expect(page.get_by_role("link", name="Articles", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    response = page.goto(f"{site_server.url}/admin/auth/user/")
    assert response.status == 403
