"""Fragments printed once for each distinct input, then handed out as printed.

Most answers the pages give are polls that show what the last poll showed: the header badge
every 30 seconds in every open tab, the conversation list as often. Printing a list row cost
more than everything else about it (20 µs of Jinja per row, over half of an inbox poll), and a
row prints the same markup for the same values. So a fragment is rendered once for a ``key``
that holds everything its template reads, and the markup is reused while that key comes back.

The caller's ``key`` must determine the output. The fragments printed this way read only a
frozen record of their values (``conversation_rows.ConversationRow``, say) and the role's pages,
and the key is that record. The template object is part of the key too, so a template reloaded
in development prints anew.
"""
from flask import current_app
from jinja2 import Template
from markupsafe import Markup

from messaging.bounded_memory import BoundedMemory

_printed = BoundedMemory()


def printed(template_name: str, key: tuple, **context) -> Markup:
    """``template_name`` rendered with ``context`` (no template context processors run), reused for ``key``."""
    return printed_from(current_app.jinja_env.get_template(template_name), key, **context)


def printed_from(template: Template, key: tuple, **context) -> Markup:
    """:func:`printed`, for a caller printing many fragments of one template."""
    full_key = (template, key)
    markup = _printed.get(full_key)
    if markup is None:
        markup = _printed.keep(full_key, Markup(template.render(**context)))
    return markup
