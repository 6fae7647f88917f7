"""CSRF checks on the requests that change something, asked about their method first.

flask-wtf's own hook looks up whether the view is exempt before it looks at the method, so every
GET (each badge poll, the app's most frequent request) paid for finding out it needs no check.
This hook takes its place, first in line as flask-wtf's was, and hands the methods it protects
to flask-wtf's :meth:`~flask_wtf.csrf.CSRFProtect.protect`, exemptions and settings included.
"""
from flask import Flask, request

from messaging.extensions import csrf


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    config = app.config

    def check_csrf_token():
        if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"] \
                and config["WTF_CSRF_CHECK_DEFAULT"]:
            csrf.protect(apply_exemptions=True)

    hooks = app.before_request_funcs[None]
    hooks[hooks.index(_flask_wtf_hook(hooks))] = check_csrf_token


def _flask_wtf_hook(hooks: list):
    return next(hook for hook in hooks if hook.__module__ == "flask_wtf.csrf" and hook.__name__ == "csrf_protect")
