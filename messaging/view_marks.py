"""Marks on view functions, read before the view runs (by the sign-in check) from the request's endpoint."""
from flask import current_app, has_request_context, request


def mark(view, name: str):
    setattr(view, name, True)
    return view


def requested_view_has(name: str) -> bool:
    """Whether the view this request is routed to carries the mark ``name``."""
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), name, False)
