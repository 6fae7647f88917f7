"""``icon(name)`` for every template: the SVG of partials/_icons.html's macro, drawn once per name.

Importing the macro (``{% from ... import icon %}``) cost each render that did it a check of
every Jinja global, about 30 µs, more than the icon itself; an icon's SVG never changes, so the
first drawing of each is kept. The markup stays in the template.
"""
from functools import cache

from flask import current_app
from jinja2 import Template
from markupsafe import Markup

ICONS_TEMPLATE = "partials/_icons.html"


def icon(name: str) -> Markup:
    # Keyed by the template object too, so a template the development server reloads is drawn anew.
    return _drawn(current_app.jinja_env.get_template(ICONS_TEMPLATE), name)


@cache
def _drawn(template: Template, name: str) -> Markup:
    return Markup(template.module.icon(name))
