"""The one source of "now": naive UTC datetimes, stored and compared as such everywhere."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat_utc(moment: datetime | None) -> str | None:
    """ISO 8601 with a ``Z`` suffix, as the JSON contract asks."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds") + "Z"
