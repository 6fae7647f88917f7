"""A sender on one app process reaches a reader on another, through the local Redis.

Two gunicorn servers started as production starts them (``-k gevent``; README "Live delivery"),
on one SQLite file, sharing Redis database 13 of REDIS_LIVE_TEST_URL (emptied before and
after) and a channel of their own. Skipped when Redis is unreachable, except under CI.
"""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from messaging import create_app
from messaging.extensions import db
from messaging.models import ConversationType
from tests.factories import PASSWORD, build_marketplace, start
from tests.live.live_support import CommittingService, StreamReader, free_port, token_for

REDIS_URL = os.environ.get("REDIS_LIVE_TEST_URL", "redis://127.0.0.1:6379/13")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_redis():
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.flushdb()
    except redis.ConnectionError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENT_ROOT": str(tmp_path)})
    with app.app_context():
        db.create_all()
        marketplace = build_marketplace()
        conversation_id = start(CommittingService(), marketplace.admin, ConversationType.ADMIN_VENDOR,
                                marketplace.staff_a).id
        db.engine.dispose()
    return url, conversation_id


def gunicorn(port: int, database_url: str, channel: str, workdir: Path) -> subprocess.Popen:
    environment = {
        **os.environ, "MESSAGING_CONFIG": "production", "SECRET_KEY": "two-processes-test",
        "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "LIVE_REDIS_CHANNEL": channel,
        "ATTACHMENT_ROOT": str(workdir / "uploads"), "PUBLIC_BASE_URL": "http://127.0.0.1",
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-k", "gevent", "-w", "1", "--worker-connections", "100", "--graceful-timeout", "5",
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=open(workdir / f"gunicorn-{port}.log", "w"),
    )


def wait_until_answering(url: str, timeout: float = 90) -> None:
    """Until the worker has booted (importing the app takes seconds on a loaded machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/v1/openapi.json", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} does not answer")


def test_a_message_sent_on_one_process_reaches_a_stream_on_the_other(shared_redis, database, tmp_path):
    database_url, conversation_id = database
    channel = f"live-delivery-test:{uuid.uuid4().hex}"
    ports = free_port(), free_port()
    processes = [gunicorn(port, database_url, channel, tmp_path) for port in ports]
    try:
        sender_url, reader_url = (f"http://127.0.0.1:{port}" for port in ports)
        for url in (sender_url, reader_url):
            wait_until_answering(url)
        reader = StreamReader(f"{reader_url}/api/v1/vendor/messages/events",
                              headers=token_for(reader_url, "staff@a.example", PASSWORD)).open()
        assert reader.status == 200 and reader.ready.wait(10)

        admin = token_for(sender_url, "admin@test.example", PASSWORD)
        sent_at = time.monotonic()
        answer = requests.post(f"{sender_url}/api/v1/admin/messages/{conversation_id}/messages",
                               json={"content": "Across processes"}, headers=admin, timeout=10)
        assert answer.status_code == 201
        assert reader.wait_for(lambda: reader.named("message-posted"), timeout=3)
        event = reader.named("message-posted")[0]
        assert event.data == {"conversation_id": conversation_id, "message_id": answer.json()["id"]}
        assert time.monotonic() - sent_at < 3
        reader.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
