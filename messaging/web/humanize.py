"""Times and sizes as people read them: "5 min ago" (exact time on hover), "1.2 MB"."""
from datetime import datetime

from markupsafe import Markup

from messaging.clock import isoformat_utc, utcnow


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"{hours} h ago"
    days = round(seconds / 86400)
    if days < 7:
        return "yesterday" if days == 1 else f"{days} days ago"
    return moment.strftime("%-d %b %Y")


def time_tag(moment: datetime | None) -> Markup:
    """A <time> element; static/js/app.js keeps the text fresh and shows local time on hover."""
    if moment is None:
        return Markup("")
    exact = moment.strftime("%-d %b %Y, %H:%M UTC")
    return Markup('<time datetime="{0}" title="{1}" data-relative>{2}</time>').format(
        isoformat_utc(moment), exact, relative_time(moment)
    )


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
