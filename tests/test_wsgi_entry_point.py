"""``gunicorn wsgi:app`` with nothing set must not start on the public development key (issue 8, item 10)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def import_wsgi(tmp_path, **environment):
    env = {key: value for key, value in os.environ.items()
           if key not in ("MESSAGING_CONFIG", "SECRET_KEY", "DATABASE_URL", "FLASK_APP")}
    env.update(environment)
    env.setdefault("ATTACHMENT_ROOT", str(tmp_path / "uploads"))
    # Production sends email over SMTP by default and then needs the site's address for its links.
    env.setdefault("PUBLIC_BASE_URL", "https://market.example")
    return subprocess.run([sys.executable, "-c", "import wsgi; print(wsgi.app.config['SECRET_KEY'][:4], wsgi.app.debug)"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_nothing_set_refuses_to_start(tmp_path):
    result = import_wsgi(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "MESSAGING_CONFIG=development" in result.stderr


def test_the_development_key_or_a_short_one_is_refused(tmp_path):
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    for key in ("dev-only-secret-key-change-me", "short"):
        result = import_wsgi(tmp_path, SECRET_KEY=key, DATABASE_URL=database)
        assert result.returncode != 0 and "at least 16 characters" in result.stderr


def test_a_real_key_starts_production_without_debug(tmp_path):
    result = import_wsgi(tmp_path, SECRET_KEY="9f8e7d6c5b4a39281706f5e4d3c2b1a0",
                         DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["9f8e", "False"]


def test_development_chosen_explicitly_still_starts(tmp_path):
    result = import_wsgi(tmp_path, MESSAGING_CONFIG="development")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["dev-", "True"]


def test_make_run_chooses_development():
    assert "export MESSAGING_CONFIG ?= development" in (ROOT / "Makefile").read_text()
