"""MAIL_BACKEND=file: every email in a ``.eml`` file of its own in MAIL_FILE_PATH, which any mail
client opens (Flask-Mailman's own file backend appends a connection's emails to one ``.log``)."""
import os
import uuid
from datetime import datetime

from flask_mailman.backends.file import EmailBackend as LogFileBackend


class EmailBackend(LogFileBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            # Written under a temporary name and renamed, so a watcher never opens half an email.
            partial = os.path.join(self.file_path, f".{name}.part")
            with open(partial, "wb") as eml:
                eml.write(message.message().as_bytes(linesep="\r\n"))
            os.replace(partial, os.path.join(self.file_path, name))
        return len(email_messages)

    def open(self):
        return False

    def close(self):
        return None
