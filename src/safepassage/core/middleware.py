"""Middleware of the project's own."""

from django.contrib.messages.middleware import MessageMiddleware


class PageMessageMiddleware(MessageMiddleware):
    """Django's message framework, for pages only: the API never shows messages.

    Building the message storage (cookie and session back ends) for every API request cost a few
    per cent of a count submission's time; API requests now go without `request._messages`, which
    the middleware's response step already allows for.
    """

    def process_request(self, request):
        if not request.path_info.startswith("/api/"):
            super().process_request(request)
