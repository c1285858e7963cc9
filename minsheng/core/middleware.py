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


class PortalLanguageMiddleware:
    """Chinese unless the visitor chose another language with the language buttons.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a government intranet
    PC with an English browser would show an English portal; the portal's language is Chinese and
    English is a choice (stored in the language cookie by Django's set_language view).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
