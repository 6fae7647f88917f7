"""``RowLookupJoin``: a LEFT OUTER JOIN of at most one row, looked up for each row on its left.

The caller's own participant row of each listed conversation is such a row. Written as a plain
outer join, PostgreSQL plans it well once it knows the caller's id, but a prepared statement is
planned once for any id (a generic plan, which it keeps when it costs no more than planning
afresh): estimating a few own rows for any caller, that plan read all of a busy staff member's
863 rows into memory and matched each of the page's conversations against them (4 ms against
0.5). On PostgreSQL the join is therefore written as a ``LATERAL`` subquery: an index lookup per
conversation in any plan. ``LIMIT 1`` keeps the planner from flattening it back into the join;
the right side must be unique for the join's condition, so it changes nothing else. Other
databases (SQLite has no ``LATERAL``) get the plain outer join.

It suits a statement that reads the row beside a few others (a page, one conversation); one that
filters on it over many rows (unread only) is better driven from the row's own index.
"""
import itertools

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join


class RowLookupJoin(Join):
    inherit_cache = True

    def __init__(self, left, right, onclause):
        super().__init__(left, right, onclause, isouter=True)


@compiles(RowLookupJoin)
def _outer_join(element, compiler, **kw):
    return compiler.visit_join(element, **kw)


@compiles(RowLookupJoin, "postgresql")
def _lateral_lookup(element, compiler, **kw):
    kw.pop("asfrom", None)
    if (from_linter := kw.get("from_linter")) is not None:
        # As a join does: its two sides are joined, not a cartesian product to warn of.
        from_linter.edges.update(itertools.product(element.left._from_objects, element.right._from_objects))
    left = compiler.process(element.left, asfrom=True, **kw)
    right = compiler.process(element.right, asfrom=True, **kw)  # "table AS name": the name is the lateral's too
    condition = compiler.process(element.onclause, **kw)
    return (f"{left} LEFT OUTER JOIN LATERAL (SELECT * FROM {right} WHERE {condition} LIMIT 1) "
            f"AS {compiler.preparer.format_alias(element.right)} ON true")
