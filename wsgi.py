"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``.

Without ``MESSAGING_CONFIG`` this is production, which refuses to start without a real
``SECRET_KEY`` (and ``DATABASE_URL``): a server started with nothing set must not sign
sessions and tokens with a key anyone can read in this repository. The development
server (``make run``) says ``MESSAGING_CONFIG=development`` explicitly.
"""
import os

from messaging import create_app

app = create_app(os.environ.get("MESSAGING_CONFIG") or "production")
