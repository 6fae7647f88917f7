"""A check a request has yet to make, made by the request's first read that can carry it.

On PostgreSQL every statement is a round trip, and on a gthread worker each one also hands the
interpreter lock to another thread and waits to get it back. A page that reads one statement
of its own after the sign-in check pays for two. A view may therefore leave the check
pending (the sign-in check of :func:`messaging.web.access.checks_sign_in_with_its_read`, acting
on :func:`messaging.auth.claimed_principal` meanwhile): the first statement of the request that is marked
able to carry it (:class:`messaging.prepared_statements.PreparedStatement`, ``carries_checks``)
reads the check's column along with its own rows, one round trip for both.

Whoever leaves a check pending must settle it before anything the request does counts: the
carrying read settles it with its first row, and a read that found no rows leaves it pending.
"""
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import ColumnElement, event
from sqlalchemy.engine import Engine

from messaging.unit_of_work import counts_as_write

_PENDING = "_carried_check"


@dataclass(frozen=True)
class CarriedCheck:
    # What the column's SQL depends on besides its parameters: a carrying statement is compiled once per key.
    key: Hashable
    # The column a carrying statement adds after its own (a scalar subquery, built once per key).
    column: Callable[[], ColumnElement]
    # Its parameters' values, named apart from the carrying statement's own.
    parameters: dict
    # Given the column's value in the carrying statement's first row.
    settle: Callable[[Any], None]


def leave_pending(check: CarriedCheck) -> None:
    setattr(g, _PENDING, check)


def pending() -> CarriedCheck | None:
    """The request's check not made yet, if any."""
    return g.get(_PENDING) if has_request_context() else None


def made() -> None:
    """The check is made (carried, or on its own): nothing is pending any more."""
    g.pop(_PENDING, None)


@event.listens_for(Engine, "before_cursor_execute")
def _nothing_written_before_the_check(_connection, _cursor, statement: str, *_) -> None:
    # What a request writes counts: it may not write on a claim not checked yet. A view that leaves
    # a check pending reads first; this stops one that would not (a write as the unit of work counts them).
    if has_request_context() and _PENDING in g and counts_as_write(statement):
        raise RuntimeError("a write while the request's check is pending: make the check first")
