"""``flask notifications work|send-due|status|retry-failed``: the outbox worker and its upkeep."""
import os
import signal
import socket
import threading

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select, update

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import ConversationParticipant
from messaging.models.notifications import NotificationOutbox, OutboxStatus
from messaging.notifications.delivery import deliver_due


@click.group("notifications", help="Deliver the email notifications queued in the outbox.")
def notifications_group():
    pass


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@notifications_group.command("send-due", help="One pass over every due email (for cron), then exit.")
@with_appcontext
def send_due_command():
    worker = _worker_id()
    totals = {"sent": 0, "cancelled": 0, "retrying": 0, "failed": 0}
    while True:
        report = deliver_due(worker)
        for key in totals:
            totals[key] += getattr(report, key)
        # Stop once nothing is due, or when the server refuses everything (the rest waits too).
        if not report.claimed or report.errors:
            break
    click.echo(", ".join(f"{key} {value}" for key, value in totals.items()))


@notifications_group.command("work", help="Deliver continuously until SIGTERM or Ctrl-C.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
@with_appcontext
def work_command(poll: float):
    stopping = threading.Event()

    def stop(signum, _frame):
        click.echo(f"Signal {signum}: finishing the current batch, then stopping.")
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker = _worker_id()
    click.echo(f"Worker {worker} delivering notifications.")
    while not stopping.is_set():
        report = deliver_due(worker)
        if report.claimed:
            click.echo(f"sent {report.sent}, cancelled {report.cancelled}, retrying {report.retrying}, failed {report.failed}")
        db.session.remove()
        if not report.claimed or report.errors:
            stopping.wait(poll)
    click.echo("Stopped.")


@notifications_group.command("status", help="Counts of waiting, retrying and failed emails.")
@with_appcontext
def status_command():
    counts = dict(
        db.session.execute(
            select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status)
        ).all()
    )
    due = db.session.scalar(
        select(func.count()).where(
            NotificationOutbox.status.in_(OutboxStatus.WAITING), NotificationOutbox.due_at <= utcnow()
        )
    )
    marked = db.session.scalar(
        select(func.count()).where(ConversationParticipant.email_pending_since.is_not(None))
    )
    # Marked by sends, not yet in the outbox: the next pass of a worker queues them.
    click.echo(f"{'marked':<10} {marked}")
    for status in (OutboxStatus.PENDING, OutboxStatus.RETRYING, OutboxStatus.SENDING, OutboxStatus.FAILED,
                   OutboxStatus.SENT, OutboxStatus.CANCELLED):
        click.echo(f"{status:<10} {counts.get(status, 0)}")
    click.echo(f"{'due now':<10} {due}")
    for outbox_id, error in db.session.execute(
        select(NotificationOutbox.id, NotificationOutbox.last_error)
        .where(NotificationOutbox.status == OutboxStatus.FAILED)
        .order_by(NotificationOutbox.id.desc())
        .limit(10)
    ):
        click.echo(f"failed #{outbox_id}: {error}")


@notifications_group.command("retry-failed", help="Queue every failed email again, due now.")
@with_appcontext
def retry_failed_command():
    result = db.session.execute(
        update(NotificationOutbox)
        .where(NotificationOutbox.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.RETRYING, due_at=utcnow(), attempts=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    click.echo(f"{result.rowcount} failed emails queued again.")


@notifications_group.command("purge", help="Delete sent and cancelled emails, and received Message-IDs, older than DAYS.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def purge_command(days: int):
    from datetime import timedelta

    from sqlalchemy import delete

    from messaging.models.notifications import InboundEmail

    cutoff = utcnow() - timedelta(days=days)
    # Sent rows younger than NOTIFY_MIN_INTERVAL are what the interval is measured from; days >= 1 keeps them.
    outbox = db.session.execute(
        delete(NotificationOutbox)
        .where(NotificationOutbox.status.in_((OutboxStatus.SENT, OutboxStatus.CANCELLED)),
               NotificationOutbox.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    inbound = db.session.execute(
        delete(InboundEmail).where(InboundEmail.received_at < cutoff).execution_options(synchronize_session=False)
    )
    db.session.commit()
    click.echo(f"Deleted {outbox.rowcount} outbox rows and {inbound.rowcount} received Message-IDs.")
