"""url_for, remembered: a page asks for the same few links on every view.

A thread fragment built seven links with url_for (the reply form, the poller, the actions), a
tenth of its time, and the same ones again on the next poll. Building a link depends only on
the app's routes, where the app is mounted (the request's script root) and what is asked for,
so each answer is kept per app and reused. Only plain relative links are remembered: a link
asked for with url_for's own options (``_external``, whose host comes from the request or the
configuration, ``_anchor``, ``_scheme``...) or outside a request is built every time.
"""
from flask import has_request_context, request, url_for

from messaging.bounded_memory import app_memory

_EXTENSION = "remembered_urls"


def remembered_url_for(endpoint: str, **values) -> str:
    if not has_request_context() or any(name.startswith("_") for name in values):
        return url_for(endpoint, **values)
    remembered = app_memory(_EXTENSION)
    key = (endpoint, request.script_root, *values.items())
    try:
        return remembered[key]
    except KeyError:
        pass
    except TypeError:  # a value that cannot be a key (a list of filters): built each time
        return url_for(endpoint, **values)
    return remembered.keep(key, url_for(endpoint, **values))
