"""Four workers on PostgreSQL deliver 2,000 queued emails to a real SMTP server: none twice, none missing."""
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from bench.notification_load import queue_emails
from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models.notifications import NotificationOutbox, OutboxStatus
from messaging.notifications.delivery import deliver_due
from tests.email_support import SmtpSink, send_mail_to
from tests.postgres_databases import scratch_postgres_app

EMAILS = 2000
WORKERS = 4


@pytest.fixture
def postgres_app(tmp_path):
    with scratch_postgres_app("email_workers_test", tmp_path) as app:
        yield app


def test_four_workers_deliver_every_email_exactly_once(postgres_app):
    sink = SmtpSink().start()
    send_mail_to(postgres_app, sink)
    postgres_app.config["NOTIFY_BATCH_SIZE"] = 50
    try:
        with postgres_app.app_context():
            queue_emails(EMAILS)
        barrier = threading.Barrier(WORKERS)
        errors = []
        batches = Counter()

        def work(number):
            try:
                with postgres_app.app_context():
                    barrier.wait()
                    while True:
                        report = deliver_due(f"worker-{number}", now=utcnow())
                        if not report.claimed:
                            break
                        batches[number] += 1
                        assert not report.errors, report.errors
                    db.session.remove()
            except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
                errors.append(error)

        threads = [threading.Thread(target=work, args=(number,)) for number in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors, errors
    finally:
        sink.stop()

    delivered = Counter(item.envelope_to[0] for item in sink.received)
    assert len(delivered) == EMAILS and set(delivered.values()) == {1}
    assert set(delivered) == {f"c{n}@load.example" for n in range(EMAILS)}
    assert len([number for number in batches if batches[number]]) > 1  # the work really was shared
    with postgres_app.app_context():
        statuses = dict(db.session.execute(
            select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status)).all())
        assert statuses == {OutboxStatus.SENT: EMAILS}
