"""Bidirectional control characters never reach the page: ``https://x.test/\u202egpj.exe`` must not read as ``…exe.jpg``.

They are invisible and reorder what follows them, so a name, subject or link can show
something other than what it is. The characters are removed from every value a template
prints (Jinja's ``finalize``, so no template can forget it) and from message bodies before
links are made; the ``bidi_safe`` filter says the same where a template wants to be explicit.
What is stored, and what the JSON API returns, is left as it was sent.
"""
import re

from flask import Flask

BIDI_CONTROLS = (
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066\u2067\u2068\u2069"  # isolates (LRI, RLI, FSI, PDI)
    "\u200e\u200f\u061c"  # marks (LRM, RLM, ALM)
)
_REMOVE = {ord(character): None for character in BIDI_CONTROLS}
_ANY_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")
# From this length on, one substring search per control finds "none" faster than a scan by the regex.
_LONG_VALUE = 256


def bidi_safe(value):
    """The value without bidi controls (Markup stays Markup); anything not a string as it is."""
    # Called for every value a template prints (a couple of hundred per list page): nearly all are
    # plain ASCII, which holds no control, and str.isascii answers that far faster than translate.
    if not isinstance(value, str) or value.isascii() or not _holds_a_control(value):
        return value
    return value.translate(_REMOVE)


def _holds_a_control(text: str) -> bool:
    # translate looks every character up in a dict: an inbox page prints its rows as one value,
    # and one name such as "Ekström" among them added 1.1 ms to a page of 1.3 (the PostgreSQL bench,
    # bench/README.md). Nearly every value holds no control: a short one is scanned by the regex, a
    # long one searched once per control (a search the string's width can rule out at once, or a memchr).
    if len(text) < _LONG_VALUE:
        return _ANY_CONTROL.search(text) is not None
    return any(control in text for control in BIDI_CONTROLS)


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = bidi_safe
    app.add_template_filter(bidi_safe)
