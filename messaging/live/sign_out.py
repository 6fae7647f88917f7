"""Signing out ends the live streams of that browser session, in every worker.

A session cookie cannot be taken back from a stream that already sent it, so each signed-in
session carries a random token of its own (set at sign-in, through Flask-Login's signal), and
signing out announces that token to the person's audience; their streams holding it end.
"""
import secrets

from flask import Flask, current_app, session
from flask_login import user_logged_in, user_logged_out

from messaging.live.audiences import personal_audience

SESSION_TOKEN_KEY = "live_session"


def _signed_in(sender, user, **extra) -> None:
    session[SESSION_TOKEN_KEY] = secrets.token_urlsafe(16)


def _signed_out(sender, user, **extra) -> None:
    from messaging.auth import session_principal

    token = session.pop(SESSION_TOKEN_KEY, None)
    principal = session_principal()
    if token and principal is not None:
        current_app.extensions["live_broker"].sign_out(personal_audience(principal), token)


def init_app(app: Flask) -> None:
    user_logged_in.connect(_signed_in, app)
    user_logged_out.connect(_signed_out, app)
