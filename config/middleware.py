"""API paths are matched, never redirected: the SDKs treat a 3xx as an error (or turn a POST
into a GET), so `//v1/ping` and `/v1/ping` reach the same view as `/v1/ping/`."""

from __future__ import annotations

import re

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
