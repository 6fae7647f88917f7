"""The outbox worker: claim due rows, decide what still needs saying, send over one SMTP connection.

Claims are one guarded UPDATE (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so many
workers never take the same row. Outcomes are committed as the SMTP server answers, a few
(RECORDED_TOGETHER) in one statement; a worker dying between an answer and that write is the
only way an email goes out twice (its claim expires after CLAIM_LEASE and another worker sends
it again). A thread of its own talks to the SMTP server, so the next email is built while the
server answers for this one.
"""
import smtplib
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import Conversation, Customer, Message, MessageAttachment, ParticipantType, User, Vendor
from messaging.models.notifications import NotificationOutbox, OutboxStatus
from messaging.notifications import tokens
from messaging.notifications.mail import mail_connection, sender_domain
from messaging.notifications.outbox import notification_service
from messaging.notifications.rendering import AnnouncedMessage, NotificationEmail, build_email, sender_label
from messaging.roles import role_of
from messaging.services.names import resolve_names

CLAIM_LEASE = timedelta(minutes=10)
# Marked participant rows turned into outbox rows per transaction.
QUEUE_BATCH = 500
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class BatchReport:
    queued: int = 0
    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(worker_id: str, *, now: datetime | None = None, limit: int | None = None) -> BatchReport:
    """One pass: queue what sends marked for email, claim up to ``limit`` due rows and settle every one of them."""
    now = now or utcnow()
    limit = limit or current_app.config["NOTIFY_BATCH_SIZE"]
    report = BatchReport(queued=queue_marked())
    claimed_ids = claim_due(worker_id, now=now, limit=limit)
    report.claimed = len(claimed_ids)
    if not claimed_ids:
        return report
    try:
        notifications, cancelled = _prepare(claimed_ids)
    except Exception as error:
        # A bug or bad data: the rows wait and count their attempts rather than loop for ever.
        db.session.rollback()
        for outbox_id in claimed_ids:
            _retry_later(outbox_id, worker_id, f"could not build the email: {error!r}", report)
        db.session.commit()
        raise
    for outbox_id, reason in cancelled:
        _settle(outbox_id, worker_id, status=OutboxStatus.CANCELLED, error=reason)
        report.cancelled += 1
    db.session.commit()
    if notifications:
        _send_all(notifications, worker_id, report)
    return report


def queue_marked() -> int:
    """Every message marked for email so far in the outbox, a batch per transaction; how many rows were marked.

    Run just before claiming, so a message marked before a waiting email falls due joins that email,
    as it would have had the send queued it itself.
    """
    notifications = notification_service(db.session)
    queued = 0
    while True:
        batch = notifications.queue_marked(limit=QUEUE_BATCH)
        db.session.commit()
        queued += batch
        if batch < QUEUE_BATCH:
            return queued


def claim_due(worker_id: str, *, now: datetime, limit: int) -> list[int]:
    claimable = or_(
        and_(NotificationOutbox.status.in_(OutboxStatus.WAITING), NotificationOutbox.due_at <= now),
        and_(NotificationOutbox.status == OutboxStatus.SENDING, NotificationOutbox.claimed_at < now - CLAIM_LEASE),
    )
    # SKIP LOCKED: rows another worker is claiming are passed over, not waited for (PostgreSQL;
    # SQLite renders no FOR UPDATE and serialises writers, and the guard repeats the condition).
    candidates = (
        select(NotificationOutbox.id)
        .where(claimable)
        .order_by(NotificationOutbox.due_at, NotificationOutbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        update(NotificationOutbox)
        .where(NotificationOutbox.id.in_(candidates), claimable)
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            claimed_by=worker_id,
            attempts=NotificationOutbox.attempts + 1,
        )
        .returning(NotificationOutbox.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def _prepare(outbox_ids: list[int]) -> tuple[list[NotificationEmail], list[tuple[int, str]]]:
    """What each email must say, and the rows no longer worth an email (read meanwhile, turned off)."""
    rows = db.session.scalars(
        select(NotificationOutbox)
        .where(NotificationOutbox.id.in_(outbox_ids))
        .options(selectinload(NotificationOutbox.participant))
    ).all()
    participants = {row.id: row.participant for row in rows}
    accounts = _accounts([p for p in participants.values()])
    conversations = {
        conversation.id: (conversation, vendor_name)
        for conversation, vendor_name in db.session.execute(
            select(Conversation, Vendor.name)
            .outerjoin(Vendor, Vendor.id == Conversation.vendor_id)
            .where(Conversation.id.in_({row.conversation_id for row in rows}))
        )
    }
    messages = db.session.scalars(
        select(Message)
        .where(
            or_(*[
                and_(Message.conversation_id == row.conversation_id,
                     Message.id.between(row.first_message_id, row.last_message_id))
                for row in rows
            ]),
            Message.is_system_message.is_(False),
        )
        .order_by(Message.id)
    ).all()
    by_conversation = defaultdict(list)
    for message in messages:
        by_conversation[message.conversation_id].append(message)
    attachment_names = defaultdict(list)
    if messages:
        for message_id, name in db.session.execute(
            select(MessageAttachment.message_id, MessageAttachment.original_filename)
            .where(MessageAttachment.message_id.in_([m.id for m in messages]))
            .order_by(MessageAttachment.id)
        ):
            attachment_names[message_id].append(name)
    names = resolve_names(db.session, {(m.sender_type, m.sender_id) for m in messages})
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")

    notifications, cancelled = [], []
    with current_app.test_request_context(base_url=base_url):
        for row in rows:
            participant = participants[row.id]
            account = accounts.get((participant.participant_type, participant.participant_id))
            if not participant.email_notifications:
                cancelled.append((row.id, "email notifications turned off"))
                continue
            if account is None:
                cancelled.append((row.id, "recipient account inactive"))
                continue
            announced = [
                message for message in by_conversation[row.conversation_id]
                if row.first_message_id <= message.id <= row.last_message_id
                and (message.sender_type, message.sender_id) != (participant.participant_type, participant.participant_id)
                and (participant.last_read_at is None or message.created_at > participant.last_read_at)
            ]
            if participant.unread_count == 0 or not announced:
                cancelled.append((row.id, "read in the app"))
                continue
            conversation, vendor_name = conversations[row.conversation_id]
            pages = role_of(ParticipantType(participant.participant_type)).pages
            unsubscribe = tokens.unsubscribe_token(participant.id, conversation.id)
            notifications.append(NotificationEmail(
                outbox_id=row.id,
                conversation_id=conversation.id,
                subject=conversation.subject,
                recipient_name=account.full_name,
                recipient_email=account.email,
                messages=[
                    AnnouncedMessage(
                        sender_label=sender_label(
                            ParticipantType(m.sender_type), names[(m.sender_type, m.sender_id)], vendor_name
                        ),
                        created_at=m.created_at,
                        content=m.content,
                        attachment_names=attachment_names[m.id],
                    )
                    for m in announced
                ],
                thread_url=pages.url("thread", conversation_id=conversation.id, _external=True),
                unsubscribe_url=_external("email_unsubscribe.confirm", token=unsubscribe),
                one_click_unsubscribe_url=_external("email_unsubscribe.one_click", token=unsubscribe),
                reply_address=tokens.reply_address(participant.id, conversation.id),
            ))
    return notifications, cancelled


def _external(endpoint: str, **values) -> str:
    from flask import url_for

    return url_for(endpoint, _external=True, **values)


def _accounts(participants) -> dict:
    """Active accounts of these participants, by (participant type, id)."""
    user_ids = {p.participant_id for p in participants if p.participant_type != ParticipantType.CUSTOMER}
    customer_ids = {p.participant_id for p in participants if p.participant_type == ParticipantType.CUSTOMER}
    found = {}
    if user_ids:
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids), User.is_active.is_(True)))}
        for p in participants:
            if p.participant_type != ParticipantType.CUSTOMER and p.participant_id in users:
                found[(p.participant_type, p.participant_id)] = users[p.participant_id]
    if customer_ids:
        for customer in db.session.scalars(
            select(Customer).where(Customer.id.in_(customer_ids), Customer.is_active.is_(True))
        ):
            found[(ParticipantType.CUSTOMER, customer.id)] = customer
    return found


# One email travels while the next is built. More ahead than this would not go faster (one
# connection sends one email at a time) and would widen what a killed worker sends twice.
SENDS_AHEAD = 2


def _send_all(notifications: list[NotificationEmail], worker_id: str, report: BatchReport) -> None:
    """Send through one connection; record each row's outcome as the server answers for it.

    Each email is built just before it is handed to the sender, so building one overlaps
    sending the one before."""
    connection = mail_connection()
    domain = sender_domain()
    waiting = deque(notifications)
    in_flight: deque = deque()
    try:
        with _outcomes() as outcomes, _SmtpSender(connection) as sender:
            connection.open()
            while waiting or in_flight:
                while waiting and len(in_flight) < SENDS_AHEAD:
                    notification = waiting.popleft()
                    try:
                        email = build_email(notification, domain=domain)
                        email.freeze()
                    except Exception as error:
                        # A bug or bad data in one email: its row waits and counts attempts, the rest go on.
                        report.errors.append(f"outbox row {notification.outbox_id}: {error!r}")
                        _retry_later(notification.outbox_id, worker_id, f"could not build the email: {error!r}",
                                     report, outcomes)
                        continue
                    in_flight.append((notification.outbox_id, sender.submit(email)))
                if not in_flight:
                    continue
                outbox_id, sending = in_flight[0]
                try:
                    sending.result()
                except smtplib.SMTPRecipientsRefused as error:
                    codes = [code for code, _ in error.recipients.values()]
                    _refused(outbox_id, worker_id, min(codes), _describe(error.recipients), report, outcomes)
                except smtplib.SMTPResponseException as error:
                    _refused(outbox_id, worker_id, error.smtp_code, _decode(error.smtp_error), report, outcomes)
                else:
                    _settle(outbox_id, worker_id, status=OutboxStatus.SENT, on=outcomes)
                    report.sent += 1
                in_flight.popleft()
            # A retry read its row's attempts: end that read, so the next claim does not write from a
            # snapshot older than the outcomes written meanwhile (SQLite refuses that).
            db.session.commit()
    except (OSError, smtplib.SMTPException) as error:
        # The server is gone or unreachable: every row not yet answered for waits and tries again
        # (the sender sent nothing after the connection failed, see _SmtpSender).
        reason = f"{type(error).__name__}: {error}"
        report.errors.append(reason)
        for outbox_id in [outbox_id for outbox_id, _ in in_flight] + [n.outbox_id for n in waiting]:
            _retry_later(outbox_id, worker_id, reason, report)
        db.session.commit()
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass


class _SmtpSender:
    """Sends on one connection, one email at a time, in a thread of its own.

    A refusal concerns one email and the next one goes on; any other failure means the
    connection is lost, and from then on nothing more is sent, so every email the worker has
    not seen answered was not sent and can safely wait for a retry.
    """

    def __init__(self, connection):
        self.connection = connection
        self.lost: BaseException | None = None
        # Building the MIME message reads the app's mail settings: the thread works in the app's context.
        self.thread = ThreadPoolExecutor(1, "smtp", initializer=current_app.app_context().push)

    def __enter__(self) -> "_SmtpSender":
        return self

    def __exit__(self, *exc_info) -> None:
        self.thread.shutdown(wait=True, cancel_futures=True)

    def submit(self, email) -> Future:
        return self.thread.submit(self._send, email)

    def _send(self, email) -> None:
        if self.lost is not None:
            raise self.lost
        email.connection = self.connection
        try:
            email.send()
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise
        except BaseException as error:
            self.lost = error
            raise


# Outcomes are written a few at a time, in one round trip: written one by one, the worker
# waited on the database once per email. A worker killed between an SMTP answer and the write
# sends those few again (the README's one at-least-once case): at most this many plus SENDS_AHEAD.
RECORDED_TOGETHER = 8


class _OutcomeLog:
    """Outcomes of the emails answered for, on their way to the database (see :func:`_outcomes`)."""

    def __init__(self, connection: Connection | None):
        self.connection = connection
        self.pending: list[dict] = []

    def add(self, outcome: dict) -> None:
        self.pending.append(outcome)
        if len(self.pending) >= RECORDED_TOGETHER:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        if self.connection is not None:
            self.connection.execute(_SETTLE, pending)
        else:
            db.session.connection().execute(_SETTLE, pending)
            db.session.commit()


@contextmanager
def _outcomes() -> Iterator[_OutcomeLog]:
    """Where the outcomes of a batch are committed, a few at a time and whatever happens last."""
    with _outcome_connection() as connection:
        log = _OutcomeLog(connection)
        try:
            yield log
        finally:
            # Whatever went wrong with the SMTP server, what it accepted is recorded first.
            log.flush()


@contextmanager
def _outcome_connection() -> Iterator[Connection | None]:
    """A connection of its own in autocommit mode: a few outcomes are one statement, without the
    session's BEGIN and COMMIT around it. On PostgreSQL it also does not wait for the WAL flush,
    so a worker is not bound to the disk's sync rate; only a crash of the database server itself
    can lose the last fraction of a second of these records, and those emails are then sent
    again, the same at-least-once case as a worker dying after the SMTP server accepted an email.
    A database that is one connection in all (the tests' in-memory SQLite) has no second
    connection to give: None, and the session commits the outcomes there.
    """
    if isinstance(db.engine.pool, SingletonThreadPool | StaticPool):
        yield None
        return
    on_postgresql = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if on_postgresql:
            connection.exec_driver_sql("SET synchronous_commit TO OFF")
        try:
            yield connection
        finally:
            if on_postgresql:
                connection.exec_driver_sql("RESET synchronous_commit")


def _refused(outbox_id: int, worker_id: str, code: int, reason: str, report: BatchReport,
             outcomes: _OutcomeLog | None = None) -> None:
    if code >= 500:
        _settle(outbox_id, worker_id, status=OutboxStatus.FAILED, error=f"{code} {reason}", on=outcomes)
        report.failed += 1
    else:
        _retry_later(outbox_id, worker_id, f"{code} {reason}", report, outcomes)


def _retry_later(outbox_id: int, worker_id: str, reason: str, report: BatchReport,
                 outcomes: _OutcomeLog | None = None) -> None:
    row = db.session.get(NotificationOutbox, outbox_id)
    config = current_app.config
    if row.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
        _settle(outbox_id, worker_id, status=OutboxStatus.FAILED,
                error=f"gave up after {row.attempts} attempts: {reason}", on=outcomes)
        report.failed += 1
        return
    backoff = min(timedelta(seconds=config["NOTIFY_RETRY_BASE_SECONDS"] * 2 ** (row.attempts - 1)), MAX_BACKOFF)
    _settle(outbox_id, worker_id, status=OutboxStatus.RETRYING, error=reason, due_at=utcnow() + backoff, on=outcomes)
    report.retrying += 1


# Built once, every value a parameter: settling runs once per email, and building the statement
# (or running it through the ORM's bulk-update layer) cost more than the database spends on it.
_SETTLE = (
    update(NotificationOutbox)
    .where(
        NotificationOutbox.id == bindparam("outbox_id"),
        NotificationOutbox.status == OutboxStatus.SENDING,
        # Only the worker holding the claim settles the row.
        NotificationOutbox.claimed_by == bindparam("worker_id"),
    )
    .values(
        status=bindparam("new_status"),
        last_error=bindparam("last_error"),
        sent_at=func.coalesce(bindparam("sent_at", type_=NotificationOutbox.sent_at.type), NotificationOutbox.sent_at),
        due_at=func.coalesce(bindparam("due_at", type_=NotificationOutbox.due_at.type), NotificationOutbox.due_at),
    )
)


def _settle(outbox_id: int, worker_id: str, *, status: str, error: str | None = None, due_at=None,
            on: _OutcomeLog | None = None) -> None:
    """Record a row's outcome in ``on`` (see :func:`_outcomes`), or in the session's transaction."""
    outcome = {
        "outbox_id": outbox_id, "worker_id": worker_id, "new_status": status, "last_error": error,
        "sent_at": utcnow() if status == OutboxStatus.SENT else None, "due_at": due_at,
    }
    if on is not None:
        on.add(outcome)
    else:
        db.session.connection().execute(_SETTLE, outcome)


def _describe(recipients: dict) -> str:
    return "; ".join(f"{address}: {code} {_decode(text)}" for address, (code, text) in recipients.items())


def _decode(text) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)
