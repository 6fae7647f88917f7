"""Sign-in limits shared by several worker processes through Redis, as under `gunicorn -w 4`.

Needs the local Redis (REDIS_TEST_URL, default database 15 of 127.0.0.1:6379, emptied
first): skipped when unreachable, except under CI (``CI=true``), where that fails.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from messaging import create_app
from messaging.extensions import db

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
LIMITS = {"SIGN_IN_LIMIT_PER_EMAIL": "3 per 15 minutes"}

# Another worker: its own process, its own app and Limiter, the same storage.
OTHER_WORKER = """
import sys
from messaging import create_app
from messaging.extensions import db

storage, email, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app("testing", overrides={"RATELIMIT_STORAGE_URI": storage, **%r})
with app.app_context():
    db.create_all()
    client = app.test_client()
    print(*[client.post("/login", data={"email": email, "password": "wrong"}).status_code for _ in range(attempts)])
""" % (LIMITS,)


@pytest.fixture
def empty_redis():
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.flushdb()
    except redis.ConnectionError as error:
        message = f"Redis at {REDIS_URL} is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield connection
    connection.flushdb()
    connection.close()


def attempts_in_other_worker(storage: str, email: str, attempts: int) -> list[int]:
    finished = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, storage, email, str(attempts)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    return [int(status) for status in finished.stdout.split()]


def this_worker(storage: str, tmp_path):
    return create_app("testing", overrides={"RATELIMIT_STORAGE_URI": storage, "ATTACHMENT_ROOT": str(tmp_path),
                                            **LIMITS})


def fourth_attempt_in_this_worker(storage: str, tmp_path) -> tuple[int, int]:
    """After the other worker's three refused attempts for gina: hers and someone else's answer here."""
    app = create_app("testing", overrides={"RATELIMIT_STORAGE_URI": storage, "ATTACHMENT_ROOT": str(tmp_path),
                                           **LIMITS})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        gina = client.post("/login", data={"email": "gina@example", "password": "wrong"}).status_code
        tom = client.post("/login", data={"email": "tom@example", "password": "wrong"}).status_code
        db.session.remove()
        db.engine.dispose()
    return gina, tom


def test_two_workers_share_the_count_through_redis(empty_redis, tmp_path):
    assert attempts_in_other_worker(REDIS_URL, "gina@example", 3) == [401, 401, 401]
    # Refused here, though this worker saw none of her attempts; tom still has his own budget.
    assert fourth_attempt_in_this_worker(REDIS_URL, tmp_path) == (429, 401)
    assert empty_redis.dbsize() > 0


def test_with_memory_storage_each_worker_counts_alone(tmp_path):
    """The control: what the Redis storage above is for."""
    assert attempts_in_other_worker("memory://", "gina@example", 3) == [401, 401, 401]
    assert fourth_attempt_in_this_worker("memory://", tmp_path) == (401, 401)
