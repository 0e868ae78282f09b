"""Chinese first: the interface language is Simplified Chinese unless the person chose another one with
the language switch (Django's language cookie). A browser's Accept-Language alone does not switch it, so
a shared terminal in a supervision centre never comes up in English by accident."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        try:
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        finally:
            # The language is the request's, not the thread's: the next request (or job) on this thread
            # starts from the site's default again.
            translation.deactivate()
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
