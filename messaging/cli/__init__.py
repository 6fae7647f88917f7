"""Command-line groups: ``flask accounts ...``, ``flask attachments sweep``, ``flask demo`` and ``flask analyze``."""
from flask import Flask

from messaging.cli.accounts import accounts_group
from messaging.cli.analyze import analyze_command
from messaging.cli.attachments import attachments_group
from messaging.cli.demo import demo_command


def register_cli(app: Flask) -> None:
    app.cli.add_command(accounts_group)
    app.cli.add_command(attachments_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(analyze_command)
