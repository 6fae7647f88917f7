import click
from flask.cli import with_appcontext

from messaging.extensions import db


@click.command("analyze", help="Refresh the query planner's statistics (after bulk loads; nightly on SQLite).")
@with_appcontext
def analyze_command():
    # PostgreSQL's autovacuum keeps statistics fresh by itself; SQLite never gathers
    # any unless asked, and without them it sorts whole inboxes instead of walking
    # the activity index (measured in bench/README.md).
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    click.echo(f"Statistics refreshed on {db.engine.dialect.name}.")
