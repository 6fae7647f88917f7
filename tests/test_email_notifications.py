"""Email notifications, end to end: a message is written, the worker delivers the outbox to a
real SMTP server (aiosmtpd in the test), and we read what arrived."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from messaging import live
from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import ConversationParticipant, ConversationType, Message
from messaging.models.notifications import NotificationOutbox, OutboxStatus
from messaging.notifications.delivery import deliver_due, queue_marked
from messaging.notifications.preferences import set_emails_about_new_conversations
from tests.conftest import uses_postgres
from tests.email_support import SmtpSink, send_mail_to
from tests.factories import start, upload
from tests.sample_files import PNG

LATER = timedelta(hours=1)


@pytest.fixture
def sink(app):
    sink = SmtpSink().start()
    send_mail_to(app, sink)
    yield sink
    sink.stop()


def deliver(now=None):
    """Everything due at ``now`` (default: now), in as many passes as it takes."""
    reports = []
    while True:
        report = deliver_due("test-worker", now=now or utcnow())
        reports.append(report)
        if not report.claimed or report.errors:
            return reports


def outbox_statuses():
    return dict(db.session.execute(select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status)).all())


def vendor_thread(service, marketplace, text="Is the basket still available?"):
    """Customer-side conversation: staff A writes to customer A (both participants)."""
    return start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
                 subject="Your <order> #42", text=text)


def test_the_other_participants_get_one_email_each_and_the_sender_none(app, service, marketplace, sink):
    thread = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a,
                   subject="Payout question", text="Opening note")
    service.send_message(marketplace.staff_a2, thread.id, "I can help too")  # staff_a2 joins
    deliver()
    sink.received.clear()

    service.send_message(marketplace.staff_a, thread.id, "Line one <b>not bold</b>\nLine two",
                         [upload("invoice.png", PNG)])
    deliver()

    assert sorted(address for item in sink.received for address in item.envelope_to) == [
        "admin@test.example", "staff2@a.example"]
    email = sink.to("admin@test.example")[0]
    assert email.subject == "New message: Payout question"
    text = email.text()
    assert "Sara A from Shop A" in text
    assert "Line one <b>not bold</b>\nLine two" in text
    assert "Attached: invoice.png" in text
    assert f"http://127.0.0.1:5000/admin/messages/{thread.id}" in text
    html = email.html()
    assert "Line one &lt;b&gt;not bold&lt;/b&gt;<br>" in html
    assert f'href="http://127.0.0.1:5000/admin/messages/{thread.id}"' in html
    vendor_copy = sink.to("staff2@a.example")[0]
    assert f"http://127.0.0.1:5000/vendor/messages/{thread.id}" in vendor_copy.text()
    # Mail clients thread every email of the conversation together.
    root = f"<conversation-{thread.id}@reply.marketplace.test>"
    assert email.message["References"] == root == vendor_copy.message["In-Reply-To"]
    assert email.message["Message-ID"] != vendor_copy.message["Message-ID"]
    assert email.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:5000/email/unsubscribe/[^>]+/one-click>",
                        str(email.message["List-Unsubscribe"]).strip())
    assert re.fullmatch(r"reply\+[0-9a-z-]+@reply\.marketplace\.test", str(email.message["Reply-To"]))
    assert email.message["Auto-Submitted"] == "auto-generated"


def test_admin_messages_are_signed_marketplace_support(app, service, marketplace, sink):
    start(service, marketplace.admin, ConversationType.ADMIN_CUSTOMER, marketplace.customer_a, text="Hello there")
    deliver()
    [email] = sink.received
    assert "Marketplace support" in email.text()
    assert email.message["From"].addresses[0].display_name == "Marketplace support via Marketplace"


def test_preference_off_sends_nothing(app, service, marketplace, sink):
    thread = vendor_thread(service, marketplace)
    deliver()
    sink.received.clear()
    service.update_preferences(marketplace.customer_a, thread.id, email_notifications=False)
    service.send_message(marketplace.staff_a, thread.id, "Still there?")
    deliver()
    assert sink.received == []


def test_reading_before_the_delay_cancels_the_email(app, service, marketplace, sink):
    app.config["NOTIFY_DELAY"] = 300
    thread = vendor_thread(service, marketplace)
    deliver()  # not due yet
    assert sink.received == []
    service.mark_conversation_read(marketplace.customer_a, thread.id)
    deliver(now=utcnow() + LATER)
    assert sink.received == []
    assert outbox_statuses() == {OutboxStatus.CANCELLED: 1}


def test_three_quick_messages_make_one_email(app, service, marketplace, sink):
    app.config["NOTIFY_DELAY"] = 300
    thread = vendor_thread(service, marketplace, text="First")
    service.send_message(marketplace.staff_a, thread.id, "Second")
    service.send_message(marketplace.staff_a, thread.id, "Third")
    deliver(now=utcnow() + LATER)
    [email] = sink.received
    text = email.text()
    assert "There are 3 new messages" in text
    assert text.index("First") < text.index("Second") < text.index("Third")


def test_one_email_per_conversation_per_interval(app, service, marketplace, sink):
    app.config["NOTIFY_MIN_INTERVAL"] = 900
    thread = vendor_thread(service, marketplace, text="First")
    deliver()
    assert len(sink.received) == 1
    service.send_message(marketplace.staff_a, thread.id, "Second")
    service.send_message(marketplace.staff_a, thread.id, "Third")
    deliver()
    deliver(now=utcnow() + timedelta(minutes=14))
    assert len(sink.received) == 1
    deliver(now=utcnow() + timedelta(minutes=16))
    assert len(sink.received) == 2
    later = sink.received[1].text()
    assert "Second" in later and "Third" in later and "First" not in later


def test_the_customers_default_for_new_conversations(app, service, marketplace, sink):
    set_emails_about_new_conversations(marketplace.customer_a, False)
    db.session.commit()
    thread = vendor_thread(service, marketplace)
    deliver()
    assert sink.received == []
    assert service.get_conversation(marketplace.customer_a, thread.id).email_notifications is False
    # Someone else still gets theirs: the default is per person.
    start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2)
    deliver()
    assert [item.envelope_to for item in sink.received] == [["cust2@example"]]


def marked_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ConversationParticipant).where(
        ConversationParticipant.email_pending_since.is_not(None)))


def test_a_rolled_back_send_leaves_no_email_behind(app, service, marketplace, sink, monkeypatch):
    thread = vendor_thread(service, marketplace)
    deliver()
    sink.received.clear()
    # The send's last step before its commit: its live events (on PostgreSQL recorded by its one
    # statement, and handed on to be published).
    last_step = "publish_recorded" if uses_postgres() else "announce"
    original = getattr(live, last_step)

    def announce_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        assert marked_rows() == 1  # the customer's row, marked by the UPDATE that counted the message unread
        raise RuntimeError("the database went away before commit")

    monkeypatch.setattr(live, last_step, announce_then_fail)
    with pytest.raises(RuntimeError):
        service.send_message(marketplace.staff_a, thread.id, "Lost")
    assert marked_rows() == 0
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.content == "Lost")) == 0
    deliver()
    assert sink.received == []


def test_a_send_marks_its_email_and_the_worker_queues_it(app, service, marketplace, sink):
    """The send writes no outbox row; the worker's pass turns the mark into one and clears it."""
    app.config["NOTIFY_DELAY"] = 300
    thread = vendor_thread(service, marketplace, text="First")
    service.send_message(marketplace.staff_a, thread.id, "Second")
    assert outbox_statuses() == {}
    assert marked_rows() == 1
    deliver()  # not due for five minutes: queued, not sent
    assert (marked_rows(), outbox_statuses(), sink.received) == (0, {OutboxStatus.PENDING: 1}, [])
    waiting = db.session.scalars(select(NotificationOutbox)).one()
    assert waiting.message_count == 2
    service.send_message(marketplace.staff_a, thread.id, "Third")
    deliver()  # the third joins the email that waits
    assert outbox_statuses() == {OutboxStatus.PENDING: 1}
    deliver(now=utcnow() + LATER)
    [email] = sink.received
    assert "There are 3 new messages" in email.text()
    output = app.test_cli_runner().invoke(args=["notifications", "status"]).output
    assert "marked     0" in output and "sent       1" in output


def test_smtp_refusing_then_back_delivers_every_email_exactly_once(app, service, marketplace, sink):
    for customer in (marketplace.customer_a, marketplace.customer_a2):
        for number in range(3):
            start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, customer, subject=f"Order {number}")
    sink.answer = "451 4.3.0 Try again later"
    deliver()
    assert sink.received == []
    assert outbox_statuses() == {OutboxStatus.RETRYING: 6}

    sink.stop()  # the server is gone altogether
    [report] = deliver(now=utcnow() + LATER)
    assert report.errors and "ConnectionRefusedError" in report.errors[0]
    assert outbox_statuses() == {OutboxStatus.RETRYING: 6}

    sink.answer = None
    sink.start()
    deliver(now=utcnow() + 2 * LATER)
    deliver(now=utcnow() + 3 * LATER)
    subjects = sorted((item.envelope_to[0], item.subject) for item in sink.received)
    assert subjects == sorted((address, f"New message: Order {n}")
                              for address in ("cust@example", "cust2@example") for n in range(3))
    assert outbox_statuses() == {OutboxStatus.SENT: 6}


def test_a_connection_lost_in_the_middle_of_a_batch_sends_nothing_twice_and_loses_nothing(
        app, service, marketplace, sink):
    # The worker hands the next email to its SMTP thread before the server has answered for this
    # one: once the connection is gone, that next one must be neither sent nor recorded as sent.
    for customer in (marketplace.customer_a, marketplace.customer_a2):
        for number in range(3):
            start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, customer, subject=f"Order {number}")
    sink.hang_up_after = 2
    [report] = deliver()
    assert report.sent == 2 and "SMTPServerDisconnected" in report.errors[0]
    assert outbox_statuses() == {OutboxStatus.SENT: 2, OutboxStatus.RETRYING: 4}
    assert len(sink.received) == 2

    sink.hang_up_after = None
    deliver(now=utcnow() + LATER)
    subjects = sorted((item.envelope_to[0], item.subject) for item in sink.received)
    assert subjects == sorted((address, f"New message: Order {n}")
                              for address in ("cust@example", "cust2@example") for n in range(3))
    assert outbox_statuses() == {OutboxStatus.SENT: 6}


def test_a_permanent_refusal_fails_that_email_and_the_rest_go_on(app, service, marketplace, sink):
    sink.refuse_recipients["cust@example"] = "550 5.1.1 No such mailbox"
    vendor_thread(service, marketplace)
    start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2)
    deliver()
    assert [item.envelope_to for item in sink.received] == [["cust2@example"]]
    failed = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.status == OutboxStatus.FAILED)).one()
    assert "550" in failed.last_error and "No such mailbox" in failed.last_error

    runner = app.test_cli_runner()
    status = runner.invoke(args=["notifications", "status"]).output
    assert re.search(r"failed\s+1", status) and "No such mailbox" in status
    sink.refuse_recipients.clear()
    assert "1 failed emails queued again" in runner.invoke(args=["notifications", "retry-failed"]).output
    assert "sent 1" in runner.invoke(args=["notifications", "send-due"]).output
    assert [item.envelope_to for item in sink.received] == [["cust2@example"], ["cust@example"]]


def test_unsubscribe_link_works_without_a_session_and_refuses_tampering(app, service, marketplace, sink, client):
    app.config["WTF_CSRF_ENABLED"] = True
    thread = vendor_thread(service, marketplace)
    other = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
                  subject="Another order")
    deliver()
    by_subject = {item.subject: item for item in sink.to("cust@example")}
    text = by_subject["New message: Your <order> #42"].text()
    page_url = re.search(r"Stop emails about it: http://127\.0\.0\.1:5000(\S+)", text).group(1)
    token = page_url.rsplit("/", 1)[1]

    page = client.get(page_url)
    assert page.status_code == 200
    assert "Your &lt;order&gt; #42" in page.text and "Unsubscribe" in page.text
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/email/unsubscribe/{tampered}").status_code == 404
    assert client.post(page_url).status_code == 400  # the form needs its CSRF token

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post(page_url, data={"csrf_token": csrf})
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert service.get_conversation(marketplace.customer_a, thread.id).email_notifications is False
    assert service.get_conversation(marketplace.customer_a, other.id).email_notifications is True

    # The mail client's one-click POST (RFC 8058): no session, no CSRF token.
    other_text = str(by_subject["New message: Another order"].message["List-Unsubscribe"]).strip().strip("<>")
    one_click = client.post(other_text.replace("http://127.0.0.1:5000", ""),
                            data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert service.get_conversation(marketplace.customer_a, other.id).email_notifications is False

    service.send_message(marketplace.staff_a, thread.id, "Anyone?")
    service.send_message(marketplace.staff_a, other.id, "Anyone?")
    sink.received.clear()
    deliver()
    assert sink.received == []


def test_a_token_cannot_be_moved_to_another_person(app, service, marketplace, sink, client):
    from messaging.notifications.tokens import unsubscribe_token

    thread = vendor_thread(service, marketplace)
    customer_row, staff_row = sorted(db.session.execute(
        select(ConversationParticipant.participant_type, ConversationParticipant.id)
        .where(ConversationParticipant.conversation_id == thread.id)).all())
    forged = unsubscribe_token(customer_row[1], thread.id + 1)  # a real signature, the wrong conversation
    assert client.get(f"/email/unsubscribe/{forged}").status_code == 404
    assert client.get("/email/unsubscribe/not-a-token").status_code == 404


def test_a_deactivated_recipient_gets_nothing(app, service, marketplace, sink):
    from messaging.models import Customer

    vendor_thread(service, marketplace)
    db.session.get(Customer, marketplace.customer_a.id).is_active = False
    db.session.commit()
    deliver()
    assert sink.received == []
    assert outbox_statuses() == {OutboxStatus.CANCELLED: 1}


def test_the_file_backend_writes_one_eml_per_email(app, service, marketplace, tmp_path):
    """What `make run` does: MAIL_BACKEND=file puts real .eml files in instance/mail/ (here tmp_path)."""
    from email import policy
    from email.parser import BytesParser

    from messaging.notifications.mail import init_mail

    app.config.update(MAIL_BACKEND="file", MAIL_FILE_PATH=str(tmp_path / "mail"))
    init_mail(app)
    vendor_thread(service, marketplace)
    start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2)
    deliver()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    recipients = sorted(str(BytesParser(policy=policy.default).parsebytes(f.read_bytes())["To"]) for f in files)
    assert recipients == ["Cid Customer <cust2@example>", "Cora Customer <cust@example>"]


def test_purge_keeps_what_is_still_waiting_or_recent(app, service, marketplace, sink):
    thread = vendor_thread(service, marketplace)
    deliver()
    service.send_message(marketplace.staff_a, thread.id, "Waiting")
    app.config["NOTIFY_DELAY"] = 300
    start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2)
    queue_marked()  # a worker's pass, which here finds nothing due
    runner = app.test_cli_runner()
    assert "Deleted 0 outbox rows" in runner.invoke(args=["notifications", "purge", "--days", "1"]).output
    db.session.execute(NotificationOutbox.__table__.update().values(created_at=utcnow() - timedelta(days=40)))
    db.session.commit()
    assert "Deleted 1 outbox rows" in runner.invoke(args=["notifications", "purge"]).output
    assert outbox_statuses() == {OutboxStatus.PENDING: 2}
