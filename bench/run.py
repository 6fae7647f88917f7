"""Measure the messaging service layer on a database made by ``bench/generate.py``.

For each role (an admin, a staff user of the busiest vendor, the customer with the
most conversations) it times the real ``MessagingService`` calls, each in a fresh
application context (a new session, as a request would have) after a warm-up:

    badge          get_unread_count
    inbox          list_conversations, first page of 20 (with its total)
    thread         get_conversation of a thread of >= 50 messages (cycling over up to 10)
    open           open_thread of the same threads: what opening one on a page does (read + mark read)
    send           send_message, text only
    send+file      send_message with one small PNG attachment     (--attachments)
    and with --extra: inbox filtered to unread, to open, page 50, a search.

    .venv/bin/python bench/run.py                     # SQLite file from generate.py
    .venv/bin/python bench/run.py --url postgresql+psycopg://postgres@127.0.0.1:5432/messaging_bench
    .venv/bin/python bench/run.py --both              # both of the above, one table
    .venv/bin/python bench/run.py --profile --explain # + time per SQL statement and query plans

Messages sent by the benchmark are deleted again afterwards, and the counters they
moved are put back, so runs can be repeated on the same data.
"""
from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import DEFAULT_URL, PG_DEFAULT_URL, service_app  # noqa: E402

TARGETS_MS = {"badge": 5.0, "inbox": 20.0, "thread": 20.0, "send": 20.0}
ROLES = ("admin", "vendor", "customer")
THREAD_MIN_MESSAGES = 50


@dataclass
class Result:
    url: str
    operation: str
    role: str
    samples: list[float]
    cpu_samples: list[float] = field(default_factory=list)

    def cpu_percentile(self, fraction: float) -> float:
        ordered = sorted(self.cpu_samples)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class StatementProfile:
    """Time spent per SQL statement while one operation ran (cursor execute to result)."""

    totals: dict = field(default_factory=lambda: defaultdict(float))
    counts: dict = field(default_factory=lambda: defaultdict(int))
    params: dict = field(default_factory=dict)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * 16 for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------------- choosing who and what


def pick_subjects(db):
    """Principals and conversations to measure, chosen by SQL so every run picks the same ones."""
    from sqlalchemy import text

    from messaging.models import Customer, User, Vendor
    from messaging.services import accounts

    q = lambda sql, **kw: db.session.execute(text(sql), kw).all()  # noqa: E731
    vendor_id = q("SELECT vendor_id FROM conversations GROUP BY vendor_id ORDER BY count(*) DESC, vendor_id LIMIT 1")[0][0]
    admin_id = q(
        "SELECT participant_id FROM conversation_participants WHERE participant_type = 'admin' "
        "GROUP BY participant_id ORDER BY count(*) DESC, participant_id LIMIT 1"
    )[0][0]
    staff_id = q(
        "SELECT p.participant_id FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id "
        "WHERE p.participant_type = 'vendor' AND c.vendor_id = :v "
        "GROUP BY p.participant_id ORDER BY count(*) DESC, p.participant_id LIMIT 1", v=vendor_id
    )[0][0]
    # The busiest customer among those who are in at least one long thread.
    customer_id = q(
        "SELECT p.participant_id FROM conversation_participants p "
        "WHERE p.participant_type = 'customer' AND p.participant_id IN ("
        "  SELECT p2.participant_id FROM conversation_participants p2 JOIN conversations c ON c.id = p2.conversation_id"
        "  WHERE p2.participant_type = 'customer' AND c.message_count >= :n) "
        "GROUP BY p.participant_id ORDER BY count(*) DESC, p.participant_id LIMIT 1", n=THREAD_MIN_MESSAGES
    )[0][0]
    principals = {
        "admin": accounts.admin_principal(db.session.get(User, admin_id)),
        "vendor": accounts.vendor_principal(db.session.get(User, staff_id), db.session.get(Vendor, vendor_id)),
        "customer": accounts.customer_principal(db.session.get(Customer, customer_id)),
    }
    long_threads = {
        "admin": q("SELECT id, status FROM conversations WHERE conversation_type IN ('admin_vendor', 'admin_customer') "
                   "AND message_count >= :n ORDER BY id LIMIT 200", n=THREAD_MIN_MESSAGES),
        "vendor": q("SELECT id, status FROM conversations WHERE vendor_id = :v AND conversation_type IN "
                    "('admin_vendor', 'vendor_customer') AND message_count >= :n ORDER BY id LIMIT 200",
                    v=vendor_id, n=THREAD_MIN_MESSAGES),
        "customer": q("SELECT c.id, c.status FROM conversations c JOIN conversation_participants p ON "
                      "p.conversation_id = c.id AND p.participant_type = 'customer' AND p.participant_id = :c "
                      "WHERE c.message_count >= :n ORDER BY c.id LIMIT 200", c=customer_id, n=THREAD_MIN_MESSAGES),
    }
    # Replies go where the role would reply: a customer conversation for staff, any open one for the customer.
    send_targets = {
        "admin": q("SELECT id FROM conversations WHERE conversation_type = 'admin_customer' AND status = 'open' "
                   "ORDER BY id LIMIT 10"),
        "vendor": q("SELECT id FROM conversations WHERE vendor_id = :v AND conversation_type = 'vendor_customer' "
                    "AND status = 'open' ORDER BY id LIMIT 10", v=vendor_id),
        "customer": q("SELECT c.id FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id "
                      "AND p.participant_type = 'customer' AND p.participant_id = :c WHERE c.status = 'open' "
                      "ORDER BY c.id LIMIT 10", c=customer_id),
    }
    threads = {role: [row[0] for row in rows[:10]] for role, rows in long_threads.items()}
    sends = {role: [row[0] for row in rows] for role, rows in send_targets.items()}
    facts = {
        role: {
            "principal": f"{p.type.value} #{p.id} ({p.name})" + (f", vendor #{p.vendor_id}" if p.vendor_id else ""),
            "threads": threads[role],
            "send_to": sends[role],
        }
        for role, p in principals.items()
    }
    return principals, threads, sends, facts


# ---------------------------------------------------------------------- measuring


def operations(args, principals, threads, sends):
    """(operation, role) -> callable(service, iteration) running one real service call."""
    from sqlalchemy import text
    from werkzeug.datastructures import FileStorage

    from messaging.models import ConversationStatus
    from messaging.services.conversations import ListFilters

    png = tiny_png()
    ops = {}
    for role in ROLES:
        principal = principals[role]
        if args.extra and role == ROLES[0]:
            # What every measured call pays besides its own work: app context, session, one round trip.
            ops[("overhead: SELECT 1", "-")] = lambda s, i: s.session.execute(text("SELECT 1")).all()
        ops[("badge", role)] = lambda s, i, p=principal: s.get_unread_count(p)
        ops[("inbox", role)] = lambda s, i, p=principal: s.list_conversations(p, ListFilters(per_page=20))
        if threads[role]:
            ops[("thread", role)] = lambda s, i, p=principal, t=threads[role]: s.get_conversation(p, t[i % len(t)])
            ops[("open", role)] = lambda s, i, p=principal, t=threads[role]: s.open_thread(p, t[i % len(t)])
        if sends[role]:
            ops[("send", role)] = lambda s, i, p=principal, t=sends[role]: s.send_message(
                p, t[i % len(t)], f"Benchmark reply {i}: thanks, we are looking into it.")
            if args.attachments:
                ops[("send+file", role)] = lambda s, i, p=principal, t=sends[role]: s.send_message(
                    p, t[i % len(t)], f"Benchmark file {i}", [FileStorage(io.BytesIO(png), filename="photo.png")])
        if args.extra:
            ops[("inbox unread", role)] = lambda s, i, p=principal: s.list_conversations(
                p, ListFilters(unread_only=True))
            ops[("inbox open", role)] = lambda s, i, p=principal: s.list_conversations(
                p, ListFilters(status=ConversationStatus.OPEN))
            ops[("inbox page 50", role)] = lambda s, i, p=principal: s.list_conversations(p, ListFilters(page=50))
            ops[("inbox search", role)] = lambda s, i, p=principal: s.list_conversations(
                p, ListFilters(search="refund"))
    if args.ops:
        wanted = {name.strip() for name in args.ops.split(",")}
        ops = {key: op for key, op in ops.items() if key[0] in wanted}
    return ops


def backend_cpu_reader(db, dialect):
    """On a local PostgreSQL, a reader of the CPU seconds used by this benchmark's server process.

    The benchmark is single-threaded, so the pool only ever opens one connection and one
    backend serves every call; its /proc schedstat gives on-CPU time in nanoseconds.
    """
    from sqlalchemy import text

    if dialect != "postgresql":
        return lambda: 0.0
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.remove()
    path = Path(f"/proc/{pid}/schedstat")
    if not path.exists():
        return lambda: 0.0

    def read() -> float:
        return int(path.read_text().split()[0]) / 1e9

    return read


def snapshot(db):
    from sqlalchemy import text

    q = lambda sql: db.session.execute(text(sql)).all()  # noqa: E731
    return {
        "max_message": q("SELECT coalesce(max(id), 0) FROM messages")[0][0],
        "max_participant": q("SELECT coalesce(max(id), 0) FROM conversation_participants")[0][0],
        "max_attachment": q("SELECT coalesce(max(id), 0) FROM message_attachments")[0][0],
    }


def capture_rows(db, conversation_ids):
    from sqlalchemy import bindparam, text

    ids = sorted(set(conversation_ids))
    if not ids:
        return [], []
    conv = db.session.execute(
        text("SELECT id, message_count, last_message_at, last_message_preview FROM conversations WHERE id IN :ids")
        .bindparams(bindparam("ids", expanding=True)), {"ids": ids}).all()
    parts = db.session.execute(
        text("SELECT id, unread_count, last_read_at FROM conversation_participants WHERE conversation_id IN :ids")
        .bindparams(bindparam("ids", expanding=True)), {"ids": ids}).all()
    return conv, parts


def restore(db, marks, saved, dialect):
    """Undo what the send benchmark wrote: its messages, joined participants, counters, sequences."""
    from sqlalchemy import text

    conv, parts = saved
    s = db.session
    s.execute(text("DELETE FROM message_attachments WHERE id > :m"), {"m": marks["max_attachment"]})
    s.execute(text("DELETE FROM messages WHERE id > :m"), {"m": marks["max_message"]})
    s.execute(text("DELETE FROM conversation_participants WHERE id > :m"), {"m": marks["max_participant"]})
    for cid, count, last_at, preview in conv:
        s.execute(text("UPDATE conversations SET message_count = :c, last_message_at = :a, last_message_preview = :p "
                       "WHERE id = :i"), {"c": count, "a": last_at, "p": preview, "i": cid})
    for pid, unread, last_read in parts:
        s.execute(text("UPDATE conversation_participants SET unread_count = :u, last_read_at = :r WHERE id = :i"),
                  {"u": unread, "r": last_read, "i": pid})
    # The sends' marks for email (the data starts with none).
    s.execute(text("UPDATE conversation_participants SET email_pending_since = NULL, email_first_message_id = NULL, "
                   "email_last_message_id = NULL, email_pending_count = 0 WHERE email_pending_since IS NOT NULL"))
    if dialect == "postgresql":
        for table, mark in (("messages", "max_message"), ("conversation_participants", "max_participant"),
                            ("message_attachments", "max_attachment")):
            s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :m)"), {"m": max(marks[mark], 1)})
    s.commit()


def as_requested(app, operation: str):
    """The context a request for ``operation`` gives the service: a send's POST, else a page's GET.
    A GET reads through the request's read connection until it writes (messaging/read_connection.py;
    on PostgreSQL one of the planned_once engine, which plans each statement once), as served."""
    return app.test_request_context(method="POST" if operation.startswith("send") else "GET")


def measure_url(url, args):
    from sqlalchemy import event

    from messaging.extensions import db
    from messaging.services import messaging_service

    upload_root = tempfile.mkdtemp(prefix="bench-uploads-")
    app = service_app(url)
    app.config["ATTACHMENT_ROOT"] = upload_root
    results: list[Result] = []
    profiles: dict[tuple[str, str], StatementProfile] = {}
    with app.app_context():
        engine = db.engine
        engines = list(db.engines.values())
        dialect = engine.dialect.name
        principals, threads, sends, facts = pick_subjects(db)
        server_cpu = backend_cpu_reader(db, dialect)
        marks = snapshot(db)
        saved = capture_rows(db, [c for ids in sends.values() for c in ids])
        db.session.remove()
    ops = operations(args, principals, threads, sends)

    current: dict = {"profile": None}

    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(conn, cursor, statement, parameters, context, executemany):
        profile = current["profile"]
        if profile is not None:
            elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            profile.totals[statement] += elapsed
            profile.counts[statement] += 1
            profile.params[statement] = parameters

    for each_engine in engines:  # on PostgreSQL the planned_once engine's too
        event.listen(each_engine, "before_cursor_execute", _before)
        event.listen(each_engine, "after_cursor_execute", _after)
    try:
        # Touch everything once so the first measured operation does not pay for a cold file cache.
        for (name, _), op in ops.items():
            with as_requested(app, name):
                op(messaging_service(), 0)
        # Round robin over the operations, so a burst of load from elsewhere on the machine
        # spreads over all of them instead of spoiling one.
        # CPU time of this thread is also kept: on SQLite all the work is in-process, so it
        # shows the cost without the time the process spent waiting for a busy machine's CPUs.
        samples = {key: [] for key in ops}
        cpu_samples = {key: [] for key in ops}
        for i in range(args.warmup + args.iterations):
            for key, op in ops.items():
                with as_requested(app, key[0]):
                    service = messaging_service()
                    server_started = server_cpu()
                    cpu_started = time.thread_time()
                    started = time.perf_counter()
                    op(service, i)
                    # The caller's unit of work: a request commits once what the call wrote.
                    db.session.commit()
                    elapsed = time.perf_counter() - started
                    cpu = time.thread_time() - cpu_started + server_cpu() - server_started
                if i >= args.warmup:
                    samples[key].append(elapsed * 1000)
                    cpu_samples[key].append(cpu * 1000)
        for (name, role), op in ops.items():
            results.append(Result(url, name, role, samples[(name, role)], cpu_samples[(name, role)]))
            if args.profile or args.explain:
                profile = StatementProfile()
                current["profile"] = profile
                for i in range(args.profile_iterations):
                    with as_requested(app, name):
                        op(messaging_service(), i)
                current["profile"] = None
                profiles[(name, role)] = profile
    finally:
        for each_engine in engines:
            event.remove(each_engine, "before_cursor_execute", _before)
            event.remove(each_engine, "after_cursor_execute", _after)
        with app.app_context():
            restore(db, marks, saved, dialect)
        shutil.rmtree(upload_root, ignore_errors=True)

    report_extra = []
    if profiles:
        report_extra.append(profile_report(profiles, args.profile_iterations))
    if args.explain:
        with app.app_context():
            report_extra.append(explain_report(db, profiles, dialect))
    with app.app_context():
        for each_engine in db.engines.values():
            each_engine.dispose()
    return dialect, results, facts, "\n".join(report_extra)


def profile_report(profiles, iterations) -> str:
    lines = ["", "Time per SQL statement (mean ms per operation call; statements over 5% of the call):"]
    for (name, role), profile in profiles.items():
        per_call = {stmt: total * 1000 / iterations for stmt, total in profile.totals.items()}
        whole = sum(per_call.values())
        lines.append(f"  {name} / {role}: {whole:.2f} ms in SQL, {sum(profile.counts.values()) / iterations:.0f} "
                     f"statements")
        for stmt, ms in sorted(per_call.items(), key=lambda kv: -kv[1]):
            if ms >= 0.05 * whole:
                lines.append(f"    {ms:7.2f} ms  {' '.join(stmt.split())[:160]}")
    return "\n".join(lines)


def explain_report(db, profiles, dialect) -> str:
    """Query plans of each operation's statements that took at least 10% of its SQL time."""
    lines = ["", f"Query plans ({dialect}):"]
    seen = set()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for (name, role), profile in profiles.items():
            whole = sum(profile.totals.values()) or 1
            for stmt, total in sorted(profile.totals.items(), key=lambda kv: -kv[1]):
                if total < 0.10 * whole or stmt in seen:
                    continue
                seen.add(stmt)
                params = profile.params[stmt]
                is_select = stmt.lstrip().upper().startswith("SELECT")
                if dialect == "sqlite":
                    prefix = "EXPLAIN QUERY PLAN "
                elif is_select:
                    prefix = "EXPLAIN (ANALYZE, BUFFERS) "
                else:
                    prefix = "EXPLAIN "
                lines.append(f"\n-- {name} / {role} ({100 * total / whole:.0f}% of its SQL time)")
                lines.append("   " + " ".join(stmt.split()))
                lines.append(f"   params: {params!r}"[:300])
                try:
                    cursor.execute(prefix + stmt, params)
                    rows = cursor.fetchall()
                except Exception as error:  # noqa: BLE001  (a plan we cannot get is reported, not fatal)
                    lines.append(f"   (no plan: {error})")
                    raw.rollback()
                    continue
                if dialect == "sqlite":
                    lines.extend(f"   {'  ' * 0}{row[0]:>3} {row[1]:>3} {row[3]}" for row in rows)
                else:
                    lines.extend("   " + row[0] for row in rows)
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(lines)


# ---------------------------------------------------------------------- reporting


def table(results_by_dialect, args) -> str:
    dialects = list(results_by_dialect)
    per_dialect = ["p50", "p95"] + (["cpu p50", "cpu p95"] if args.cpu else [])
    header = ("| operation | role | " + " | ".join(f"{d} {column}" for d in dialects for column in per_dialect)
              + " | target p95 |")
    lines = [header, "|" + "---|" * (3 + len(per_dialect) * len(dialects))]
    keys = []
    for results in results_by_dialect.values():
        for r in results:
            if (r.operation, r.role) not in keys:
                keys.append((r.operation, r.role))
    for operation, role in keys:
        cells = []
        for dialect in dialects:
            match = next((r for r in results_by_dialect[dialect] if (r.operation, r.role) == (operation, role)), None)
            if match is None:
                cells += [""] * len(per_dialect)
                continue
            p95 = match.percentile(0.95)
            target = TARGETS_MS.get(operation)
            flag = "" if target is None or p95 < target else " ✗"
            cells += [f"{match.percentile(0.50):.2f}", f"{p95:.2f}{flag}"]
            if args.cpu:
                cells += [f"{match.cpu_percentile(0.50):.2f}", f"{match.cpu_percentile(0.95):.2f}"]
        target = TARGETS_MS.get(operation)
        lines.append(f"| {operation} | {role} | " + " | ".join(cells) + f" | {'< %g ms' % target if target else ''} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", help="SQLAlchemy URL (repeatable); default the SQLite file")
    parser.add_argument("--both", action="store_true", help=f"SQLite file and {PG_DEFAULT_URL}")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--attachments", action="store_true", help="also time sending with one PNG attachment")
    parser.add_argument("--extra", action="store_true", help="also time filtered, deep and searched inbox pages")
    parser.add_argument("--cpu", action="store_true",
                        help="also report CPU time per call: this thread's, plus on a local PostgreSQL "
                             "its server process's (what the call costs, without waiting for busy CPUs)")
    parser.add_argument("--ops", help="comma-separated operations to run, e.g. badge,inbox (default: all)")
    parser.add_argument("--profile", action="store_true", help="time each SQL statement of each operation")
    parser.add_argument("--profile-iterations", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print the plans of the statements that dominate")
    args = parser.parse_args(argv)
    urls = list(args.url or [])
    if args.both:
        urls = [DEFAULT_URL, PG_DEFAULT_URL]
    if not urls:
        urls = [DEFAULT_URL]

    results_by_dialect = {}
    for url in urls:
        started = time.perf_counter()
        load_before = f"{os.getloadavg()[0]:.2f}"
        dialect, results, facts, extra = measure_url(url, args)
        results_by_dialect[dialect] = results
        print(f"\n## {dialect}: {url}  ({time.perf_counter() - started:.0f}s, "
              f"{args.iterations} timed iterations after {args.warmup} warm-up; "
              f"load average before {load_before}, after {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
        for role, fact in facts.items():
            print(f"- {role}: {fact['principal']}; threads {fact['threads']}; sends to {fact['send_to']}")
        print(table({dialect: results}, args))
        if extra:
            print(extra)
    if len(results_by_dialect) > 1:
        print("\n## Side by side (ms)")
        print(table(results_by_dialect, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
