"""Statements of the hot paths, built once and compiled once per database.

The header badge and the sign-in check run on every poll of every open page; opening a thread,
listing the inbox and sending a message run a handful of statements each. Built with SQLAlchemy
on each call, such a one-row statement cost ten times what the database spends on it:
constructing the expression, deriving its cache key, the ORM's execution layers, and a result
object made from the cursor's description. A :class:`PreparedStatement` is written with the same
SQLAlchemy expressions as every other query (the access rules of :mod:`messaging.policy`
included, so they stay in one place), with :func:`parameter` for what varies per call. It is
compiled on first use for the database at hand and afterwards runs as driver SQL on a DBAPI
cursor: of the session's connection, in its transaction, or for a request's reads before it
writes, of its read connection (:mod:`messaging.read_connection`). The engine's cursor events still fire,
so the statement is counted (the query-count tests) and noted as a write (the unit of work)
like any other; a driver error goes through SQLAlchemy's handling (wrapped, and a lost
connection invalidated).

Values go in and come out converted as SQLAlchemy's types would convert them: an enum member to
its stored value and back, a date to SQLite's text and back, a flag to SQLite's integer and back.
"""
import copy
import threading
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

import psycopg
from sqlalchemy import BindParameter, Executable, bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import sqltypes, visitors

from messaging import carried_checks
from messaging.read_connection import connection_for
from messaging.unit_of_work import connection_committing_alone

_COMPILING = threading.RLock()


def parameter(name: str, type_=None) -> BindParameter:
    """A placeholder given its value at each execution."""
    return bindparam(name, type_=type_, required=False)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Parameter names in placeholder order for positional drivers (SQLite's "?"); None for named ones.
    positions: tuple[str, ...] | None
    # Values fixed when the statement was built that are still parameters (most are written in).
    fixed: dict
    # Each parameter's conversion by its type, where it has one.
    bind_conversions: dict[str, Callable]
    # (position, conversion) of each result column whose driver value its type converts.
    result_conversions: tuple[tuple[int, Callable], ...]
    # A named tuple of the result columns' labels (None for a statement without rows).
    row_type: type | None
    # Makes the DBAPI cursor the statement runs on, from the pool's connection.
    new_cursor: Callable
    # How many leading columns make a row, where the statement reads more after them (a carried check's).
    width: int | None = None

    def arguments(self, parameters: dict):
        """What the driver is given: the fixed values and this call's, in placeholder order if positional."""
        values = dict(self.fixed)
        for name, value in parameters.items():
            convert = self.bind_conversions.get(name)
            if value is None or convert is None:
                values[name] = value.value if isinstance(value, Enum) else value
            else:
                values[name] = convert(value)
        if self.positions is not None:
            return tuple(values[name] for name in self.positions)
        return values

    def converted(self, driver_rows: list) -> list[tuple]:
        make, conversions = self.row_type._make, self.result_conversions
        if self.width is not None:
            driver_rows = [row[:self.width] for row in driver_rows]
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


class PreparedStatement:
    def __init__(self, build: Callable[[], Executable], *, carries_checks: bool = False):
        """``carries_checks``: a read (a SELECT) whose :meth:`rows` also make the request's pending
        check (:mod:`messaging.carried_checks`), if it has one."""
        self._build = build
        self._by_dialect: dict[str, _Compiled] = {}
        # An INSERT, UPDATE or DELETE runs in the request's transaction, never on its read connection.
        self._writes: bool | None = None
        self._carries_checks = carries_checks
        # By (dialect, check key): this statement with the check's column after its own.
        self._carrying: dict[tuple, _Compiled] = {}

    def rows(self, session: Session, **parameters) -> list[tuple]:
        """Every row (of a read, or of a write's RETURNING) as a named tuple of converted values."""
        check = carried_checks.pending() if self._carries_checks else None
        if check is not None:
            return self._rows_carrying(check, session, parameters)
        compiled, driver_rows, _ = self._execute(session, parameters)
        return compiled.converted(driver_rows)

    def _rows_carrying(self, check: carried_checks.CarriedCheck, session: Session, parameters: dict) -> list[tuple]:
        """:meth:`rows`, the check made with them: settled by the first row's last column. Without
        rows nothing tells the check's outcome, and it stays pending."""
        connection = connection_for(session, writes=False)
        compiled = _compiled_once(self._carrying, (connection.dialect.name, check.key),
                                  self._compile_carrying, check, connection.dialect)
        driver_rows, _ = _run(connection, compiled, {**parameters, **check.parameters})
        if driver_rows:
            carried_checks.made()
            check.settle(driver_rows[0][-1])
        return compiled.converted(driver_rows)

    def _compile_carrying(self, check: carried_checks.CarriedCheck, dialect) -> _Compiled:
        statement = self._build()
        if _writes_anything(statement):
            raise TypeError("only a read carries a check: a write may not run before the check is made")
        own = self._compiled_for(dialect)
        carrying = _compile(statement.add_columns(check.column()), dialect)
        # Rows as the statement's own: the same row type, converted the same, the check's column left off.
        return replace(carrying, row_type=own.row_type, result_conversions=own.result_conversions,
                       width=len(own.row_type._fields))

    def rows_committing_alone(self, session: Session, **parameters) -> tuple[list[tuple], bool]:
        """:meth:`rows` of a write that is a transaction of its own where the view allows it
        (:func:`messaging.unit_of_work.committing_at_once`), committed as it returns; in the
        Session's transaction otherwise. Also says whether it is committed."""
        connection = connection_committing_alone(session)
        if connection is None:
            return self.rows(session, **parameters), False
        compiled = self._compiled_for(connection.dialect)
        driver_rows, _ = _run(connection, compiled, parameters)
        return compiled.converted(driver_rows), True

    def scalar(self, session: Session, **parameters):
        """The first column of the first row as the driver gives it, or None."""
        _, driver_rows, _ = self._execute(session, parameters)
        return driver_rows[0][0] if driver_rows else None

    def run(self, session: Session, **parameters) -> int:
        """A write without RETURNING: how many rows it touched."""
        return self._execute(session, parameters)[2]

    def _execute(self, session: Session, parameters: dict) -> tuple[_Compiled, list, int]:
        if self._writes is None:
            with _COMPILING:  # building may mark shared pieces too (with_fixed_values_inline)
                if self._writes is None:  # another thread may have found out while this one waited
                    self._writes = _writes_anything(self._build())
        connection = connection_for(session, self._writes)
        compiled = self._compiled_for(connection.dialect)
        return (compiled, *_run(connection, compiled, parameters))

    def _compiled_for(self, dialect) -> _Compiled:
        return _compiled_once(self._by_dialect, dialect.name, self._compile_own, dialect)

    def _compile_own(self, dialect) -> _Compiled:
        return _compile(self._build(), dialect)


def _compiled_once(compiled_by_key: dict, key, compile_: Callable, *arguments) -> _Compiled:
    """``compiled_by_key[key]``, compiled by ``compile_(*arguments)`` the first time it is asked for.

    One thread at a time: statements share pieces built once (the access rules of
    messaging/policy.py, the fixed values marked inline), and SQLAlchemy's compiler works them
    out in place. Four threads of a gthread worker compiling PostgreSQL's one-statement send at
    once left it failing for every later send of that worker ("Can't determine which FROM clause
    to join from"). Each statement compiles once per process, so the lock costs nothing afterwards.
    """
    compiled = compiled_by_key.get(key)
    if compiled is None:
        with _COMPILING:
            compiled = compiled_by_key.get(key)  # another thread may have compiled it while this one waited
            if compiled is None:
                compiled = compiled_by_key[key] = compile_(*arguments)
    return compiled


def row_parameter(name: str, index: int, type_) -> BindParameter:
    """Row ``index``'s own value of ``name`` in a :class:`PreparedStatementPerRowCount`."""
    return parameter(_row_value_name(name, index), type_)


def _row_value_name(name: str, index: int) -> str:
    return f"{name}_{index}"


class PreparedStatementPerRowCount:
    """A statement over a varying number of rows (a multi-row INSERT with RETURNING), prepared once
    for each number of rows it is run with.

    ``build(count)`` writes it for ``count`` rows, each row's own values as
    :func:`row_parameter` placeholders and the values all rows share as :func:`parameter`
    ones (typed: a multi-row VALUES does not take its placeholders' types from the columns).
    """

    def __init__(self, build: Callable[[int], Executable]):
        self._build = build
        self._by_count: dict[int, PreparedStatement] = {}

    def rows(self, session: Session, each_row: list[dict], **shared) -> list[tuple]:
        """What its RETURNING gives, as :meth:`PreparedStatement.rows`."""
        statement, values = self._prepared(each_row, shared)
        return statement.rows(session, **values)

    def run(self, session: Session, each_row: list[dict], **shared) -> int:
        """Without RETURNING: how many rows it touched."""
        statement, values = self._prepared(each_row, shared)
        return statement.run(session, **values)

    def _prepared(self, each_row: list[dict], shared: dict) -> tuple[PreparedStatement, dict]:
        count = len(each_row)
        statement = self._by_count.get(count)
        if statement is None:
            statement = self._by_count[count] = PreparedStatement(lambda: self._build(count))
        values = dict(shared)
        for index, row in enumerate(each_row):
            for name, value in row.items():
                values[_row_value_name(name, index)] = value
        return statement, values


def _compile(statement: Executable, dialect) -> _Compiled:
    # Values fixed when the statement was built are written into its text (render_postcompile
    # renders a literal_execute parameter inline). The driver prepares a statement it runs
    # often, and PostgreSQL may then plan it once for any values: a role or status left as
    # a parameter got a plan that suits none in particular (the admin badge read 12,000
    # index rows instead of 1,700, 13 ms instead of 1).
    statement = visitors.cloned_traverse(statement, {}, {"bindparam": _inline_fixed_value})
    dialect, new_cursor = _placeholders_as_the_server_takes_them(dialect)
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    bind_conversions = {
        name: convert for name, bind in compiled.binds.items()
        if (convert := bind.type._cached_bind_processor(dialect)) is not None
    }
    fixed = {}
    for name, value in compiled.params.items():
        if value is not None:
            convert = bind_conversions.get(name)
            fixed[name] = convert(value) if convert else value
    columns = compiled._result_columns
    result_conversions = tuple(
        (position, convert) for position, column in enumerate(columns)
        if (convert := _result_conversion(column.type, dialect)) is not None
    )
    row_type = namedtuple("Row", [column.keyname for column in columns], rename=True) if columns else None
    positions = tuple(compiled.positiontup) if compiled.positional else None
    return _Compiled(str(compiled), positions, fixed, bind_conversions, result_conversions, row_type, new_cursor)


def _placeholders_as_the_server_takes_them(dialect) -> tuple:
    """The dialect to compile with, and the cursor to run the result on.

    psycopg turns a query's ``%(name)s`` placeholders into PostgreSQL's ``$1``, ``$2`` at every
    execution, and remembers the result only for queries of up to 4 KB: the one-statement send
    (4.5 KB) was parsed again at every send, 11 % of its worker's CPU (py-spy). Compiled with
    ``$n`` placeholders once here, a statement runs on psycopg's ``RawCursor``, which hands them
    to the server as written. Other drivers (SQLite's) keep their own placeholders and cursor.
    """
    if dialect.driver != "psycopg":
        return dialect, _pooled_cursor
    numbered = copy.copy(dialect)  # the connected dialect (server version, string escaping), numbered
    numbered.paramstyle = "numeric_dollar"
    numbered.positional = True
    return numbered, _raw_cursor


def _pooled_cursor(pooled_connection):
    return pooled_connection.cursor()


def _raw_cursor(pooled_connection):
    return psycopg.RawCursor(pooled_connection.driver_connection)


class _StoredEnumValues(dict):
    """An enum column's stored values and what each converts to, converted once: a lookup per row
    instead of the type's two calls (an inbox page converts about a hundred)."""

    def __init__(self, convert: Callable, stored_values):
        super().__init__((stored, convert(stored)) for stored in stored_values)
        self._convert = convert

    def __missing__(self, stored):
        return self._convert(stored)  # what the type says of a value it does not know (it raises)


def _result_conversion(column_type, dialect) -> Callable | None:
    convert = column_type._cached_result_processor(dialect, None)
    if convert is None or not isinstance(column_type, sqltypes.Enum):
        return convert
    return _StoredEnumValues(convert, column_type.enums).__getitem__


def _writes_anything(statement: Executable) -> bool:
    """An INSERT, UPDATE or DELETE, or a SELECT holding one (PostgreSQL's data-modifying WITH)."""
    return any(getattr(element, "is_dml", False) for element in visitors.iterate(statement))


def with_fixed_values_inline(statement: Executable) -> Executable:
    """``statement``, its fixed values marked in place to be written into its text.

    The compile marks them on a copy. A statement that names one CTE in two places (as a FROM and
    through a column, which still points to the original) needs them marked on the original too:
    SQLAlchemy refuses two CTEs of one name that differ.
    """
    visitors.traverse(statement, {}, {"bindparam": _inline_fixed_value})
    return statement


def _inline_fixed_value(bind: BindParameter) -> None:
    if bind.value is not None and bind.callable is None:
        bind.literal_execute = True


def _run(connection: Connection, compiled: _Compiled, parameters: dict) -> tuple[list, int]:
    """The driver's rows (none for a write without RETURNING) and row count, from a DBAPI cursor."""
    sql, arguments, returns_rows = compiled.sql, compiled.arguments(parameters), compiled.row_type is not None
    cursor = compiled.new_cursor(connection.connection)
    try:
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
        cursor.execute(sql, arguments)
        # Known from the compiled statement: psycopg builds a column object per column to answer
        # cursor.description.
        rows = cursor.fetchall() if returns_rows else []
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
    except Exception as error:
        connection._handle_dbapi_exception(error, sql, arguments, cursor, None)
    count = cursor.rowcount
    cursor.close()
    return rows, count
