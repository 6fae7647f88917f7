"""Bidirectional control characters never reach the page: ``https://x.test/\u202egpj.exe`` must not read as ``…exe.jpg``.

They are invisible and reorder what follows them, so a name, subject or link can show
something other than what it is. The characters are removed from every value a template
prints (Jinja's ``finalize``, so no template can forget it) and from message bodies before
links are made; the ``bidi_safe`` filter says the same where a template wants to be explicit.
What is stored, and what the JSON API returns, is left as it was sent.
"""
from flask import Flask

BIDI_CONTROLS = (
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066\u2067\u2068\u2069"  # isolates (LRI, RLI, FSI, PDI)
    "\u200e\u200f\u061c"  # marks (LRM, RLM, ALM)
)
_REMOVE = {ord(character): None for character in BIDI_CONTROLS}


def bidi_safe(value):
    """The value without bidi controls (Markup stays Markup); anything not a string as it is."""
    # Called for every value a template prints (a couple of hundred per list page): nearly all are
    # plain ASCII, which holds no control, and str.isascii answers that far faster than translate.
    if not isinstance(value, str) or value.isascii():
        return value
    return value.translate(_REMOVE)


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = bidi_safe
    app.add_template_filter(bidi_safe)
