"""The gunicorn entry of the fault test (tests/test_worker_faults.py): the real app, plus a pause.

A request carrying ``X-Fault-Pause: <point>`` stops at that point of a send and writes its
worker's pid to ``$FAULT_MARKER_DIR/<point>``, so the test's SIGKILL lands exactly there
rather than by luck. Points: ``before-rename`` (a file half stored, still ``.upload-*``) and
``before-commit`` (files stored, their rows not committed). Nothing else differs from
``wsgi:app``.
"""
import os
import time
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from messaging import create_app

app = create_app("production")
MARKER_DIR = Path(os.environ["FAULT_MARKER_DIR"])
_replace = os.replace


def _pause_if_asked(point: str) -> None:
    if has_request_context() and request.headers.get("X-Fault-Pause") == point:
        (MARKER_DIR / point).write_text(str(os.getpid()))
        time.sleep(120)  # the test kills the worker long before


def _replace_pausing(source, target, *args, **kwargs):
    if os.path.basename(str(source)).startswith(".upload-"):
        _pause_if_asked("before-rename")
    return _replace(source, target, *args, **kwargs)


os.replace = _replace_pausing
event.listen(Session, "before_commit", lambda session: _pause_if_asked("before-commit"))
