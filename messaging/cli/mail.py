"""``flask mail receive`` (one email on standard input, as an MTA pipes it) and ``flask mail serve``
(an SMTP or LMTP listener, aiosmtpd): both hand each email to :func:`receive_email`."""
import asyncio
import signal
import sys
import threading

import click
from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from messaging.extensions import db
from messaging.notifications.inbound import receive_email

# sysexits.h: tells the MTA to keep the message and try again later.
EX_TEMPFAIL = 75


@click.group("mail", help="Receive replies by email.")
def mail_group():
    pass


@mail_group.command("receive", help="Read one email on standard input and post it if it is a reply.")
@click.option("--recipient", "recipients", multiple=True,
              help="Envelope recipient (Postfix: ${original_recipient}); the headers are read otherwise.")
@with_appcontext
def receive_command(recipients):
    raw = sys.stdin.buffer.read()
    try:
        result = receive_email(raw, recipients)
    except OperationalError as error:
        click.echo(f"temporary failure: {error}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(f"{result.outcome}: {result.detail}")


class InboundHandler:
    """aiosmtpd handler: accepts mail for the reply domain and posts it, one email at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = (self.app.config["MAIL_REPLY_DOMAIN"] or "").lower()
        if not domain or address.rpartition("@")[2].lower() != domain:
            return "550 5.1.1 Not a reply address of this site"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, self._receive, envelope.original_content or envelope.content,
                                                list(envelope.rcpt_tos))
        except OperationalError:
            return "451 4.3.0 Temporary failure, try again later"
        return f"250 2.0.0 {result.outcome}"

    def _receive(self, raw: bytes, recipients: list[str]):
        with self.lock, self.app.app_context():
            try:
                return receive_email(raw, recipients)
            finally:
                db.session.remove()


class LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_listener(app, host: str, port: int, *, lmtp: bool) -> Controller:
    controller_class = LMTPController if lmtp else Controller
    controller = controller_class(InboundHandler(app), hostname=host, port=port,
                                  server_hostname=app.config["MAIL_REPLY_DOMAIN"] or None)
    controller.start()
    return controller


@mail_group.command("serve", help="Listen for replies over SMTP (or LMTP with --lmtp) until SIGTERM.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--lmtp", is_flag=True, help="Speak LMTP (for Postfix's lmtp transport) instead of SMTP.")
@with_appcontext
def serve_command(host: str, port: int, lmtp: bool):
    app = current_app._get_current_object()
    controller = start_listener(app, host, port, lmtp=lmtp)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    click.echo(f"Receiving replies over {'LMTP' if lmtp else 'SMTP'} on {host}:{port}.")
    while not stopping.wait(1):
        pass
    controller.stop()
    click.echo("Stopped.")
