"""Statements of the hottest reads, built once and compiled once per database.

The header badge and the sign-in check run on every poll of every open page. Built with
SQLAlchemy on each call, such a one-row read cost ten times what the database spends on it:
constructing the expression, deriving its cache key, the ORM's execution layers. A
:class:`PreparedSelect` is written with the same SQLAlchemy expressions as every other query
(the access rules of :mod:`messaging.policy` included, so they stay in one place), with
``bindparam`` for what varies per call. It is compiled on first use for the database at hand and
afterwards runs as driver SQL with only its parameters: still through the session's connection
and transaction, and still seen by engine events (the query-count tests count it).

Rows come back as the driver returns them, without SQLAlchemy's type processing: select plain
integers and strings. Parameters are declared with :func:`parameter`; enum members (the models
store their values) are passed as their value.
"""
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import BindParameter, Select, bindparam
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Parameter names in placeholder order for positional drivers (SQLite's "?"); None for named ones.
    positions: tuple[str, ...] | None
    # Values fixed when the statement was built (literals of the expression).
    fixed: dict


def parameter(name: str) -> BindParameter:
    """A placeholder given its value at each execution."""
    return bindparam(name, required=False)


def _driver_value(value):
    return value.value if isinstance(value, Enum) else value


class PreparedSelect:
    def __init__(self, build: Callable[[], Select]):
        self._build = build
        self._by_dialect: dict[str, _Compiled] = {}

    def execute(self, session: Session, **parameters) -> CursorResult:
        connection = session.connection()
        compiled = self._compiled_for(connection.dialect)
        values = compiled.fixed | {name: _driver_value(value) for name, value in parameters.items()}
        if compiled.positions is not None:
            return connection.exec_driver_sql(compiled.sql, tuple(values[name] for name in compiled.positions))
        return connection.exec_driver_sql(compiled.sql, values)

    def _compiled_for(self, dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            # render_postcompile turns IN lists into plain placeholders, one per value.
            statement = self._build().compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            fixed = {name: _driver_value(value) for name, value in statement.params.items() if value is not None}
            positions = tuple(statement.positiontup) if statement.positional else None
            compiled = _Compiled(str(statement), positions, fixed)
            self._by_dialect[dialect.name] = compiled
        return compiled
