"""A real SMTP server for the email tests (aiosmtpd on a free local port), and helpers to read what it got."""
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from flask_mailman import Mail

from messaging.notifications.mail import BACKENDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


@dataclass
class SmtpSink:
    """Records every email it accepts; ``answer`` (e.g. "451 4.3.0 busy") refuses the DATA instead."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    answer: str | None = None
    refuse_recipients: dict[str, str] = field(default_factory=dict)
    # Hang up, in the middle of the DATA of the next email, once this many have been accepted.
    hang_up_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.answer:
            return self.answer
        if self.hang_up_after is not None and len(self.received) >= self.hang_up_after:
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"

    def start(self) -> "SmtpSink":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [item for item in self.received if address in item.envelope_to]


def send_mail_to(app, sink: SmtpSink) -> None:
    """Point the app's Flask-Mailman at ``sink`` over real SMTP."""
    app.config.update(MAIL_BACKEND=BACKENDS["smtp"], MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME=None, MAIL_PASSWORD=None, MAIL_TIMEOUT=5)
    app.extensions["mailman"] = Mail.init_mail(app.config, app.testing)
