"""A worker killed mid-upload or mid-send (issue 8, item 5 and "make it hold"): a real gunicorn.

The database must stay consistent (no message without its counter, no attachment row without
its file) and ``flask attachments sweep`` must remove the files the dead worker left.
"""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from messaging import create_app
from messaging.extensions import db
from messaging.models import ConversationType, ParticipantType
from messaging.services import accounts, messaging_service
from messaging.services.platform_settings import ensure_default_settings
from tests.factories import PASSWORD
from tests.sample_files import PDF

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "fault-test-signing-key-0123456789abcdef"
MEGABYTE = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    database = tmp_path / "fault.sqlite3"
    uploads = tmp_path / "uploads"
    markers = tmp_path / "markers"
    markers.mkdir()
    url = f"sqlite:///{database}"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENT_ROOT": str(uploads)})
    with app.app_context():
        db.create_all()
        ensure_default_settings()
        accounts.create_vendor("shop-a", "Shop A")
        staff = accounts.create_vendor_user("staff@a.example", "shop-a", "Sara", PASSWORD)
        customer = accounts.create_customer("cust@example", "shop-a", "Cora", PASSWORD)
        vendor = accounts.vendor_by_code("shop-a")
        conversation = messaging_service().create_conversation(
            accounts.vendor_principal(staff, vendor), conversation_type=ConversationType.VENDOR_CUSTOMER,
            subject="Order", recipient_type=ParticipantType.CUSTOMER, recipient_id=customer.id,
            initial_message="Hello")
        db.session.commit()
        conversation_id = conversation.id
        db.engine.dispose()

    port = free_port()
    environment = {**os.environ, "MESSAGING_CONFIG": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
                   "PUBLIC_BASE_URL": "http://127.0.0.1",
                   "ATTACHMENT_ROOT": str(uploads), "FAULT_MARKER_DIR": str(markers), "FLASK_APP": "wsgi.py",
                   "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    master = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "300", "fault_app:app"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        token = requests.post(f"{base}/api/v1/auth/token", json={"email": "staff@a.example",
                                                                 "password": PASSWORD}, timeout=10).json()["token"]
        yield {"base": base, "master": master, "database": database, "uploads": uploads, "markers": markers,
               "conversation": conversation_id, "auth": {"Authorization": f"Bearer {token}"}, "env": environment,
               "port": port}
    finally:
        master.terminate()
        try:
            master.wait(timeout=15)
        except subprocess.TimeoutExpired:
            master.kill()


def wait_until_serving(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a new worker still importing
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start serving")


def worker_pids(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def wait_for_marker(path: Path, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"the worker never reached {path.name}")


def send_in_background(server, pause: str, files: int):
    def run():
        try:
            requests.post(
                f"{server['base']}/api/v1/vendor/messages/{server['conversation']}/messages",
                headers={**server["auth"], "X-Fault-Pause": pause},
                files=[("attachments", (f"invoice-{n}.pdf", PDF + b"%" * MEGABYTE)) for n in range(files)],
                data={"content": f"killed at {pause}"}, timeout=60,
            )
        except requests.RequestException:
            pass  # the worker died under it: that is the point

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def database_state(path: Path) -> dict:
    with sqlite3.connect(path) as connection:
        return {
            "messages": connection.execute("SELECT count(*) FROM messages").fetchone()[0],
            "attachments": [row[0] for row in connection.execute("SELECT storage_path FROM message_attachments")],
            "counter_mismatches": connection.execute(
                "SELECT count(*) FROM conversations c WHERE c.message_count != "
                "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)").fetchone()[0],
            "integrity": connection.execute("PRAGMA integrity_check").fetchone()[0],
        }


def files_on_disk(uploads: Path) -> set[str]:
    return {path.relative_to(uploads).as_posix() for path in uploads.rglob("*") if path.is_file()}


def test_killed_workers_leave_a_consistent_database_and_the_sweep_cleans_up(server):
    before = database_state(server["database"])
    assert before["messages"] == 1

    # 1. Mid-upload: half of a 6 MB body sent, slowly, when the worker dies.
    with socket.create_connection(("127.0.0.1", server["port"])) as upload:
        boundary = "faultboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.pdf\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + PDF
        total = len(head) + 6 * MEGABYTE
        upload.sendall((f"POST /api/v1/vendor/messages/{server['conversation']}/messages HTTP/1.1\r\n"
                        f"Host: 127.0.0.1\r\nAuthorization: {server['auth']['Authorization']}\r\n"
                        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                        f"Content-Length: {total}\r\n\r\n").encode() + head)
        for _ in range(3):
            upload.sendall(b"%" * MEGABYTE)
            time.sleep(0.2)
        [worker] = worker_pids(server["master"])
        os.kill(worker, signal.SIGKILL)
    wait_until_serving(server["base"])

    # 2. Mid-send, while a file is still being written under its temporary name.
    thread = send_in_background(server, "before-rename", files=2)
    os.kill(wait_for_marker(server["markers"] / "before-rename"), signal.SIGKILL)
    thread.join(timeout=30)
    wait_until_serving(server["base"])

    # 3. Mid-send, with every file stored and the transaction not yet committed.
    thread = send_in_background(server, "before-commit", files=2)
    os.kill(wait_for_marker(server["markers"] / "before-commit"), signal.SIGKILL)
    thread.join(timeout=30)
    wait_until_serving(server["base"])

    # The database is as before the three sends: nothing half-written, counters agree.
    after = database_state(server["database"])
    assert after == {**before, "integrity": "ok"}
    left_behind = files_on_disk(server["uploads"])
    assert any(Path(name).name.startswith(".upload-") for name in left_behind), left_behind
    assert sum(1 for name in left_behind if name.endswith(".pdf")) >= 2, left_behind  # complete, without rows

    # The app works on: a send succeeds and its file has its row.
    sent = requests.post(f"{server['base']}/api/v1/vendor/messages/{server['conversation']}/messages",
                         headers=server["auth"], files=[("attachments", ("kept.pdf", PDF))],
                         data={"content": "after the crashes"}, timeout=30)
    assert sent.status_code == 201, sent.text
    state = database_state(server["database"])
    assert state["messages"] == 2 and state["counter_mismatches"] == 0
    [kept] = state["attachments"]

    # The sweep reports what the dead workers left, then removes exactly that.
    def sweep(*arguments):
        return subprocess.run([str(BIN / "flask"), "attachments", "sweep", "--older-than", "0", *arguments],
                              cwd=ROOT, env=server["env"], capture_output=True, text=True, timeout=60)

    dry_run = sweep()
    assert dry_run.returncode == 0, dry_run.stderr
    assert f"Would remove {len(left_behind)} file(s)" in dry_run.stdout
    assert files_on_disk(server["uploads"]) == left_behind | {kept}
    removed = sweep("--delete")
    assert removed.returncode == 0, removed.stderr
    assert f"Removed {len(left_behind)} file(s)" in removed.stdout
    assert files_on_disk(server["uploads"]) == {kept}
