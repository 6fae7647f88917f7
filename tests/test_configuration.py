"""Configuration classes: production refuses to start on development defaults."""
import pytest
from sqlalchemy import text

from messaging import SQLITE_MMAP_BYTES, create_app
from messaging.extensions import db


def test_production_refuses_to_start_without_secret_key_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-production-signing-key")
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production")


def test_production_starts_with_both(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s3cret-production-signing-key")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example")  # email is on (issue 9)
    app = create_app("production")
    assert app.config["SECRET_KEY"] == "s3cret-production-signing-key"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.sqlite3")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug and not app.testing


def test_a_sqlite_database_file_is_read_through_a_memory_map(tmp_path):
    # Without the map, an inbox page at 300k conversations took 1.46× its time at 10k (bench/README.md).
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'mapped.sqlite3'}"})
    with app.app_context():
        settings = (db.session.execute(text("PRAGMA mmap_size")).scalar(),
                    db.session.execute(text("PRAGMA journal_mode")).scalar())
        db.engine.dispose()
    assert settings == (SQLITE_MMAP_BYTES, "wal")


def test_production_counts_limits_in_the_redis_every_worker_shares_unless_told_otherwise(monkeypatch, tmp_path):
    # The README's production command sets REDIS_URL for live delivery: under several workers, counted
    # per process, each worker would allow the whole sign-in and sending budget.
    monkeypatch.setenv("SECRET_KEY", "s3cret-production-signing-key")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert create_app("production").config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert create_app("production").config["RATELIMIT_STORAGE_URI"] == "memory://"

    monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    monkeypatch.delenv("REDIS_URL")
    assert create_app("production").config["RATELIMIT_STORAGE_URI"] == "memory://"
