"""Middleware of the house that is not one interface's: login pages answer 429 when the attempt was refused
by the login rate limit.

The refusal happens in `accounts.backends` (every login door calls `authenticate()`), which cannot choose the
page's status; it marks the request, and this middleware turns the re-shown login form (web or admin) into a
429 with `Retry-After`, so clients and proxies see the limit as one.
"""

from __future__ import annotations


class RateLimitedLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        limited = getattr(request, "jingzhi_rate_limited", None)
        if limited is not None and response.status_code == 200:
            response.status_code = 429
            response.reason_phrase = "Too Many Requests"
            response["Retry-After"] = str(limited.retry_after)
        return response
