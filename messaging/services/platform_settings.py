"""Platform settings, read from the database every time they are enforced, so a change applies without a restart.

What is only shown (a form's "up to 10 MB" hint) may come from a copy up to
``DISPLAY_MAX_AGE_SECONDS`` old, so that rendering a page costs no query for it; a change
made through this process replaces its copy at once.
"""
import time

from flask import current_app
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


DISPLAY_MAX_AGE_SECONDS = 30


def get_setting(key: str) -> str | None:
    return db.session.scalar(select(PlatformSetting.value).where(PlatformSetting.key == key))


def get_setting_for_display(key: str) -> str | None:
    copies = _display_copies()
    copy = copies.get(key)
    if copy is None or time.monotonic() - copy[0] > DISPLAY_MAX_AGE_SECONDS:
        copy = copies[key] = (time.monotonic(), get_setting(key))
    return copy[1]


def _display_copies() -> dict:
    # Per app, so each app (and each test's app) starts with no copies.
    return current_app.extensions.setdefault("messaging.displayed_settings", {})


def set_setting(key: str, value: str) -> None:
    setting = db.session.scalar(select(PlatformSetting).where(PlatformSetting.key == key))
    if setting is None:
        _, category, description = DEFAULT_SETTINGS.get(key, (value, "general", ""))
        setting = PlatformSetting(key=key, value=value, category=category, description=description)
        db.session.add(setting)
    setting.value = str(value)
    db.session.flush()
    _display_copies().pop(key, None)


def ensure_default_settings() -> None:
    for key, (value, category, description) in DEFAULT_SETTINGS.items():
        if get_setting(key) is None:
            db.session.add(
                PlatformSetting(key=key, value=value, category=category, description=description)
            )
    db.session.flush()
