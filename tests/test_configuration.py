"""Configuration classes: production refuses to start on development defaults."""
import pytest

from messaging import create_app


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
