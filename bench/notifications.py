"""How fast workers deliver the outbox.

10,000 emails, marked as sends mark them (``bench/notification_load.py``) on a fresh SQLite
file and a fresh PostgreSQL database, queued by the workers' first pass and delivered to a
local aiosmtpd sink by one worker, and on PostgreSQL by four worker processes.

What email costs a send is no longer measured here: since 2026-11-27 a send writes nothing for
email but the marks in the UPDATE that counts it unread (messaging/notifications/outbox.py);
``bench/run.py`` measures the send as a whole.

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py --no-postgres
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_DELIVERY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/email_bench_delivery"


# ---------------------------------------------------------------------- delivery throughput


class CountingSink:
    """An aiosmtpd handler that only counts: the sink must not be the bottleneck measured."""

    def __init__(self, counter):
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 OK"


def run_sink(port: int, counter, ready, stop) -> None:
    """The SMTP sink, in a process of its own as a real mail server would be (not sharing our GIL)."""
    from aiosmtpd.controller import Controller

    controller = Controller(CountingSink(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def delivery_app(url: str, port: int):
    from messaging import create_app

    return create_app("development", overrides={
        "SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
        # Due as soon as the workers queue them.
        "NOTIFY_BATCH_SIZE": 100, "NOTIFY_DELAY": 0, "NOTIFY_MIN_INTERVAL": 0,
    })


def fresh_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.drivername.startswith("sqlite"):
        Path(target.database).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(host=target.host, port=target.port or 5432, user=target.username, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{target.database}"')


def queue(url: str, port: int, count: int) -> None:
    from flask_migrate import upgrade

    from bench.notification_load import queue_emails
    from messaging.extensions import db

    fresh_database(url)
    app = delivery_app(url, port)
    with app.app_context():
        upgrade()
        queue_emails(count)
        db.engine.dispose()


def work_until_done(url: str, port: int, number: int) -> tuple[int, float]:
    from messaging.clock import utcnow
    from messaging.extensions import db
    from messaging.notifications.delivery import deliver_due

    app = delivery_app(url, port)
    sent = 0
    cpu_started = time.process_time()
    with app.app_context():
        while True:
            report = deliver_due(f"bench-{number}", now=utcnow())
            if not report.claimed:
                break
            sent += report.sent
        db.engine.dispose()
    return sent, time.process_time() - cpu_started


def measure_delivery(url: str, count: int, workers: int) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds of the workers, sent by the workers, received by the sink)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from email_support import free_port

    port = free_port()
    context = multiprocessing.get_context("spawn")
    counter, ready, stop = context.Value("i", 0), context.Event(), context.Event()
    sink = context.Process(target=run_sink, args=(port, counter, ready, stop))
    sink.start()
    ready.wait(30)
    try:
        queue(url, port, count)
        started = time.perf_counter()
        with context.Pool(workers) as pool:
            outcomes = pool.starmap(work_until_done, [(url, port, n) for n in range(workers)])
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        sink.join(30)
    return elapsed, sum(cpu for _, cpu in outcomes), sum(sent for sent, _ in outcomes), counter.value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)

    print(f"Delivery of {args.emails:,} marked emails, queued by the workers, into a local aiosmtpd sink:")
    print("| database | workers | seconds | emails/s | worker CPU ms/email | sent | received |")
    print("|---|---|---|---|---|---|---|")
    runs = [] if args.no_sqlite else [("sqlite", f"sqlite:///{ROOT / 'bench' / 'data' / 'email_delivery.sqlite3'}", 1)]
    if not args.no_postgres:
        runs += [("postgresql", PG_DELIVERY_URL, 1), ("postgresql", PG_DELIVERY_URL, 4)]
    for name, url, workers in runs:
        seconds, cpu, sent, received = measure_delivery(url, args.emails, workers)
        print(f"| {name} | {workers} | {seconds:.1f} | {sent / seconds:.0f} | {1000 * cpu / max(sent, 1):.2f} | "
              f"{sent:,} | {received:,} |", flush=True)
    if not args.no_postgres:
        fresh_database(PG_DELIVERY_URL)  # leaves an empty database, dropped below
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as connection:
            connection.execute('DROP DATABASE IF EXISTS "email_bench_delivery" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
