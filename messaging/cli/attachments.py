"""``flask attachments sweep``: find (and with --delete remove) files no attachment row names."""
import click
from flask import current_app
from flask.cli import with_appcontext

from messaging.services.attachment_sweep import DEFAULT_GRACE_SECONDS, sweep


@click.group("attachments", help="Maintenance of the stored attachment files.")
def attachments_group() -> None:
    pass


@attachments_group.command("sweep", help="List files under ATTACHMENT_ROOT that no attachment row names and that "
                                         "are older than an hour (left by a worker that died mid-upload); "
                                         "--delete removes them. Run it from cron, e.g. hourly.")
@click.option("--delete", is_flag=True, help="Remove them (without it, only report).")
@click.option("--older-than", "grace_seconds", type=click.IntRange(min=0), default=DEFAULT_GRACE_SECONDS,
              show_default=True, help="Seconds a file must be old before it is considered.")
@with_appcontext
def sweep_command(delete, grace_seconds):
    root = current_app.config["ATTACHMENT_ROOT"]
    report = sweep(root, delete=delete, grace_seconds=grace_seconds)
    verb = "Removed" if delete else "Would remove"
    for path in report.orphans:
        click.echo(f"{verb} {path}")
    summary = f"{verb} {len(report.orphans)} file(s), {report.bytes_total} bytes, with no attachment row."
    if not delete and report.orphans:
        summary += " Run again with --delete to remove them."
    click.echo(summary)
