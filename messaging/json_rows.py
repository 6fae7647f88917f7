"""``json_rows(a, b, ...)``: an aggregate giving one JSON array holding ``[a, b, ...]`` for each row.

It lets one statement bring a few related rows along with each row it reads (the participants of
every conversation of an inbox page) instead of a second statement, a round trip fewer on a
database server. Written per dialect, as SQLAlchemy has no generic form of it: SQLite's
``json_group_array(json_array(...))``, PostgreSQL's ``json_agg(json_build_array(...))``; the
value is the JSON text on both.

The order of the arrays is unspecified (SQLite before 3.44 cannot order an aggregate): a reader
that needs an order carries a column to sort by.
"""
import json

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement):  # noqa: N801 (an SQL function, named as SQLAlchemy's are)
    inherit_cache = True


@compiles(json_rows, "sqlite")
def _sqlite_json_rows(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


# As text, as SQLite gives it: a row's values stay plain and hashable (psycopg would parse JSON
# into lists), so a row can be the key of what is made from it.
@compiles(json_rows, "postgresql")
def _postgresql_json_rows(element, compiler, **kw):
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


def loaded_json_rows(value: str | None) -> list[list]:
    """The arrays as Python lists (PostgreSQL aggregates no rows to NULL)."""
    return json.loads(value) if value is not None else []
