"""The ``message_body`` Jinja filter: plain text shown escaped, line breaks kept, links clickable."""
import re

from markupsafe import Markup, escape

from messaging.web.bidi import bidi_safe

# Stops at whitespace and at characters that cannot end a URL in running text.
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}'\""


def message_body(text: str | None) -> Markup:
    # Bidi controls go first, so no link text can be reordered to show another file name.
    text = bidi_safe(text or "")
    # Every link has a "://": most messages have none, and are escaped as they are.
    html = _linked(text) if "://" in text else escape(text)
    if "\n" not in html and "\r" not in html:
        return html
    return Markup(_LINE_BREAK.sub("<br>\n", str(html)))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _linked(text: str) -> Markup:
    pieces: list[str] = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        pieces.append(escape(text[position:match.start()]))
        pieces.append(
            Markup('<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>').format(url)
        )
        position = match.start() + len(url)
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)
