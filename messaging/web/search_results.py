"""Search results as people read them: the matching message, shortened around the match, words marked."""
import re

from markupsafe import Markup, escape

from messaging.services.search import search_terms

SNIPPET_LENGTH = 160


def highlight(text: str, search: str) -> Markup:
    """``text`` escaped, cut to a snippet around the first match, each searched word's match in <mark>."""
    terms = search_terms(search)
    text = " ".join((text or "").split())
    if not terms:
        return escape(text[:SNIPPET_LENGTH])
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(term) for term in terms) + r")\w*", re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - SNIPPET_LENGTH // 3) if first else 0
    snippet = text[start:start + SNIPPET_LENGTH]
    parts, position = [], 0
    for match in pattern.finditer(snippet):
        parts.append(escape(snippet[position:match.start()]))
        parts.append(Markup("<mark>{}</mark>").format(match.group(0)))
        position = match.end()
    parts.append(escape(snippet[position:]))
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_LENGTH < len(text) else ""
    return Markup(prefix) + Markup("").join(parts) + Markup(suffix)
