"""Platform settings, read from the database every time so a change applies without a restart."""
from sqlalchemy import select

from messaging.extensions import db
from messaging.models import PlatformSetting

ATTACHMENT_MAX_SIZE_MB = "message_attachment_max_size_mb"
# decisions §7: off by default, as the specification's "customers reply only" says.
CUSTOMERS_CAN_START = "messaging_customers_can_start"

DEFAULT_SETTINGS = {
    ATTACHMENT_MAX_SIZE_MB: ("10", "messaging", "Largest file, in MB, that a message may carry."),
    CUSTOMERS_CAN_START: ("false", "messaging", "Customers may start conversations with their shop."),
}


def get_setting(key: str) -> str | None:
    return db.session.scalar(select(PlatformSetting.value).where(PlatformSetting.key == key))


def set_setting(key: str, value: str) -> None:
    setting = db.session.scalar(select(PlatformSetting).where(PlatformSetting.key == key))
    if setting is None:
        _, category, description = DEFAULT_SETTINGS.get(key, (value, "general", ""))
        setting = PlatformSetting(key=key, value=value, category=category, description=description)
        db.session.add(setting)
    setting.value = str(value)
    db.session.flush()


def ensure_default_settings() -> None:
    for key, (value, category, description) in DEFAULT_SETTINGS.items():
        if get_setting(key) is None:
            db.session.add(
                PlatformSetting(key=key, value=value, category=category, description=description)
            )
    db.session.flush()
