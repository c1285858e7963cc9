from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_ratelimit.exceptions import Ratelimited

from minsheng.core.views import ratelimited


class RatelimitedMiddleware:
    """Turn django-ratelimit's exception into a 429 page that says what happened and when to retry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Ratelimited):
            return ratelimited(request, exception)
        return None
