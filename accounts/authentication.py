"""`Authorization: Token <key>`, the only scheme the mem0ai SDKs send."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.admission import api_key_admit
from accounts.services import api_key_touch
from config.after_response import after_response

INVALID_KEY = (
    "Invalid API key. Check the key you passed as api_key, or create a new one in the "
    "Engram dashboard or with `manage.py create_api_key`."
)
MISSING_KEY = "Missing API key: send the header `Authorization: Token <your Engram API key>`."
MALFORMED = "Malformed Authorization header: send `Authorization: Token <your Engram API key>`."


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        scheme, _, plaintext = header.partition(" ")
        # "Bearer" is not what the SDKs send, but curl users reach for it.
        if scheme.lower() not in {"token", "bearer"} or not plaintext.strip():
            raise exceptions.AuthenticationFailed(MALFORMED)
        api_key, request.rate_limit = api_key_admit(plaintext=plaintext.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed(INVALID_KEY)
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "This API key was revoked: create a new one in the Engram dashboard."
            )
        if api_key.suspended_at is not None:
            raise exceptions.AuthenticationFailed(
                "This API key is suspended by an Engram administrator: ask them to restore it."
            )
        if api_key.expires_at is not None and api_key.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                f"This API key expired on {api_key.expires_at:%Y-%m-%d %H:%M} UTC: "
                "create a new one in the Engram dashboard."
            )
        after_response(lambda: api_key_touch(api_key=api_key))
        return api_key.created_by, api_key

    def authenticate_header(self, request) -> str:
        return self.keyword  # makes DRF answer 401, not 403, without credentials
