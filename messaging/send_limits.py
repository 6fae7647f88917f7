"""How fast one account may send: generous for a person, tight for a script.

Every message sent and every conversation started spends the account's budget
(``SEND_LIMIT_PER_ACCOUNT``, default "20 per minute; 300 per hour"), shared by the pages
and the API and counted in Flask-Limiter's storage, the one the sign-in limits use
(``RATELIMIT_STORAGE_URI``: per process with ``memory://``, shared through Redis).

The views call :func:`spend_send_budget` just before the service writes; a spent budget
raises :class:`SendingTooFast`, a service-style refusal, so the API answers 429 in its
envelope with ``Retry-After`` and the pages show the message beside the form with what was
typed. An API retry replayed from its idempotency key sends nothing and spends nothing.
"""
import functools
import math
import time

from flask import Flask, current_app, g
from limits import parse_many

from messaging.extensions import limiter
from messaging.identity import Principal
from messaging.services.errors import MessagingError

SETTING = "SEND_LIMIT_PER_ACCOUNT"
SCOPE = "send-per-account"


class SendingTooFast(MessagingError):
    def __init__(self, seconds: int):
        minutes = max(1, math.ceil(seconds / 60))
        wait = f"{seconds} seconds" if seconds < 60 else f"{minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(f"You are sending messages faster than this site allows. Try again in {wait}.")
        self.retry_after = seconds
        self.headers = {"Retry-After": str(seconds)}


def init_app(app: Flask) -> None:
    """Refuse to start with a limit that does not parse, rather than fail on the first message."""
    try:
        parse_many(app.config[SETTING])
    except ValueError as error:
        raise RuntimeError(f"{SETTING} is not a rate limit such as '20 per minute; 300 per hour': {error}") from error
    app.after_request(_say_when_to_retry)


def _say_when_to_retry(response):
    """The pages answer a spent budget with the form (429); it says when to come back, like the API."""
    seconds = g.get("send_retry_after")
    if seconds and response.status_code == 429:
        response.headers.setdefault("Retry-After", str(seconds))
    return response


@functools.lru_cache(maxsize=8)
def _parsed(setting: str) -> list:
    """The limits a setting states, parsed once per process rather than at every send."""
    return parse_many(setting)


def spend_send_budget(principal: Principal) -> None:
    """Count one send for the principal's account, or refuse it when a budget is spent."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    limits = _parsed(current_app.config[SETTING])
    key = f"{principal.type.value}:{principal.id}"
    try:
        strategy = limiter.limiter
        for item in limits:
            if not strategy.hit(item, SCOPE, key):
                reset_at = strategy.get_window_stats(item, SCOPE, key).reset_time
                g.send_retry_after = max(1, math.ceil(reset_at - time.time()))
                raise SendingTooFast(g.send_retry_after)
    except SendingTooFast:
        raise
    except Exception:  # the storage is down: people keep sending rather than see an error page
        current_app.logger.warning("Send rate limit storage unreachable; not counting", exc_info=True)
