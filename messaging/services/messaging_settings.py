"""The messaging settings admins change at run time (issue 13), validated and recorded.

Each value lives in ``platform_settings`` and is read on every use, so a change applies to the
next request without a restart. Every change is written to ``platform_setting_changes``
(who, when, the old and the new value) in the same unit of work as the change itself.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import ParticipantType, PlatformSettingChange, User
from messaging.services.errors import InvalidInput, NotAllowed
from messaging.services.platform_settings import (
    ATTACHMENT_MAX_SIZE_MB,
    CUSTOMERS_CAN_START,
    DEFAULT_SETTINGS,
    get_setting,
    set_setting,
)

ATTACHMENT_MB_RANGE = (1, 100)
HISTORY_LENGTH = 50
LABELS = {
    ATTACHMENT_MAX_SIZE_MB: "Attachment size limit (MB)",
    CUSTOMERS_CAN_START: "Customers can start conversations",
}


@dataclass(frozen=True)
class MessagingSettings:
    attachment_max_size_mb: int
    customers_can_start: bool


@dataclass(frozen=True)
class SettingChange:
    key: str
    label: str
    old_value: str | None
    new_value: str
    changed_by: str
    changed_at: datetime


def current_settings() -> MessagingSettings:
    return MessagingSettings(
        attachment_max_size_mb=int(_stored(ATTACHMENT_MAX_SIZE_MB)),
        customers_can_start=customers_can_start(),
    )


def customers_can_start() -> bool:
    return _stored(CUSTOMERS_CAN_START) == "true"


def update_settings(
    principal: Principal, *, attachment_max_size_mb=None, customers_can_start: bool | None = None
) -> MessagingSettings:
    """Change the given settings (None leaves one as it is); each real change is recorded."""
    if principal.type != ParticipantType.ADMIN:
        raise NotAllowed("Only platform admins change the messaging settings.")
    wanted = {}
    if attachment_max_size_mb is not None:
        wanted[ATTACHMENT_MAX_SIZE_MB] = str(checked_attachment_mb(attachment_max_size_mb))
    if customers_can_start is not None:
        wanted[CUSTOMERS_CAN_START] = "true" if customers_can_start else "false"
    now = utcnow()
    for key, new_value in wanted.items():
        old_value = get_setting(key)
        if old_value == new_value:
            continue
        set_setting(key, new_value)
        db.session.add(PlatformSettingChange(
            setting_key=key, old_value=old_value, new_value=new_value, changed_by_id=principal.id, changed_at=now,
        ))
    db.session.flush()
    return current_settings()


def checked_attachment_mb(value) -> int:
    low, high = ATTACHMENT_MB_RANGE
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise InvalidInput(
            f"The attachment size limit must be a whole number of MB from {low} to {high}.",
            fields={"attachment_max_size_mb": f"A whole number from {low} to {high}."},
        )
    return number


def recent_changes(limit: int = HISTORY_LENGTH) -> list[SettingChange]:
    """The latest changes of the messaging settings, newest first, with who made them."""
    rows = db.session.execute(
        select(PlatformSettingChange, User.full_name)
        .outerjoin(User, User.id == PlatformSettingChange.changed_by_id)
        .where(PlatformSettingChange.setting_key.in_(LABELS))
        .order_by(PlatformSettingChange.changed_at.desc(), PlatformSettingChange.id.desc())
        .limit(limit)
    ).all()
    return [
        SettingChange(
            key=change.setting_key, label=LABELS[change.setting_key], old_value=change.old_value,
            new_value=change.new_value, changed_by=name or "A removed account", changed_at=change.changed_at,
        )
        for change, name in rows
    ]


def _stored(key: str) -> str:
    value = get_setting(key)
    return DEFAULT_SETTINGS[key][0] if value is None else value
