"""Flask-Mailman, set up from MAIL_BACKEND (``smtp``, ``file`` or ``console``).

``file`` writes every email to its own ``.eml`` file in MAIL_FILE_PATH (instance/mail/ by
default), which any mail client opens; Flask-Mailman's own file backend appends all
emails of a connection to one ``.log`` file.
"""
import os
import uuid
from datetime import datetime

from flask import Flask, current_app
from flask_mailman import Mail
from flask_mailman.backends.file import EmailBackend as LogFileBackend

mail = Mail()

BACKENDS = {
    "smtp": "smtp",
    "console": "console",
    "file": "messaging.notifications.mail.EmlFileBackend",
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


class EmlFileBackend(LogFileBackend):
    def write_message(self, message):
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
        with open(os.path.join(self.file_path, name), "wb") as eml:
            eml.write(message.message().as_bytes(linesep="\r\n"))

    def open(self):
        return False

    def close(self):
        return None

    def send_messages(self, email_messages):
        for message in email_messages:
            self.write_message(message)
        return len(email_messages)
