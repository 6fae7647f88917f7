"""Benchmark of full-text search (issue 12) on a database made by ``bench/generate.py``.

Times ``list_conversations(principal, ListFilters(search=...))`` - the first page of 20 with its
total, what the inbox's search box asks for - for the admin, the busiest vendor's staff user and
the busiest customer that ``bench/run.py`` measures, each call in a fresh application context.
The searches cover what people type: a person's name, a subject's order number, a shop's name,
a rare word of a message and the most common one (the generated messages reuse a dozen
sentences, so "parcel" is in a large share of them: the worst case), and two words.

    .venv/bin/python bench/search.py                     # SQLite from generate.py
    .venv/bin/python bench/search.py --url postgresql+psycopg://postgres@127.0.0.1:5432/messaging_bench
    .venv/bin/python bench/search.py --backlog 100          # SQLite, with a full batch not yet indexed

On SQLite, new messages reach the index a batch at a time (messaging/services/search_backlog.py)
and search reads those not yet indexed from the messages. ``--backlog N`` times search with the
newest N messages counted as not indexed (they stay in the index too: the answers do not change,
the work does); the mark is put back afterwards.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import DEFAULT_URL, service_app  # noqa: E402
from bench.run import pick_subjects  # noqa: E402

TARGET_P95_MS = 50.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def search_terms(db, principals) -> dict[str, dict[str, str]]:
    """Per role, searches that find something inside its scope."""
    from sqlalchemy import text

    q = lambda sql, **kw: db.session.execute(text(sql), kw).first()  # noqa: E731
    vendor_id = principals["vendor"].vendor_id
    customer = principals["customer"]
    vendor_customer = q("SELECT cu.full_name FROM customers cu WHERE cu.vendor_id = :v ORDER BY cu.id LIMIT 1", v=vendor_id)[0]
    subject = q("SELECT subject FROM conversations WHERE vendor_id = :v ORDER BY id LIMIT 1", v=vendor_id)[0]
    customer_subject = q(
        "SELECT c.subject FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id "
        "AND p.participant_type = 'customer' AND p.participant_id = :c ORDER BY c.id LIMIT 1", c=customer.id)[0]
    shop = q("SELECT name FROM vendors WHERE id = :v", v=vendor_id)[0]
    common = {"common word": "parcel", "two words": "order number", "rare word": "warehouse morning"}
    return {
        "admin": {"person": vendor_customer.split()[0], "order number": subject.split("#")[-1],
                  "shop": shop.split()[0] + " " + shop.split()[-1], **common},
        "vendor": {"person": vendor_customer, "order number": subject.split("#")[-1], **common},
        "customer": {"order number": customer_subject.split("#")[-1], "shop": shop.split()[0], **common},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--backlog", type=int, default=0, help="SQLite: time search with this many messages not yet indexed")
    args = parser.parse_args(argv)

    from messaging.extensions import db

    app = service_app(args.url)
    with app.app_context():
        principals, _, _, facts = pick_subjects(db)
        terms = search_terms(db, principals)
        dialect = db.engine.dialect.name
        db.session.remove()

    if args.backlog:
        move_backlog_mark(app, -args.backlog)
    try:
        return measure(app, args, principals, terms, dialect)
    finally:
        if args.backlog:
            move_backlog_mark(app, args.backlog)


def move_backlog_mark(app, by: int) -> None:
    from sqlalchemy import text

    from messaging.extensions import db

    with app.app_context():
        db.session.execute(text("UPDATE search_progress SET indexed_through = indexed_through + :by"), {"by": by})
        db.session.commit()


def measure(app, args, principals, terms, dialect) -> int:
    from messaging.extensions import db
    from messaging.services import messaging_service
    from messaging.services.conversations import ListFilters

    cases = [(role, label, term) for role, by_label in terms.items() for label, term in by_label.items()]
    samples = {case: [] for case in cases}
    found = {}
    for iteration in range(args.warmup + args.iterations):
        for case in cases:  # round-robin, so load from elsewhere spreads over every case
            role, _, term = case
            with app.app_context():
                started = time.perf_counter()
                page = messaging_service().list_conversations(principals[role], ListFilters(search=term))
                elapsed = (time.perf_counter() - started) * 1000
                db.session.remove()
            if iteration >= args.warmup:
                samples[case].append(elapsed)
            found[case] = page.total

    backlog = f", {args.backlog} messages not yet indexed" if args.backlog else ""
    print(f"search on {dialect} ({args.url.split('@')[-1]}), {args.iterations} iterations, first page of 20 with total"
          f"{backlog}")
    print(f"{'role':9} {'search':14} {'term':28} {'found':>7} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for case in cases:
        role, label, term = case
        p50, p95 = percentile(samples[case], 0.5), percentile(samples[case], 0.95)
        worst = max(worst, p95)
        print(f"{role:9} {label:14} {term[:28]:28} {found[case]:>7} {p50:>8.1f} {p95:>8.1f}")
    print(f"worst p95 {worst:.1f} ms (target {TARGET_P95_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
