"""Failed-login throttling with django-axes: per account (email and address) and per address.

AXES_LOCKOUT_PARAMETERS names both counters, but axes holds them to one AXES_FAILURE_LIMIT.
An address gets a higher limit, LOGIN_FAILURES_PER_ADDRESS, summed over every email tried
from it: enough for the typos of an office behind one NAT, too few to guess passwords
across many accounts.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum

from accounts.models import email_normalize


def client_address(request) -> str | None:
    """The address axes counts. Behind a proxy (BEHIND_PROXY) every request comes from the
    proxy, which would make the address-wide counter one for everybody: the client is then the
    last address the proxy appended to X-Forwarded-For (earlier ones are the client's to forge)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def axes_username(request, credentials: dict | None) -> str | None:
    """The email as axes counts it: lower-cased, so `A@X.COM` and `a@x.com` share a counter."""
    source = credentials if credentials is not None else request.POST
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return email_normalize(username) if isinstance(username, str) else username


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate limit for the address-wide counter."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        # Scaled to reach `limit` exactly at LOGIN_FAILURES_PER_ADDRESS failures.
        scaled = address * limit // settings.LOGIN_FAILURES_PER_ADDRESS
        request.axes_address_locked = scaled >= limit > account  # for the lockout page
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A success clears the failures of this account from this address only: logging in
        to one's own account must not wipe the address's failures on other accounts."""
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_attempts.delete()
        return count
