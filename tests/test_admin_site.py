"""The admin site: sign-ins throttled after repeated failures (archive.admin_site), at a configurable path."""

import importlib
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from articles.models import SignInFailure

PASSWORD = "the editor's long password"
LOGIN = "/admin/login/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Dozens of sign-ins per test: a fast hash instead of a deliberately slow one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )


def fail(client, times, username="editor", address="203.0.113.7", **headers):
    for _ in range(times):
        response = sign_in(client, username, "a wrong guess", address, **headers)
        assert response.status_code == 200  # the form again, with Django's usual error


def test_a_few_failures_leave_the_editor_free_to_sign_in(client, editor, settings):
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT - 1)
    response = sign_in(client, "editor", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not SignInFailure.objects.filter(username="editor").exists()  # a success clears the slate


def test_too_many_failures_lock_the_name_out_even_with_the_right_password(client, editor, settings):
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT)
    response = sign_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.ADMIN_LOGIN_LOCKOUT_SECONDS
    assert "Too many failed sign-ins. Try again in 15 minute(s)." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The refused attempt is not counted as a failure of its own: the password was never checked.
    assert SignInFailure.objects.count() == settings.ADMIN_LOGIN_FAILURE_LIMIT


def test_the_lock_is_per_name_and_address(client, editor, django_user_model, settings):
    django_user_model.objects.create_user("colleague", password=PASSWORD, is_staff=True)
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT, username="EDITOR ")  # the same name, however typed
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    assert sign_in(client, "editor", PASSWORD, address="198.51.100.2").status_code == 302
    client.logout()
    assert sign_in(client, "colleague", PASSWORD).status_code == 302


def test_many_names_tried_from_one_address_lock_the_address_out(client, editor, settings):
    limit = settings.ADMIN_LOGIN_FAILURE_LIMIT
    address_limit = limit * 10
    for number in range(address_limit // (limit - 1)):  # never enough for one name to be locked out
        fail(client, limit - 1, username=f"guess-{number}")
    fail(client, address_limit % (limit - 1), username="one-more-name")
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    assert sign_in(client, "editor", PASSWORD, address="198.51.100.2").status_code == 302


def test_the_lock_lifts_when_the_failures_age_past_the_lockout(client, editor, settings):
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT)
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    newest = SignInFailure.objects.order_by("-failed_at").first()
    newest.failed_at = timezone.now() - timedelta(seconds=settings.ADMIN_LOGIN_LOCKOUT_SECONDS + 1)
    newest.save()
    # Four failures remain inside the window: one short of a lockout.
    assert sign_in(client, "editor", PASSWORD).status_code == 302


def test_old_failures_are_deleted_as_new_ones_come_in(client, editor, settings):
    fail(client, 2)
    SignInFailure.objects.update(failed_at=timezone.now() - timedelta(seconds=settings.ADMIN_LOGIN_LOCKOUT_SECONDS))
    fail(client, 1)
    assert SignInFailure.objects.count() == 1


def test_behind_a_proxy_the_address_is_the_proxys_last_record(client, editor, settings):
    settings.BEHIND_PROXY = True
    # The client forges the first entry; the proxy appends the address it really saw.
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT, address="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert set(SignInFailure.objects.values_list("address", flat=True)) == {"203.0.113.9"}
    forged = sign_in(client, "editor", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.9")
    assert forged.status_code == 429
    elsewhere = sign_in(client, "editor", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert elsewhere.status_code == 302


def test_without_a_proxy_forwarded_addresses_are_ignored(client, editor, settings):
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT, address="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert set(SignInFailure.objects.values_list("address", flat=True)) == {"203.0.113.7"}
    assert sign_in(client, "editor", PASSWORD, "203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


@pytest.fixture
def admin_at_custom_path():
    """The site's URLs rebuilt with the admin at ``editors-only/``."""
    import archive.urls

    with override_settings(ADMIN_PATH="editors-only/"):
        importlib.reload(archive.urls)
        clear_url_caches()
        yield
    importlib.reload(archive.urls)
    clear_url_caches()


def test_the_admin_lives_where_the_setting_says(client, editor, admin_at_custom_path):
    assert reverse("admin:index") == "/editors-only/"
    assert client.get("/admin/").status_code == 404
    response = client.get("/editors-only/")
    assert response.status_code == 302 and response["Location"].startswith("/editors-only/login/")


def test_superusers_see_the_failures_and_lift_a_lockout_by_deleting_them(client, editor, django_user_model, settings):
    fail(client, settings.ADMIN_LOGIN_FAILURE_LIMIT)
    django_user_model.objects.create_superuser("chief", password=PASSWORD)
    chief = client.__class__()
    assert sign_in(chief, "chief", PASSWORD, address="198.51.100.2").status_code == 302
    changelist = reverse("admin:articles_signinfailure_changelist")
    assert "203.0.113.7" in chief.get(changelist).content.decode()
    failures = list(SignInFailure.objects.values_list("pk", flat=True))
    response = chief.post(changelist, {"action": "delete_selected", "_selected_action": failures, "post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, "editor", PASSWORD).status_code == 302


def test_editors_do_not_see_sign_in_failures(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:articles_signinfailure_changelist")).status_code == 403
