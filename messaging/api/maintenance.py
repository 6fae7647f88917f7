"""``flask idempotency-keys purge``: forget remembered API answers past their replay window.

Expired keys are also replaced lazily when reused; the purge keeps the table from
growing with keys nobody reuses (run it daily, e.g. from cron).
"""
import click
from flask.cli import AppGroup

from messaging.extensions import db
from messaging.services.idempotency import IdempotencyService
from messaging.unit_of_work import committed

idempotency_group = AppGroup("idempotency-keys", help="Maintain the JSON API's Idempotency-Key records.")


@idempotency_group.command("purge")
def purge_command() -> None:
    """Delete records older than the 24-hour replay window."""
    with committed():
        removed = IdempotencyService(db.session).purge_expired()
    click.echo(f"Removed {removed} expired idempotency key(s).")
