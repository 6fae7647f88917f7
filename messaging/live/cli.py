"""``flask live-events purge``: drop events older than the replay window (daily, from cron).

A page away longer than that reloads anyway; the table stays the size of a day's changes.
"""
from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import delete

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import LiveEvent
from messaging.unit_of_work import committed

REPLAY_WINDOW = timedelta(days=1)

live_events_group = AppGroup("live-events", help="Maintain the live events that streams replay.")


def purge_older_than(age: timedelta) -> int:
    result = db.session.execute(delete(LiveEvent).where(LiveEvent.created_at < utcnow() - age))
    return result.rowcount


@live_events_group.command("purge")
def purge_command() -> None:
    """Delete events older than a day."""
    with committed():
        removed = purge_older_than(REPLAY_WINDOW)
    click.echo(f"Removed {removed} live event(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(live_events_group)
