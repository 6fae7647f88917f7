"""What email notifications cost: added send latency, and how fast workers deliver the outbox.

1. **send p95 with and without notifications** on the large benchmark database of
   ``bench/generate.py`` (``make bench-data``): the same ``send_message`` calls as
   ``bench/run.py``, alternating between the real hook and a no-op in its place, so the
   difference is what ``notify_new_message`` adds (its outbox rows are removed afterwards).
2. **delivery throughput**: 10,000 emails queued (``bench/notification_load.py``) on a
   fresh SQLite file and a fresh PostgreSQL database, delivered to a local aiosmtpd sink
   by one worker, and on PostgreSQL by four worker processes.

    .venv/bin/python bench/notifications.py                    # both parts, both databases
    .venv/bin/python bench/notifications.py --skip-send        # throughput only (no large data needed)
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import DEFAULT_URL, service_app  # noqa: E402

PG_BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/email_bench"
PG_DELIVERY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/email_bench_delivery"


# ---------------------------------------------------------------------- 1. send cost


def measure_send_cost(url: str, iterations: int, warmup: int) -> list[tuple[str, list[float], list[float]]]:
    from sqlalchemy import text

    import messaging.services.conversations.commands as messaging_module
    from bench.run import capture_rows, pick_subjects, restore, snapshot
    from messaging.extensions import db
    from messaging.services import messaging_service

    real_hook = messaging_module.notification_service

    class NoNotifications:
        def __init__(self, session):
            pass

        def notify_new_message(self, **kwargs):
            return 0

    app = service_app(url)
    app.config["ATTACHMENT_ROOT"] = tempfile.mkdtemp(prefix="bench-uploads-")
    with app.app_context():
        principals, _, sends, _ = pick_subjects(db)
        marks = snapshot(db)
        outbox_mark = db.session.execute(text("SELECT coalesce(max(id), 0) FROM notification_outbox")).scalar()
        saved = capture_rows(db, [c for ids in sends.values() for c in ids])
        db.session.remove()
    results = []
    try:
        for role, principal in principals.items():
            targets = sends[role]
            if not targets:
                continue
            samples = {True: [], False: []}
            cpu_samples = {True: [], False: []}
            for i in range(warmup + iterations):
                # Alternate, so load from elsewhere on the machine falls on both alike.
                for with_notifications in (True, False):
                    messaging_module.notification_service = real_hook if with_notifications else NoNotifications
                    with app.app_context():
                        service = messaging_service()
                        cpu_started = time.thread_time()
                        started = time.perf_counter()
                        service.send_message(principal, targets[i % len(targets)], f"Notification bench {i}")
                        db.session.commit()  # the caller's unit of work, as a request's
                        elapsed = (time.perf_counter() - started) * 1000
                        cpu = (time.thread_time() - cpu_started) * 1000
                    if i >= warmup:
                        samples[with_notifications].append(elapsed)
                        cpu_samples[with_notifications].append(cpu)
            results.append((role, samples[True], samples[False], cpu_samples[True], cpu_samples[False]))
    finally:
        messaging_module.notification_service = real_hook
        with app.app_context():
            db.session.execute(text("DELETE FROM notification_outbox WHERE id > :m"), {"m": outbox_mark})
            db.session.commit()
            restore(db, marks, saved, db.engine.dialect.name)
            db.engine.dispose()
    return results


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(fraction * len(ordered))) - 1)]


# ---------------------------------------------------------------------- 2. delivery throughput


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
        "NOTIFY_BATCH_SIZE": 100,
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
    parser.add_argument("--sqlite-url", default=DEFAULT_URL, help="the large benchmark database (SQLite)")
    parser.add_argument("--pg-url", default=PG_BENCH_URL, help="the large benchmark database (PostgreSQL)")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--skip-send", action="store_true")
    parser.add_argument("--skip-delivery", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)

    if not args.skip_send:
        print("send_message p50/p95 (ms) with notifications and without (the hook replaced by a no-op):")
        print("(CPU: this process's CPU time per call, which on SQLite is all the work and is not")
        print(" inflated by waiting for a busy machine's CPUs; on PostgreSQL the server's share is not in it.)")
        print("| database | role | with p50 | with p95 | without p50 | without p95 | added p50 | added p95 "
              "| added CPU p50 | added CPU p95 |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        urls = ([] if args.no_sqlite else [("sqlite", args.sqlite_url)]) + (
            [] if args.no_postgres else [("postgresql", args.pg_url)])
        for name, url in urls:
            for role, with_ms, without_ms, with_cpu, without_cpu in measure_send_cost(
                    url, args.iterations, args.warmup):
                p = percentile
                print(f"| {name} | {role} | {p(with_ms, .5):.2f} | {p(with_ms, .95):.2f} | {p(without_ms, .5):.2f} | "
                      f"{p(without_ms, .95):.2f} | {p(with_ms, .5) - p(without_ms, .5):+.2f} | "
                      f"{p(with_ms, .95) - p(without_ms, .95):+.2f} | {p(with_cpu, .5) - p(without_cpu, .5):+.2f} | "
                      f"{p(with_cpu, .95) - p(without_cpu, .95):+.2f} |", flush=True)

    if not args.skip_delivery:
        print(f"\nDelivery of {args.emails:,} queued emails into a local aiosmtpd sink:")
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
