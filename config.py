"""Configuration classes, chosen by ``MESSAGING_CONFIG`` (development, testing, production).

Embedded defaults (SQLite in ``instance/``, uploads on local disk) make the app run
anywhere; production reads everything that differs between deployments from the
environment and refuses to start without it.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-change-me"
# A signing key shorter than this can be guessed offline from one signed cookie.
SECRET_KEY_MIN_LENGTH = 16
INSTANCE_DIR = BASE_DIR / "instance"


def rate_limit_storage() -> str:
    """Where the sign-in and sending counts live: ``RATELIMIT_STORAGE_URI``; else the Redis of live
    delivery (``REDIS_URL``), which every worker shares already; else each process counts alone
    (``memory://``), which suits one process, and lets several workers each allow the whole budget."""
    return os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
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
    # Messages and new conversations one account may send (messaging/send_limits.py): a person
    # replying quickly stays far below; a script flooding inboxes does not.
    SEND_LIMIT_PER_ACCOUNT = os.environ.get("SEND_LIMIT_PER_ACCOUNT", "20 per minute; 300 per hour")
    RATELIMIT_STORAGE_URI = rate_limit_storage()
    # If that storage goes down, keep signing people in, limited per process until it is back.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Flask-Limiter keeps the previous app's value when an app leaves it unset: say it each time.
    RATELIMIT_ENABLED = True
    # Reverse proxies in front of the app that append to X-Forwarded-For. 0 trusts none, so a
    # client cannot escape the per-address limit by sending that header itself.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
    # On a SQLite database file, a thread of each process checkpoints the WAL this often, outside
    # the writers' turns (messaging/sqlite_checkpoints.py); 0 leaves it to SQLite, inside commits.
    SQLITE_CHECKPOINT_SECONDS = float(os.environ.get("SQLITE_CHECKPOINT_SECONDS", 0.05))
    # On SQLite, messages go into the search index this many at a time: the send of every Nth
    # message indexes the backlog once it has committed (messaging/services/search_backlog.py).
    # 1 indexes each message after its own send. Search finds a message either way, indexed or not.
    SEARCH_INDEX_BATCH = int(os.environ.get("SEARCH_INDEX_BATCH", 100))

    # Email notifications and replies by email (messaging/notifications/). smtp, file or console;
    # the file backend writes one .eml per email into MAIL_FILE_PATH, so `make run` shows them.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH", str(INSTANCE_DIR / "mail"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "false").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_TIMEOUT = 30
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Marketplace <notifications@marketplace.test>")
    # Replies go to reply+<token>@MAIL_REPLY_DOMAIN; empty turns replies by email off.
    MAIL_REPLY_DOMAIN = os.environ.get("MAIL_REPLY_DOMAIN", "reply.marketplace.test")
    # Absolute links in emails (thread, unsubscribe) start with this.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Seconds an email waits for more messages (and is dropped if read meanwhile); 0 sends at once.
    NOTIFY_DELAY = int(os.environ.get("NOTIFY_DELAY", 300))
    # Seconds between two emails to one person about one conversation.
    NOTIFY_MIN_INTERVAL = int(os.environ.get("NOTIFY_MIN_INTERVAL", 900))
    NOTIFY_RETRY_BASE_SECONDS = 60
    NOTIFY_MAX_ATTEMPTS = 10
    NOTIFY_BATCH_SIZE = 100
    # A reply address older than this is refused (the thread link still works).
    REPLY_TOKEN_MAX_AGE_SECONDS = 180 * 24 * 3600
    # Marketplace cases (decisions §7). Links to what a conversation is about, with {ref} for the
    # host's order number or SKU; unset, no link is shown.
    ORDER_URL_TEMPLATE = os.environ.get("ORDER_URL_TEMPLATE") or None
    PRODUCT_URL_TEMPLATE = os.environ.get("PRODUCT_URL_TEMPLATE") or None
    # How many conversations one customer may start in any 24 hours (429 beyond).
    CUSTOMER_CONVERSATIONS_PER_DAY = int(os.environ.get("CUSTOMER_CONVERSATIONS_PER_DAY", 10))
    # Live delivery (issue 10, messaging/live/): Redis pub/sub between worker processes when set,
    # in-process fan-out (one process only) when not.
    # Pages connect to their live stream; off, they refresh by polling alone (the fallback).
    LIVE_DELIVERY = os.environ.get("LIVE_DELIVERY", "on").lower() not in ("0", "off", "false", "no")
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
    SEND_LIMIT_PER_ACCOUNT = "100000 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    # Nothing leaves the process unless a test points the worker at its own SMTP server.
    MAIL_BACKEND = "locmem"
    NOTIFY_DELAY = 0
    NOTIFY_MIN_INTERVAL = 0
    REDIS_URL = None  # the in-process broker; tests of Redis delivery set their own
    # No checkpointing thread per test app; tests/test_sqlite_checkpoints.py turns it on.
    SQLITE_CHECKPOINT_SECONDS = 0.0
    # Each message indexed after its send, so the index itself is what most tests search;
    # tests/test_search_backlog.py searches a backlog.
    SEARCH_INDEX_BATCH = 1


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")

    @classmethod
    def from_environment(cls) -> dict:
        """Read when the app is created (not at import), and refuse the development defaults."""
        required = ["SECRET_KEY", "DATABASE_URL"]
        if os.environ.get("MAIL_BACKEND", "smtp") == "smtp":
            # Emails need absolute links to the site, and a development address would mislead.
            required.append("PUBLIC_BASE_URL")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
                + " (for the development server set MESSAGING_CONFIG=development)"
            )
        secret_key = os.environ["SECRET_KEY"]
        if secret_key == DEVELOPMENT_SECRET_KEY or len(secret_key) < SECRET_KEY_MIN_LENGTH:
            raise RuntimeError(
                f"SECRET_KEY must be a random value of at least {SECRET_KEY_MIN_LENGTH} characters, not the "
                "development key (python -c 'import secrets; print(secrets.token_hex(32))'). "
                "For the development server set MESSAGING_CONFIG=development."
            )
        return {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
            "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", Config.PUBLIC_BASE_URL),
            "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp"),
            "RATELIMIT_STORAGE_URI": rate_limit_storage(),
        }


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
