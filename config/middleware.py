"""Request plumbing. API paths are matched, never redirected: the SDKs treat a 3xx as an error (or
turn a POST into a GET), so `//v1/ping` and `/v1/ping` reach the same view as `/v1/ping/`. An
unread request body is read before the answer goes out, so keep-alive connections survive. Pages
are in the user's language, API answers in English."""

from __future__ import annotations

import re

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from config.api_errors import is_api_path

_SLASHES = re.compile(r"/{2,}")


class ApiPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = _SLASHES.sub("/", request.path_info)
        if is_api_path(path if path.endswith("/") else path + "/"):
            path = path if path.endswith("/") else path + "/"
            if path != request.path_info:
                script_name = request.META.get("SCRIPT_NAME", "").rstrip("/")
                request.path_info, request.path = path, script_name + path
        return self.get_response(request)


class UnreadBodyMiddleware:
    """Reads what an answer left of the request body, so the connection stays usable.

    An error answered before the body is parsed (a 401 for a bad key, a 429, a 404) leaves it
    unread; gunicorn then drains at most 64 KB of it and drops a connection it had announced as
    kept alive, and the client's next request on it is reset. Bodies within MAX_REQUEST_BYTES
    are read and discarded here; larger ones are refused unread and close the connection
    instead (config/gunicorn_errors.py)."""

    CHUNK = 64 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Django's own flag: set once anything (Django, DRF's parsers) has read the stream.
        if not getattr(request, "_read_started", True) and self._fits(request):
            while request.read(self.CHUNK):
                pass
        return response

    @staticmethod
    def _fits(request) -> bool:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class LanguageMiddleware(LocaleMiddleware):
    """The language of a page: the signed-in user's choice, else Django's (the language
    cookie the switcher sets, then Accept-Language, then English). An API request is always
    answered in English: SDKs show a `detail` to developers, and DRF would translate it."""

    def process_request(self, request):
        if is_api_path(request.path_info):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user and user.is_authenticated else ""
        if chosen and translation.check_for_language(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(self, request, response):
        if is_api_path(request.path_info):
            return response  # no Content-Language / Vary: Accept-Language on API answers
        return super().process_response(request, response)
