"""Live delivery (issue 10): changes pushed to open pages and API clients as Server-Sent Events.

- :mod:`audiences` — who may receive an event, derived from the role registry's access rules;
- :mod:`events` — the events of the write paths, recorded in the change's transaction and
  published once it commits;
- :mod:`broker` — in-process fan-out, or Redis pub/sub with one subscription per worker process;
- :mod:`stream` — the SSE stream (replay after ``Last-Event-ID``, heartbeats, re-checks);
- :mod:`pages` and :mod:`api` — the stream for each role's pages and API surface.

The write paths call :func:`announce` and :func:`announce_read`; a statement that records its
events itself (PostgreSQL's one-statement send) builds them with :func:`message_events_in_sql`
and hands what it recorded to :func:`publish_recorded`.
"""
from messaging.live.events import (
    CONVERSATION_STARTED,
    MESSAGE_POSTED,
    STATUS_CHANGED,
    announce,
    announce_read,
    event_body,
    message_events_in_sql,
    publish_recorded,
)

__all__ = ["CONVERSATION_STARTED", "MESSAGE_POSTED", "STATUS_CHANGED", "announce", "announce_read", "event_body",
           "init_app", "message_events_in_sql", "publish_recorded"]


def init_app(app) -> None:
    from messaging.live import broker, cli, pages, sign_out

    broker.init_app(app)
    pages.init_app(app)
    sign_out.init_app(app)
    cli.init_app(app)
