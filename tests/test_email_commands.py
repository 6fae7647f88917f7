"""The long-running commands stop cleanly on SIGTERM (what systemd and container runtimes send)."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.email_support import free_port

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py")]


@pytest.fixture
def environment(tmp_path):
    env = dict(os.environ, MESSAGING_CONFIG="development", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               MAIL_BACKEND="console", PYTHONUNBUFFERED="1")
    env.pop("FLASK_APP", None)
    subprocess.run(FLASK + ["db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    return env


def run_until_ready_then_terminate(command, env, ready_text: str) -> tuple[int, str]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        for line in process.stdout:
            output.append(line)
            if ready_text in line:
                break
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
        output.append(rest)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, "".join(output)


def test_the_worker_stops_cleanly_on_sigterm(environment):
    code, output = run_until_ready_then_terminate(
        FLASK + ["notifications", "work", "--poll", "0.2"], environment, "delivering notifications")
    assert code == 0, output
    assert "finishing the current batch" in output and output.rstrip().endswith("Stopped.")


def test_the_listener_stops_cleanly_on_sigterm(environment):
    code, output = run_until_ready_then_terminate(
        FLASK + ["mail", "serve", "--lmtp", "--port", str(free_port())], environment, "Receiving replies over LMTP")
    assert code == 0, output
    assert output.rstrip().endswith("Stopped.")
