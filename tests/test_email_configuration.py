"""Production sends real email by default, and then needs the site's public address for its links."""
import pytest

from messaging import create_app


@pytest.fixture
def production_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-of-32-chars!")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("MAIL_BACKEND", raising=False)
    return monkeypatch


def test_production_with_email_on_refuses_to_start_without_public_base_url(production_environment):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production")
    production_environment.setenv("PUBLIC_BASE_URL", "https://market.example")
    app = create_app("production")
    assert app.config["PUBLIC_BASE_URL"] == "https://market.example"
    # Production talks SMTP by default (Flask-Mailman's backend, see messaging/notifications/smtp_backend.py).
    from flask_mailman.backends.smtp import EmailBackend as SmtpBackend

    from messaging.notifications.mail import mail_connection

    with app.app_context():
        assert isinstance(mail_connection(), SmtpBackend)


def test_production_without_smtp_does_not_need_it(production_environment):
    production_environment.setenv("MAIL_BACKEND", "console")
    assert create_app("production").config["MAIL_BACKEND"] == "console"


def test_an_unknown_backend_stops_the_app(monkeypatch):
    with pytest.raises(RuntimeError, match="MAIL_BACKEND must be one of smtp, file, console"):
        create_app("testing", overrides={"MAIL_BACKEND": "carrier-pigeon"})
