"""Flask-Mailman, set up from MAIL_BACKEND (``smtp``, ``file`` or ``console``).

``file`` writes every email to its own ``.eml`` file in MAIL_FILE_PATH (instance/mail/ by
default), which any mail client opens; Flask-Mailman's own file backend appends all
emails of a connection to one ``.log`` file.
"""
from flask import Flask, current_app
from flask_mailman import Mail

mail = Mail()

BACKENDS = {
    "smtp": "messaging.notifications.smtp_backend",
    "console": "console",
    "file": "messaging.notifications.eml_files",
    "locmem": "locmem",
}


def init_mail(app: Flask) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend not in BACKENDS and "." not in backend:
        raise RuntimeError(f"MAIL_BACKEND must be one of smtp, file, console (not {backend!r}).")
    app.config["MAIL_BACKEND"] = BACKENDS.get(backend, backend)
    mail.init_app(app)


def mail_connection():
    """A backend connection; the caller opens it once and sends a whole batch through it."""
    return mail.get_connection()


def sender_domain() -> str:
    """The domain of our own Message-IDs: the reply domain, else the sender's."""
    config = current_app.config
    if config["MAIL_REPLY_DOMAIN"]:
        return config["MAIL_REPLY_DOMAIN"]
    return config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
