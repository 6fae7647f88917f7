"""Replies by email land in the thread: through `flask mail receive` (what an MTA pipes to) and
through the SMTP and LMTP listener of `flask mail serve`, each case both ways."""
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from messaging.cli.mail import start_listener
from messaging.extensions import db
from messaging.models import ConversationParticipant, ConversationType
from messaging.notifications.tokens import reply_address, reply_token
from tests.email_support import SmtpSink, free_port, send_mail_to
from tests.factories import start
from tests.sample_files import EXECUTABLE, PNG


@pytest.fixture
def sink(app):
    sink = SmtpSink().start()
    send_mail_to(app, sink)
    yield sink
    sink.stop()


@pytest.fixture(params=["receive", "smtp", "lmtp"])
def deliver_inbound(request, app):
    """A function handing one raw email to the app the way this parameter says."""
    if request.param == "receive":
        runner = app.test_cli_runner()

        def through_pipe(message: EmailMessage, recipient: str):
            result = runner.invoke(args=["mail", "receive", "--recipient", recipient], input=message.as_bytes())
            assert result.exit_code == 0, result.output
            db.session.expire_all()
            return result.output

        yield through_pipe
        return
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port, lmtp=request.param == "lmtp")

    def through_listener(message: EmailMessage, recipient: str):
        client_class = smtplib.LMTP if request.param == "lmtp" else smtplib.SMTP
        with client_class("127.0.0.1", port, timeout=10) as client:
            client.sendmail(str(message["From"]), [recipient], message.as_bytes())
        db.session.expire_all()
        return ""

    yield through_listener
    controller.stop()


@pytest.fixture
def thread(service, marketplace):
    return start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
                 subject="Where is my parcel?", text="We shipped it on Monday.")


def customers_reply_address(thread) -> str:
    participant_id = db.session.scalar(select(ConversationParticipant.id).where(
        ConversationParticipant.conversation_id == thread.id, ConversationParticipant.participant_type == "customer"))
    return reply_address(participant_id, thread.id)


def reply(to: str, sender: str = "Cora Customer <cust@example>", text: str = "Thanks, it arrived!",
          attachments=(), **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: New message: Where is my parcel?"
    message["Message-ID"] = make_msgid(domain="mail.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(
        f"{text}\n\nCora\n\nOn Tue, 24 Nov 2026 at 10:00, Marketplace <notifications@marketplace.test> wrote:\n"
        "> Hello Cora Customer,\n> There is a new message in \"Where is my parcel?\".\n> We shipped it on Monday.\n"
    )
    for filename, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def thread_messages(service, marketplace, thread):
    return service.get_conversation(marketplace.staff_a, thread.id).messages


def test_a_good_reply_is_posted_without_its_quoted_history_and_keeps_its_png(
        app, service, marketplace, thread, sink, deliver_inbound):
    address = customers_reply_address(thread)
    deliver_inbound(reply(address, attachments=[("photo.png", PNG, "image", "png")]), address)
    messages = thread_messages(service, marketplace, thread)
    assert len(messages) == 2
    posted = messages[-1]
    assert posted.sender.type == marketplace.customer_a.type and posted.sender.id == marketplace.customer_a.id
    assert posted.content == "Thanks, it arrived!\n\nCora"
    assert [(a.filename, a.content_type) for a in posted.attachments] == [("photo.png", "image/png")]
    # The staff side is told as if it were written in the app: unread, and an email queued.
    assert service.get_unread_count(marketplace.staff_a) == 1
    assert sink.received == []


def test_a_second_delivery_of_the_same_message_posts_nothing(app, service, marketplace, thread, sink, deliver_inbound):
    address = customers_reply_address(thread)
    message = reply(address)
    deliver_inbound(message, address)
    deliver_inbound(message, address)
    assert [m.content for m in thread_messages(service, marketplace, thread)].count("Thanks, it arrived!\n\nCora") == 1


def test_a_forged_or_altered_token_posts_nothing(app, service, marketplace, thread, sink, deliver_inbound):
    address = customers_reply_address(thread)
    local, domain = address.split("@")
    altered = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    participant_id = int(local.split("+")[1].split("-")[0])
    other_conversation = f"reply+{participant_id}-{thread.id + 1}-{local.split('-')[2]}-{local.split('-')[3]}@{domain}"
    expired = f"reply+{reply_token(participant_id, thread.id, issued_at=0)}@{domain}"
    for bad in (altered, other_conversation, expired, f"reply+nonsense@{domain}"):
        deliver_inbound(reply(bad), bad)
    assert len(thread_messages(service, marketplace, thread)) == 1
    assert sink.received == []


def test_a_sender_other_than_the_participant_posts_nothing(app, service, marketplace, thread, sink, deliver_inbound):
    address = customers_reply_address(thread)
    deliver_inbound(reply(address, sender="Mallory <mallory@evil.example>"), address)
    deliver_inbound(reply(address, sender="Cid Customer <cust2@example>"), address)
    assert len(thread_messages(service, marketplace, thread)) == 1
    assert sink.received == []


def test_a_closed_conversation_refuses_the_reply_with_one_bounce(
        app, service, marketplace, thread, sink, deliver_inbound):
    address = customers_reply_address(thread)
    service.close_conversation(marketplace.staff_a, thread.id)
    message = reply(address)
    deliver_inbound(message, address)
    deliver_inbound(message, address)  # delivered twice: still one bounce
    assert [m.content for m in thread_messages(service, marketplace, thread)] == [
        "We shipped it on Monday.", "Closed by Sara A"]
    [bounce] = sink.received
    assert bounce.envelope_to == ["cust@example"]
    assert bounce.subject == "Not posted: Where is my parcel?"
    assert "This conversation is closed" in bounce.text()
    assert bounce.message["Auto-Submitted"] == "auto-replied"
    assert bounce.message["In-Reply-To"] == message["Message-ID"]


def test_a_refused_file_type_is_bounced_and_nothing_posted(app, service, marketplace, thread, sink, deliver_inbound):
    address = customers_reply_address(thread)
    deliver_inbound(reply(address, attachments=[("setup.exe", EXECUTABLE, "application", "octet-stream")]), address)
    assert len(thread_messages(service, marketplace, thread)) == 1
    [bounce] = sink.received
    assert "Not posted" in bounce.subject


@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"Subject_Override": "Out of Office: back on Monday"},
])
def test_an_out_of_office_answer_posts_nothing_and_gets_no_bounce(
        app, service, marketplace, thread, sink, deliver_inbound, headers):
    address = customers_reply_address(thread)
    service.close_conversation(marketplace.staff_a, thread.id)  # would bounce, were it not automatic
    headers = dict(headers)
    subject = headers.pop("Subject_Override", None)
    message = reply(address, text="I am away until Monday.", **headers)
    if subject:
        message.replace_header("Subject", subject)
    deliver_inbound(message, address)
    assert len(thread_messages(service, marketplace, thread)) == 2
    assert sink.received == []


def test_replying_to_a_delivered_notification_lands_in_the_thread(app, service, marketplace, thread, sink):
    """The whole loop: the email's own Reply-To, answered through the SMTP listener."""
    from messaging.notifications.delivery import deliver_due

    deliver_due("test")
    [notification] = sink.received
    address = str(notification.message["Reply-To"]).strip()
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port, lmtp=False)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("cust@example", [address], reply(address, text="Got it").as_bytes())
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("cust@example", ["someone@elsewhere.example"], reply(address).as_bytes())
    finally:
        controller.stop()
    db.session.expire_all()
    assert thread_messages(service, marketplace, thread)[-1].content.startswith("Got it")
