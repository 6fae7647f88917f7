"""Brute-force protection of sign-in: how often a password may be tried, by address and by email.

Two budgets, each shared by every view that checks a password (the staff and the
customer sign-in pages and ``POST /api/v1/auth/token``), so an attacker gains nothing
by switching between them:

- per client address (``SIGN_IN_LIMIT_PER_ADDRESS``): every attempt counts, right or
  wrong, so one address cannot spread a guessing run over many accounts;
- per email tried (``SIGN_IN_LIMIT_PER_EMAIL``): only refused passwords count, so
  people who sign in often are never held up by their own successes; once the
  budget is spent, the right password waits too, or the limit would protect nothing.

The sign-in code says when a password was refused (:func:`count_refused_attempt`); that
attempt is charged to the email once the answer is known, so attempts running at the
same moment all pass the per-email check: that budget can be overrun by as many
attempts as run in parallel, which the per-address budget (counted up front) bounds.

The counts live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``). The refusal
itself (page or JSON) is the business of the views: :func:`seconds_until_retry` and
:func:`refusal_message` tell them what to say.
"""
import hashlib
import math
import time

from flask import Flask, current_app, g, request
from flask.globals import request_ctx
from limits import parse_many

from messaging.extensions import limiter

SETTINGS = ("SIGN_IN_LIMIT_PER_ADDRESS", "SIGN_IN_LIMIT_PER_EMAIL")
_REFUSED_ATTEMPT = "sign_in_refused"
# Where Flask-Limiter 4 keeps a request's state once one of its limits is checked.
LIMITER_REQUEST_STATE = "_limiter_request_context"


def init_app(app: Flask) -> None:
    """Refuse to start with a limit that does not parse, rather than fail on the first sign-in."""
    for name in SETTINGS:
        try:
            parse_many(app.config[name])
        except ValueError as error:
            raise RuntimeError(f"{name} is not a rate limit such as '10 per 15 minutes': {error}") from error
    _check_only_limited_views(app)


def _check_only_limited_views(app: Flask) -> None:
    """Only the views decorated here are limited, and their decorator checks its limits itself.
    Flask-Limiter's app-wide check (of default and application-wide limits, which this app has
    none of) would otherwise run before every request, each badge poll included."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    # Its after-request hook (deducting a refused attempt) and teardown only have work in a
    # request that went through a limited view; the others skip them.
    after = app.after_request_funcs[None]
    after[:] = [_when_limited(hook) if _is_limiter_hook(hook) else hook for hook in after]
    teardown = app.teardown_request_funcs[None]
    teardown[:] = [_when_limited(hook) if _is_limiter_hook(hook) else hook for hook in teardown]


def _is_limiter_hook(hook) -> bool:
    return getattr(hook, "func", None) is not None and hook.args[:1] == (limiter,) \
        or getattr(hook, "__self__", None) is limiter


def _when_limited(hook):
    def run_when_limited(value):
        # Flask-Limiter keeps a request's state on the request context, made when a limit is checked.
        if hasattr(request_ctx._get_current_object(), LIMITER_REQUEST_STATE):
            return hook(value)
        return value
    return run_when_limited


def limit_sign_in_attempts(view):
    """Decorate a view whose POST checks a password with both budgets (its GET stays free)."""
    # Declared first so it is checked first: every attempt counts against the address,
    # even one that the email's budget then refuses.
    view = limiter.shared_limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        scope="sign-in-per-address",
        methods=["POST"],
    )(view)
    return limiter.shared_limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_EMAIL"],
        scope="sign-in-per-email",
        key_func=_email_key,
        methods=["POST"],
        # Without an email no account's password is checked; the address budget still counts it.
        exempt_when=lambda: not submitted_email(),
        deduct_when=lambda _response: g.pop(_REFUSED_ATTEMPT, False),
    )(view)


def count_refused_attempt() -> None:
    """Charge this attempt to the per-email budget: the password (or the account) was refused."""
    g.setdefault(_REFUSED_ATTEMPT, True)


def submitted_email() -> str:
    """The email of this attempt, from the form or the JSON body, as the account lookup normalises it."""
    if request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    else:
        email = request.form.get("email")
    return email.strip().lower() if isinstance(email, str) else ""


def _email_key() -> str:
    # A digest rather than the address itself: the storage (Redis) need not hold people's emails.
    return hashlib.sha256(submitted_email().encode()).hexdigest()


def seconds_until_retry() -> int:
    """How long until the budget this request ran out of has room again (at least one second)."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    # window.reset_time, not reset_at: that one rounds up by a second, announcing 16 minutes for 15.
    return max(1, math.ceil(breached.window.reset_time - time.time()))


def refusal_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
