import click
from flask.cli import with_appcontext

from messaging.demo_data import load_demo_data
from messaging.unit_of_work import committed


@click.command("demo", help="Load the demo marketplace (idempotent; logins are in the README).")
@with_appcontext
def demo_command():
    with committed():
        created = load_demo_data()
    if created:
        click.echo("Created:\n  " + "\n  ".join(created))
    else:
        click.echo("Demo data already loaded; nothing to do.")
