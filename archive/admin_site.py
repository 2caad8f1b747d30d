"""The admin site: Django's own, with failed sign-ins throttled.

Every failed sign-in is recorded (``SignInFailure``) with the user name tried and the client's
address. ``ADMIN_LOGIN_FAILURE_LIMIT`` failures for one user name from one address within
``ADMIN_LOGIN_LOCKOUT_SECONDS`` lock that pair out, and ten times as many from one address, whatever
the user names, lock the address out: guessing one editor's password and trying one password on
many accounts are both slowed to a few attempts per lockout. A locked-out sign-in is refused before
the password is checked (so a right guess during the lockout tells nothing) with a 429 and a
``Retry-After``. An editor signing in elsewhere is never locked out by someone else's guessing
unless both come from the same address. A successful sign-in clears that pair's failures.
"""

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils import timezone

from articles.models import SignInFailure

# Failures from one address, for any user names, that lock the address out: this many lockouts' worth.
ADDRESS_LIMIT_FACTOR = 10


def client_address(request) -> str:
    """The client's IP address: the proxy's record of it when the site is behind one (``BEHIND_PROXY``).

    Only the last ``X-Forwarded-For`` entry is the proxy's own; anything before it is what the
    client claimed, which anyone can forge.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
        address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"  # an address to count under, never one to listen on


def normalised_username(username: str) -> str:
    return username.strip().lower()[: SignInFailure._meta.get_field("username").max_length]


def locked_until(username: str, address: str) -> datetime | None:
    """When sign-ins as ``username`` from ``address`` are allowed again, if they are locked out now.

    Locked while the limit's worth of failures lies within the lockout: until the oldest of the
    newest ``limit`` failures is older than it.
    """
    window = settings.ADMIN_LOGIN_LOCKOUT_SECONDS
    limit = settings.ADMIN_LOGIN_FAILURE_LIMIT
    recent = SignInFailure.objects.within(window).filter(address=address).order_by("-failed_at")
    ends = []
    for failures, count in (
        (recent.filter(username=normalised_username(username)), limit),
        (recent, limit * ADDRESS_LIMIT_FACTOR),
    ):
        if last_counted := failures.values_list("failed_at", flat=True)[count - 1 : count].first():
            ends.append(last_counted + timedelta(seconds=window))
    return max(ends, default=None)


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing a locked-out user name and address before checking the password."""

    locked_until: datetime | None = None

    def clean(self):
        if self.request is not None:
            self.locked_until = locked_until(self.cleaned_data.get("username", ""), client_address(self.request))
            if self.locked_until:
                minutes = math.ceil((self.locked_until - timezone.now()).total_seconds() / 60)
                raise ValidationError(
                    "Too many failed sign-ins. Try again in %(minutes)d minute(s).",
                    code="throttled",
                    params={"minutes": minutes},
                )
        return super().clean()


class ArchiveAdminSite(admin.AdminSite):
    site_header = "News archive administration"
    site_title = "News archive admin"
    login_form = ThrottledAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.locked_until:
            response.status_code = 429
            response["Retry-After"] = str(max(1, math.ceil((form.locked_until - timezone.now()).total_seconds())))
        return response


@receiver(user_login_failed, dispatch_uid="archive.record_sign_in_failure")
def record_sign_in_failure(sender, credentials, request=None, **kwargs):
    if request is None:  # authenticate() called by code, not a sign-in form
        return
    SignInFailure.objects.older_than(settings.ADMIN_LOGIN_LOCKOUT_SECONDS).delete()
    SignInFailure.objects.create(
        username=normalised_username(credentials.get("username", "")), address=client_address(request)
    )


@receiver(user_logged_in, dispatch_uid="archive.clear_sign_in_failures")
def clear_sign_in_failures(sender, request, user, **kwargs):
    if request is not None:
        SignInFailure.objects.filter(
            username=normalised_username(user.get_username()), address=client_address(request)
        ).delete()
