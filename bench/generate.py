"""Generate a large, deterministic marketplace for the messaging benchmark.

The schema is built by the project's real migrations (``flask db upgrade``), then
filled with bulk inserts straight through the DBAPI connection: ``executemany`` in
one transaction on SQLite (journal and sync relaxed while loading), ``COPY`` on
PostgreSQL. Same ``--seed`` and sizes, same data, on both databases.

    .venv/bin/python bench/generate.py                      # SQLite, default size
    .venv/bin/python bench/generate.py --url postgresql+psycopg://postgres@127.0.0.1:5432/messaging_bench

The generated database is thrown away and rebuilt each time, so the URL must name a
benchmark database (its name contains "bench") unless ``--force`` is given.
"""
from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import random
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'data' / 'bench.sqlite3'}"
PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/messaging_bench"

# Every generated timestamp lies before this instant, so a rebuilt database is
# byte-for-byte the same data whatever day it is generated on.
REFERENCE_NOW = datetime(2026, 11, 1, 12, 0, 0)
HISTORY_DAYS = 365

STAFF_PASSWORD = "bench-password"
ADMIN_COUNT = 6
PREVIEW_LENGTH = 200
LONG_THREAD_SHARE = 0.01  # 1% of conversations are long threads (>= 50 messages)
LONG_THREAD_MIN, LONG_THREAD_MAX = 50, 160
THIRD_PARTICIPANT_SHARE = 0.15
ATTACHMENT_SHARE = 0.02
CLOSED_SHARE = 0.25
READ_SHARE = 0.7  # participants who have read everything that was sent to them

FIRST_NAMES = ["Ada", "Alan", "Alice", "Amir", "Anna", "Ben", "Bianca", "Carl", "Chen", "Chloe", "Dan", "Dora", "Eli", "Emma", "Eva", "Femi", "Finn", "Gina", "Hana", "Hugo", "Ines", "Ivan", "Jana", "Joao", "Kai", "Kim", "Lara", "Leo", "Lina", "Luca", "Mara", "Max", "Mia", "Nadia", "Nils", "Noor", "Olga", "Omar", "Pia", "Raj", "Rosa", "Sam", "Sara", "Sven", "Tara", "Tom", "Uma", "Vera", "Wim", "Yara", "Zoe"]
LAST_NAMES = ["Adams", "Berg", "Costa", "Dias", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Khan", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Baker", "Clark", "Dubois", "Ekström", "Fontaine", "Gomez", "Horvat", "Iqbal", "Jovanovic", "Kowalski", "Lopez", "Meyer", "Nakamura", "Olsen"]
SHOP_WORDS = ["Green", "Tech", "Urban", "Rustic", "Coastal", "Nordic", "Golden", "Happy", "Little", "Modern", "Vintage", "Wild", "Bright", "Cosy", "Clever", "Grocer", "Hub", "Threads", "Crafts", "Garden", "Books", "Gadgets", "Bakery", "Outfitters", "Supply", "Studio", "Market", "Works", "Corner"]
SUBJECT_WORDS = [
    "Order", "Delivery", "Refund", "Invoice", "Commission", "Payout", "Listing", "Return", "Damaged item",
    "Size exchange", "Stock", "Shipping label", "Promotion", "Account", "Tax form", "Missing parcel",
    "Product question", "Warranty", "Review", "Wholesale enquiry",
]
SENTENCES = [
    "Hello, thanks for getting in touch.",
    "Could you send me the order number, please?",
    "The parcel left our warehouse this morning.",
    "I have attached the invoice for last month.",
    "We will refund the full amount within five working days.",
    "Is this item available in a larger size?",
    "The tracking page has not changed since Monday.",
    "Please check the commission rates for the new season.",
    "Your payout was delayed by a bank holiday.",
    "Thanks, that solves it!",
    "Could you confirm the delivery address?",
    "We updated the listing with new photos.",
    "The item arrived damaged, the box was crushed.",
    "I would like to return the second pair.",
    "A replacement is on its way.",
    "Our warehouse is closed over the weekend.",
    "Can you share the tax form before Friday?",
    "The promotion starts on the first of the month.",
    "Let me check with the team and come back to you.",
    "Great, thank you for the quick answer.",
    "The colour is slightly different from the photo.",
    "We can offer a 10% discount on the next order.",
    "Please use the prepaid return label.",
    "The courier says it was delivered to a neighbour.",
    "We need a copy of your business registration.",
    "Stock will be back in two weeks.",
    "I have forwarded this to our billing department.",
    "Everything is fine now, you can close this.",
]
ATTACHMENT_KINDS = [
    ("photo.jpg", "image/jpeg", True),
    ("screenshot.png", "image/png", True),
    ("invoice.pdf", "application/pdf", False),
    ("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ("notes.txt", "text/plain", False),
    ("orders.csv", "text/csv", False),
]

# Column order of every bulk load; the tables themselves come from the migrations.
COLUMNS = {
    "vendors": ("id", "code", "name", "is_active", "created_at"),
    "users": ("id", "email", "full_name", "password_hash", "is_admin", "is_active", "created_at"),
    "vendor_users": ("id", "user_id", "vendor_id", "created_at"),
    "customers": ("id", "vendor_id", "email", "full_name", "password_hash", "is_active", "created_at"),
    "conversations": (
        "id", "conversation_type", "subject", "status", "vendor_id", "created_by_type", "created_by_id",
        "created_at", "closed_at", "last_message_at", "last_message_preview", "message_count",
    ),
    "conversation_participants": (
        "id", "conversation_id", "participant_type", "participant_id", "unread_count", "last_read_at",
        "email_notifications", "joined_at", "vendor_id",
    ),
    "messages": ("id", "conversation_id", "sender_type", "sender_id", "content", "is_system_message", "created_at"),
    "message_attachments": (
        "id", "message_id", "original_filename", "storage_path", "content_type", "size_bytes", "is_image",
        "created_at",
    ),
}
LOAD_ORDER = tuple(COLUMNS)


def password_hash(password: str) -> str:
    """A werkzeug-compatible pbkdf2 hash with a fixed salt: deterministic, and sign-in still works."""
    salt = "benchsalt"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"pbkdf2:sha256:1000${salt}${digest}"


def ts(us: int) -> str:
    """Microseconds since REFERENCE_NOW (negative: the past) as the text both databases store."""
    return (REFERENCE_NOW + timedelta(microseconds=us)).isoformat(" ", "microseconds")


def zipf_weights(n: int, exponent: float) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(n)]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def message_text(rng: random.Random) -> str:
    parts = rng.sample(SENTENCES, rng.choice((1, 1, 2, 2, 2, 3, 4)))
    separator = "\n" if rng.random() < 0.15 else " "
    return separator.join(parts)


def preview_of(content: str, filename: str | None) -> str:
    text = " ".join(content.split())
    if not text and filename:
        text = "📎 " + filename
    return text[:PREVIEW_LENGTH]


# ---------------------------------------------------------------------- generating


def generate(args) -> dict[str, list[tuple]]:
    rng = random.Random(args.seed)
    n_vendors, n_customers, n_conv, n_msg = args.vendors, args.customers, args.conversations, args.messages
    if n_msg < n_conv:
        raise SystemExit("--messages must be at least --conversations (every conversation has a first message)")
    hashed = password_hash(STAFF_PASSWORD)
    past_start = -HISTORY_DAYS * 86_400 * 1_000_000
    account_time = ts(past_start - 30 * 86_400 * 1_000_000)
    rows: dict[str, list[tuple]] = {table: [] for table in LOAD_ORDER}

    # Vendors, skewed like a real marketplace: a few big shops, a long tail.
    vendor_weights = zipf_weights(n_vendors, 0.8)
    vendor_ids = list(range(1, n_vendors + 1))
    for vendor_id in vendor_ids:
        name = f"{rng.choice(SHOP_WORDS)} {rng.choice(SHOP_WORDS)} {vendor_id}"
        rows["vendors"].append((vendor_id, f"shop-{vendor_id:05d}", name, True, account_time))

    # Users: admins first, then 2-9 staff per vendor (more for bigger shops).
    user_id = 0
    admin_ids = []
    for number in range(1, ADMIN_COUNT + 1):
        user_id += 1
        admin_ids.append(user_id)
        rows["users"].append(
            (user_id, f"admin{number}@marketplace.bench", person_name(rng), hashed, True, True, account_time)
        )
    staff_of: dict[int, list[int]] = {}
    membership_id = 0
    top_weight = vendor_weights[0]
    for vendor_id, weight in zip(vendor_ids, vendor_weights):
        staff_count = 2 + int(6 * weight / top_weight) + rng.randint(0, 1)
        staff_of[vendor_id] = []
        for number in range(1, staff_count + 1):
            user_id += 1
            membership_id += 1
            staff_of[vendor_id].append(user_id)
            rows["users"].append(
                (user_id, f"staff{number}@shop-{vendor_id:05d}.bench", person_name(rng), hashed, False, True,
                 account_time)
            )
            rows["vendor_users"].append((membership_id, user_id, vendor_id, account_time))
    # A few staff members work for two shops, as the decisions allow.
    for vendor_id in vendor_ids[1:n_vendors:50]:
        other = vendor_ids[(vendor_id * 7) % n_vendors]
        if other != vendor_id:
            membership_id += 1
            staff_of[other].append(staff_of[vendor_id][0])
            rows["vendor_users"].append((membership_id, staff_of[vendor_id][0], other, account_time))

    # Customers: each belongs to one shop, spread like the shops' sizes.
    customers_of: dict[int, list[int]] = defaultdict(list)
    customer_vendor = rng.choices(vendor_ids, weights=vendor_weights, k=n_customers)
    for customer_id, vendor_id in enumerate(customer_vendor, start=1):
        customers_of[vendor_id].append(customer_id)
        rows["customers"].append(
            (customer_id, vendor_id, f"customer{customer_id}@mail.bench", person_name(rng), hashed, True,
             account_time)
        )
    vendors_with_customers = [v for v in vendor_ids if customers_of[v]]
    vendor_customer_weights = [vendor_weights[v - 1] for v in vendors_with_customers]
    admin_weights = zipf_weights(ADMIN_COUNT, 1.0)

    # How many messages each conversation gets: 1% long threads, the rest heavy-tailed.
    counts = [1] * n_conv
    long_ids = set(rng.sample(range(n_conv), max(1, int(n_conv * LONG_THREAD_SHARE))))
    budget = n_msg - n_conv
    for index in sorted(long_ids):
        extra = min(budget, rng.randint(LONG_THREAD_MIN, LONG_THREAD_MAX) - 1)
        counts[index] += extra
        budget -= extra
    if budget:
        activity = [rng.paretovariate(1.6) for _ in range(n_conv)]
        cumulative = list(itertools.accumulate(activity))
        total_activity = cumulative[-1]
        for _ in range(budget):
            counts[bisect.bisect_left(cumulative, rng.random() * total_activity)] += 1

    pending_messages = []  # (time_us, conversation_id, sender_type, sender_id, content, is_system, attachment)
    participant_rows = []
    conversation_rows = []
    for index in range(n_conv):
        conversation_id = index + 1
        roll = rng.random()
        if roll < 0.70:
            kind = "vendor_customer"
        elif roll < 0.85:
            kind = "admin_vendor"
        else:
            kind = "admin_customer"
        if kind == "admin_vendor":
            vendor_id = rng.choices(vendor_ids, weights=vendor_weights)[0]
        else:
            vendor_id = rng.choices(vendors_with_customers, weights=vendor_customer_weights)[0]
        # Within a shop, a few customers write far more than the others.
        shop_customers = customers_of.get(vendor_id, [])
        customer = shop_customers[int(len(shop_customers) * rng.random() ** 2.5)] if shop_customers else None
        staff = staff_of[vendor_id]
        if kind == "admin_vendor":
            starter = ("admin", rng.choices(admin_ids, weights=admin_weights)[0])
            recipient = ("vendor", rng.choice(staff))
            teammates = [("admin", a) for a in admin_ids if a != starter[1]]
        elif kind == "vendor_customer":
            starter = ("vendor", rng.choice(staff))
            recipient = ("customer", customer)
            teammates = [("vendor", s) for s in staff if s != starter[1]]
        else:
            starter = ("admin", rng.choices(admin_ids, weights=admin_weights)[0])
            recipient = ("customer", customer)
            teammates = [("admin", a) for a in admin_ids if a != starter[1]]
        count = counts[index]
        third = rng.choice(teammates) if teammates and count >= 3 and rng.random() < THIRD_PARTICIPANT_SHARE else None

        # Timeline: created in the last year; replies hours apart; squeezed to end before REFERENCE_NOW.
        created = rng.randint(past_start, -3_600_000_000)
        gaps = [int(rng.expovariate(1.0) * 6 * 3_600_000_000) + 1_000_000 for _ in range(count - 1)]
        span = sum(gaps)
        room = -60_000_000 - created
        if span > room:
            gaps = [max(1, g * room // span) for g in gaps]
        times = list(itertools.accumulate(gaps, initial=created))
        closed = times[-1] < -14 * 86_400_000_000 and count >= 2 and rng.random() < CLOSED_SHARE

        # Senders: the starter opens; sides alternate mostly; a third participant joins midway.
        senders = [starter]
        third_from = rng.randint(1, count - 1) if third else None
        side = 0
        for position in range(1, count):
            if closed and position == count - 1:
                senders.append(starter)  # staff who started it also close it
                continue
            if rng.random() < 0.75:
                side = 1 - side
            if side == 0:
                if third and position >= third_from and (position == third_from or rng.random() < 0.5):
                    senders.append(third)
                else:
                    senders.append(starter)
            else:
                senders.append(recipient)
        # Make the third participant's joining message really theirs.
        if third and senders[third_from] != third:
            senders[third_from] = third

        last_content = ""
        last_attachment = None
        for position, (time_us, sender) in enumerate(zip(times, senders)):
            is_system = closed and position == count - 1
            attachment = None
            if is_system:
                content = "Closed by " + rows["users"][sender[1] - 1][2]
            else:
                content = message_text(rng)
                if rng.random() < ATTACHMENT_SHARE:
                    attachment = rng.choice(ATTACHMENT_KINDS)
                    if rng.random() < 0.1:
                        content = ""
            pending_messages.append((time_us, conversation_id, sender[0], sender[1], content, is_system, attachment))
            last_content, last_attachment = content, attachment

        # Unread: messages from others since the participant last wrote, unless they have read them.
        people = [starter, recipient] + ([third] if third else [])
        for person in people:
            if person == third:
                joined = times[third_from]
            else:
                joined = times[0]
            own_positions = [p for p, s in enumerate(senders) if s == person]
            last_own = own_positions[-1] if own_positions else -1
            unread = sum(1 for p in range(last_own + 1, count) if senders[p] != person and times[p] >= joined)
            if person == starter and last_own == -1:
                unread = 0
            last_read = times[last_own] if last_own >= 0 else None
            if unread and rng.random() < READ_SHARE:
                unread = 0
                last_read = times[-1] + rng.randint(60_000_000, 7_200_000_000)
                last_read = min(last_read, -1_000_000)
            notifications = rng.random() >= 0.1
            participant_rows.append(
                [conversation_id, person[0], person[1], unread, None if last_read is None else ts(last_read),
                 notifications, ts(joined), vendor_id]
            )

        subject = f"{rng.choice(SUBJECT_WORDS)} #{rng.randint(10_000, 99_999)}"
        conversation_rows.append(
            (conversation_id, kind, subject, "closed" if closed else "open", vendor_id, starter[0], starter[1],
             ts(created), ts(times[-1]) if closed else None, ts(times[-1]),
             preview_of(last_content, last_attachment[0] if last_attachment else None), count)
        )

    rows["conversations"] = conversation_rows
    rows["conversation_participants"] = [(i, *row) for i, row in enumerate(participant_rows, start=1)]

    # Message ids follow time across the whole platform, as they would in production.
    pending_messages.sort(key=lambda m: (m[0], m[1]))
    attachment_id = 0
    for message_id, (time_us, conversation_id, sender_type, sender_id, content, is_system, attachment) in enumerate(
        pending_messages, start=1
    ):
        created = ts(time_us)
        rows["messages"].append((message_id, conversation_id, sender_type, sender_id, content, is_system, created))
        if attachment:
            filename, content_type, is_image = attachment
            attachment_id += 1
            extension = filename.rsplit(".", 1)[1]
            moment = REFERENCE_NOW + timedelta(microseconds=time_us)
            path = f"messages/{moment:%Y}/{moment:%m}/{conversation_id}/{rng.getrandbits(128):032x}.{extension}"
            rows["message_attachments"].append(
                (attachment_id, message_id, filename, path, content_type, rng.randint(2_000, 4_000_000), is_image,
                 created)
            )
    return rows


# ---------------------------------------------------------------------- loading


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def reset_database(url: str, force: bool) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if "bench" not in (parsed.database or "") and not force:
        raise SystemExit(f"Refusing to rebuild {parsed.database!r}: its name has no 'bench' (use --force).")
    if is_sqlite(url):
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    # PostgreSQL: create the database if needed, then empty it.
    admin_engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin_engine.dispose()
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def service_app(url: str):
    """The app on ``url`` with its models and services but without the web layers.

    The benchmark measures the HTTP-free service layer, so it skips blueprint
    registration: work in progress on the web layers cannot break or slow it.
    """
    import messaging
    from messaging.live import broker

    # The write paths publish live events after their commit: the in-process broker takes them.
    messaging._register_blueprints = broker.init_app
    return messaging.create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ECHO": False})


def migrate(url: str):
    import logging

    from flask_migrate import upgrade

    app = service_app(url)
    with app.app_context():
        upgrade()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def load_sqlite(engine, rows) -> None:
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.isolation_level = None
        cursor = connection.cursor()
        for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-1048576", "temp_store=MEMORY"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute("BEGIN")
        for table in LOAD_ORDER:
            columns = COLUMNS[table]
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            data = rows[table]
            for start in range(0, len(data), 50_000):
                cursor.executemany(sql, data[start:start + 50_000])
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA foreign_keys=ON")
        problems = cursor.execute("PRAGMA foreign_key_check").fetchmany(5)
        if problems:
            raise SystemExit(f"foreign key violations after load: {problems}")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        raw.close()


def load_postgresql(engine, rows) -> None:
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            for table in LOAD_ORDER:
                columns = COLUMNS[table]
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
            # Explicit ids bypassed the sequences: move them past the loaded rows.
            for table in LOAD_ORDER:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            # What autovacuum would do soon after a load: statistics and the visibility map.
            cursor.execute("VACUUM ANALYZE")
        connection.autocommit = False
    finally:
        raw.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="SQLAlchemy URL of the benchmark database")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--vendors", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE on SQLite afterwards, as `flask analyze` does in operation (PostgreSQL is always analysed)")
    parser.add_argument("--force", action="store_true", help="rebuild a database whose name lacks 'bench'")
    args = parser.parse_args(argv)
    if args.vendors < 1 or args.customers < 1 or args.conversations < 1:
        parser.error("sizes must be positive")

    started = time.perf_counter()
    reset_database(args.url, args.force)
    app = migrate(args.url)
    migrated = time.perf_counter()
    print(f"schema: migrations applied in {migrated - started:.1f}s", flush=True)

    rows = generate(args)
    generated = time.perf_counter()
    sizes = ", ".join(f"{table} {len(data):,}" for table, data in rows.items())
    print(f"generate: {generated - migrated:.1f}s ({sizes})", flush=True)

    from messaging.extensions import db
    from messaging.services.search import install_search_index, remove_search_index

    with app.app_context():
        engine = db.engine
        # The search triggers index each message as it comes, one statement per row: load without
        # them, then build every conversation's chunks at once.
        with engine.begin() as connection:
            remove_search_index(connection)
        if is_sqlite(args.url):
            load_sqlite(engine, rows)
            if args.analyze:
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
        else:
            load_postgresql(engine, rows)
        loaded = time.perf_counter()
        print(f"load: {loaded - generated:.1f}s", flush=True)
        with engine.begin() as connection:
            install_search_index(connection, backfill=True)
        if not is_sqlite(args.url):
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE conversation_search")
        engine.dispose()
    indexed = time.perf_counter()
    print(f"search index: {indexed - loaded:.1f}s", flush=True)
    loaded = indexed
    print(f"total: {loaded - started:.1f}s for {args.url}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
