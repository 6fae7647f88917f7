"""Times and sizes as people read them: "26 Nov 2026, 14:32 UTC", "1.2 MB"."""
from datetime import datetime

from markupsafe import Markup, escape

from messaging.clock import isoformat_utc


def time_tag(moment: datetime | None) -> Markup:
    """The exact time in UTC, which needs no clock to stay true; static/js/app.js turns it into
    "5 min ago" in the reader's language (Intl.RelativeTimeFormat) with local time on hover."""
    if moment is None:
        return Markup("")
    # An f-string of escaped parts: Markup.format's string.Formatter cost more than the rest of a list row.
    exact = escape(moment.strftime("%-d %b %Y, %H:%M UTC"))
    return Markup(f'<time datetime="{escape(isoformat_utc(moment))}" title="{exact}" data-relative>{exact}</time>')


def file_size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return f"{size_bytes} B"
    for unit in ("KB", "MB", "GB"):
        size_bytes /= 1024
        if size_bytes < 1024 or unit == "GB":
            return f"{size_bytes:.1f} {unit}" if size_bytes < 10 else f"{size_bytes:.0f} {unit}"
    return f"{size_bytes:.0f} GB"


def file_kind(content_type: str) -> str:
    """"text/csv; charset=utf-8" -> "text/csv": the parameters mean nothing to a reader."""
    return (content_type or "").split(";", 1)[0].strip()
