"""Configuration classes, chosen by ``MESSAGING_CONFIG`` (development, testing, production).

Embedded defaults (SQLite in ``instance/``, uploads on local disk) make the app run
anywhere; production reads everything that differs between deployments from the
environment and refuses to start without it.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'messaging.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Uploaded attachments live outside static/ so they are only reachable
    # through the authorised download endpoints.
    ATTACHMENT_ROOT = os.environ.get("ATTACHMENT_ROOT", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 60 * 1024 * 1024))
    API_TOKEN_MAX_AGE_SECONDS = int(os.environ.get("API_TOKEN_MAX_AGE_SECONDS", 12 * 3600))
    POLL_INTERVAL_SECONDS = int(os.environ.get("POLL_INTERVAL_SECONDS", 30))
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PASSWORD_HASH_METHOD = "scrypt"

    # Brute-force protection of every password check (messaging/sign_in_limits.py), in the
    # `limits` notation. Per client address every attempt counts; per email only the refused
    # ones, but once that budget is spent even the right password waits.
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "30 per minute")
    SIGN_IN_LIMIT_PER_EMAIL = os.environ.get("SIGN_IN_LIMIT_PER_EMAIL", "10 per 15 minutes")
    # memory:// counts per process; several gunicorn workers must share e.g. redis://host:6379/0.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # If that storage goes down, keep signing people in, limited per process until it is back.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Flask-Limiter keeps the previous app's value when an app leaves it unset: say it each time.
    RATELIMIT_ENABLED = True
    # Reverse proxies in front of the app that append to X-Forwarded-For. 0 trusts none, so a
    # client cannot escape the per-address limit by sending that header itself.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))

    # Live delivery (issue 10, messaging/live/): Redis pub/sub between worker processes when set,
    # in-process fan-out (one process only) when not.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    LIVE_REDIS_CHANNEL = os.environ.get("LIVE_REDIS_CHANNEL", "messaging:live-events")
    LIVE_HEARTBEAT_SECONDS = int(os.environ.get("LIVE_HEARTBEAT_SECONDS", 15))
    # How often a stream re-checks its account (a deactivated one stops within it; sign-out is at once).
    # One small query per stream each time: 5,000 streams at 50 s are 100 queries a second.
    LIVE_RECHECK_SECONDS = int(os.environ.get("LIVE_RECHECK_SECONDS", 50))
    # Streams end after this and the client reconnects (with Last-Event-ID), spreading load over workers.
    LIVE_STREAM_MAX_SECONDS = int(os.environ.get("LIVE_STREAM_MAX_SECONDS", 3600))


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    # TEST_DATABASE_URL lets CI run the same suite against PostgreSQL.
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    POLL_INTERVAL_SECONDS = 1
    # Hashing strength is irrelevant to what the tests check and dominates their run time.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # The suite signs in hundreds of times from one address; tests of the limits set tight ones.
    SIGN_IN_LIMIT_PER_ADDRESS = "100000 per minute"
    SIGN_IN_LIMIT_PER_EMAIL = "100000 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None  # the in-process broker; tests of Redis delivery set their own


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    @classmethod
    def from_environment(cls) -> dict:
        """Read when the app is created (not at import), and refuse the development defaults."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        return {
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
        }


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
