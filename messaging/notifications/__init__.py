"""Email notifications of new messages, and replies by email that land in the thread (issue 9).

- :mod:`.outbox`: a send marks its message for the recipients' email on their participant rows,
  in the UPDATE that counts it unread; the worker turns the marks into outbox rows (one collecting
  row per recipient and conversation).
- :mod:`.delivery`: the worker behind ``flask notifications work|send-due``.
- :mod:`.rendering`, ``templates/emails/``: the emails themselves.
- :mod:`.tokens`: signed unsubscribe links and reply addresses.
- :mod:`.unsubscribe`, :mod:`.preferences`: the pages (no sign-in needed for the first).
- :mod:`.inbound`: replies by email, from ``flask mail receive`` or ``flask mail serve``.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from messaging.cli.mail import mail_group
    from messaging.cli.notifications import notifications_group
    from messaging.models import notifications  # noqa: F401  (registers the tables)
    from messaging.notifications import settings_pages, unsubscribe
    from messaging.notifications.mail import init_mail

    init_mail(app)
    app.register_blueprint(unsubscribe.blueprint)
    settings_pages.register(app)
    app.cli.add_command(notifications_group)
    app.cli.add_command(mail_group)
