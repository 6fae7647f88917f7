"""Statements of the hottest reads, built once and compiled once per database.

The header badge and the sign-in check run on every poll of every open page. Built with
SQLAlchemy on each call, such a one-row read cost ten times what the database spends on it:
constructing the expression, deriving its cache key, the ORM's execution layers. A
:class:`PreparedSelect` is written with the same SQLAlchemy expressions as every other query
(the access rules of :mod:`messaging.policy` included, so they stay in one place), with
``bindparam`` for what varies per call. It is compiled on first use for the database at hand and
afterwards runs as driver SQL with only its parameters: still through the session's connection
and transaction, and still seen by engine events (the query-count tests count it).

:meth:`PreparedSelect.rows` reads straight from a DBAPI cursor and converts each column as
SQLAlchemy would (text to dates on SQLite, stored values to enum members), naming them: the
thread and inbox reads used to build ORM objects. :meth:`PreparedSelect.scalar` gives one
value as the driver returns it; :meth:`PreparedSelect.execute` (a write's ``rowcount``) runs
through SQLAlchemy's own execution. Parameters are declared with :func:`parameter`; enum members (the
models store their values) are passed as their value.
"""
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import BindParameter, Select, bindparam
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Parameter names in placeholder order for positional drivers (SQLite's "?"); None for named ones.
    positions: tuple[str, ...] | None
    # Values fixed when the statement was built (literals of the expression).
    fixed: dict
    # (position, conversion) of each result column whose driver value SQLAlchemy's type converts.
    conversions: tuple[tuple[int, Callable], ...]
    # A named tuple of the result columns' labels.
    row_type: type

    def arguments(self, parameters: dict):
        """What the driver is given: the fixed values and this call's, in placeholder order if positional."""
        values = self.fixed | {name: _driver_value(value) for name, value in parameters.items()}
        if self.positions is not None:
            return tuple(values[name] for name in self.positions)
        return values


def parameter(name: str, type_=None) -> BindParameter:
    """A placeholder given its value at each execution."""
    return bindparam(name, type_=type_, required=False)


def _inline_fixed_value(parameter: BindParameter) -> None:
    if parameter.value is not None and parameter.callable is None:
        parameter.literal_execute = True


def _driver_value(value):
    return value.value if isinstance(value, Enum) else value


def _fetch_all(connection: Connection, sql: str, arguments) -> list:
    """The rows of a read, straight from a DBAPI cursor.

    SQLAlchemy's execution builds a result object from the cursor's description on every call:
    about 50 µs of CPU, more than SQLite spends answering the badge. The engine's cursor events
    still fire, so the statement is counted and noted like any other; a driver error goes through
    SQLAlchemy's handling (wrapped, and a lost connection invalidated) as it would there.
    """
    cursor = connection.connection.cursor()
    try:
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
        cursor.execute(sql, arguments)
        rows = cursor.fetchall()
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
    except Exception as error:
        connection._handle_dbapi_exception(error, sql, arguments, cursor, None)
    cursor.close()
    return rows


class PreparedSelect:
    def __init__(self, build: Callable[[], Select]):
        self._build = build
        self._by_dialect: dict[str, _Compiled] = {}

    def execute(self, session: Session, **parameters) -> CursorResult:
        """SQLAlchemy's result of the statement (its ``rowcount`` for a write), rows unconverted."""
        connection = session.connection()
        compiled = self._compiled_for(connection.dialect)
        return connection.exec_driver_sql(compiled.sql, compiled.arguments(parameters))

    def rows(self, session: Session, **parameters) -> list[tuple]:
        """Every row as a named tuple of converted values (dates, enum members, booleans)."""
        connection = session.connection()
        compiled = self._compiled_for(connection.dialect)
        driver_rows = _fetch_all(connection, compiled.sql, compiled.arguments(parameters))
        make, conversions = compiled.row_type._make, compiled.conversions
        if not conversions:
            return [make(row) for row in driver_rows]
        rows = []
        for driver_row in driver_rows:
            values = list(driver_row)
            for position, convert in conversions:
                if values[position] is not None:
                    values[position] = convert(values[position])
            rows.append(make(values))
        return rows

    def scalar(self, session: Session, **parameters):
        """The first column of the first row (unconverted), or None."""
        connection = session.connection()
        compiled = self._compiled_for(connection.dialect)
        rows = _fetch_all(connection, compiled.sql, compiled.arguments(parameters))
        return rows[0][0] if rows else None

    def _compiled_for(self, dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            # Values fixed when the statement was built are written into its text (render_postcompile
            # renders a literal_execute parameter inline). The driver prepares a statement it runs
            # often, and PostgreSQL may then plan it once for any values: a role or status left as
            # a parameter got a plan that suits none in particular (the admin badge read 12,000
            # index rows instead of 1,700, 13 ms instead of 1).
            statement = visitors.cloned_traverse(self._build(), {}, {"bindparam": _inline_fixed_value})
            statement = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            fixed = {name: _driver_value(value) for name, value in statement.params.items() if value is not None}
            positions = tuple(statement.positiontup) if statement.positional else None
            columns = statement._result_columns
            conversions = tuple(
                (position, convert) for position, column in enumerate(columns)
                if (convert := column.type._cached_result_processor(dialect, None)) is not None
            )
            row_type = namedtuple("Row", [column.keyname for column in columns], rename=True)
            compiled = _Compiled(str(statement), positions, fixed, conversions, row_type)
            self._by_dialect[dialect.name] = compiled
        return compiled
