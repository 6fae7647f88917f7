"""One Server-Sent Events stream: replay after ``Last-Event-ID``, then live events, heartbeats, re-checks.

The stream subscribes first and replays second, so nothing committed in between is lost; an
event arriving both ways is sent once. The replay comes from ``live_events`` rows of the
stream's own audiences (the access rules, :mod:`messaging.live.audiences`), never from
anything wider. A page that has been away too long (more than ``REPLAY_LIMIT`` events) gets
one ``resync`` event instead: fetch everything again.

The stream holds no database connection while it waits: it reads the replay and each
periodic re-check of its credential, then gives the connection back.
"""
import random
import time
from collections.abc import Callable, Iterator

from flask import Response, current_app, request, stream_with_context
from sqlalchemy import func, select

from messaging import read_connection
from messaging.extensions import db
from messaging.identity import Principal
from messaging.live.audiences import audiences_of
from messaging.live.broker import CLOSED, SIGNED_OUT, Subscription
from messaging.live.events import RESYNC, Event, sse_frame
from messaging.models import LiveEvent

REPLAY_LIMIT = 500
# Sent once the stream is subscribed and caught up: from now on the page may stop polling.
READY = "ready"
# The credential no longer holds (signed out, deactivated, membership lost): do not reconnect.
ENDED = "ended"


def event_stream(
    principal: Principal,
    still_allowed: Callable[[], bool],
    after: int | None,
    session_token: str | None = None,
) -> Response:
    """The streaming response for ``principal``; ``still_allowed`` re-checks its credential."""
    config = current_app.config
    broker = current_app.extensions["live_broker"]
    subscription = Subscription(audiences_of(principal), session_token)
    timing = _Timing(
        heartbeat=config["LIVE_HEARTBEAT_SECONDS"],
        recheck=config["LIVE_RECHECK_SECONDS"],
        lifetime=config["LIVE_STREAM_MAX_SECONDS"],
    )

    reaches_every_stream = broker.reaches_every_stream(request.environ)

    def generate() -> Iterator[str]:
        # Clients reconnect after a few seconds, spread out so a restart is not a stampede.
        retry = f"retry: {random.randint(3000, 7000)}\n\n"
        if not reaches_every_stream or not broker.subscribe(subscription):
            yield retry  # no feed (Redis away, or other processes' events out of reach): clients poll, try later
            return
        try:
            yield retry
            replayed = yield from _replay(subscription.audiences, after)
            yield sse_frame(READY, "{}")
            yield from _live(subscription, replayed, still_allowed, timing)
        finally:
            broker.unsubscribe(subscription)

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def last_event_id(query_value: int | None = None) -> int | None:
    """Where a reconnecting client left off: ``Last-Event-ID`` (sent by the browser) or ``?after=``."""
    header = request.headers.get("Last-Event-ID", "").strip()
    candidates = [int(header)] if header.isdigit() else []
    if query_value is not None:
        candidates.append(query_value)
    return max(candidates) if candidates else None


def latest_event_id() -> int:
    """The newest event id: a page rendered now has seen everything up to it."""
    return db.session.scalar(select(func.max(LiveEvent.id))) or 0


class _Timing:
    def __init__(self, heartbeat: float, recheck: float, lifetime: float):
        self.heartbeat, self.recheck, self.lifetime = heartbeat, recheck, lifetime


def _replay(audiences: tuple[str, ...], after: int | None):
    if after is None:
        return set()
    try:
        rows = db.session.execute(
            select(LiveEvent.id, LiveEvent.audience, LiveEvent.name, LiveEvent.data)
            .where(LiveEvent.audience.in_(audiences), LiveEvent.id > after)
            .order_by(LiveEvent.id)
            .limit(REPLAY_LIMIT + 1)
        ).all()
        if len(rows) > REPLAY_LIMIT:
            newest = db.session.scalar(select(func.max(LiveEvent.id)).where(LiveEvent.audience.in_(audiences)))
            yield sse_frame(RESYNC, "{}", newest)
            return set()
    finally:
        _give_connections_back()  # before waiting
    for row in rows:
        yield Event(*row).frame
    return {row.id for row in rows}


def _live(subscription: Subscription, replayed: set[int], still_allowed: Callable[[], bool], timing: _Timing):
    now = time.monotonic()
    # The first re-check at a random point of the interval: streams opened together (a deploy,
    # a benchmark) would otherwise all query the database in the same instant, forever after.
    next_heartbeat, ends_at = now + timing.heartbeat, now + timing.lifetime
    next_check = now + timing.recheck * random.uniform(0.2, 1.0)
    while True:
        now = time.monotonic()
        if now >= ends_at:
            return  # the client reconnects at once with Last-Event-ID (and lands on any worker)
        item = subscription.get(timeout=min(next_heartbeat, next_check, ends_at) - now)
        if item is None:
            now = time.monotonic()
            if now >= next_check:
                if not _checked(still_allowed):
                    yield sse_frame(ENDED, "{}")
                    return
                next_check = now + timing.recheck
            if now >= next_heartbeat:
                yield ": heartbeat\n\n"  # keeps proxies from cutting an idle stream; finds closed clients
                next_heartbeat = now + timing.heartbeat
            continue
        if item == CLOSED:
            return
        if item == SIGNED_OUT:
            yield sse_frame(ENDED, "{}")
            return
        if item.id in replayed:
            continue
        yield item.frame
        next_heartbeat = time.monotonic() + timing.heartbeat


def _checked(still_allowed: Callable[[], bool]) -> bool:
    try:
        return still_allowed()
    finally:
        _give_connections_back()


def _give_connections_back() -> None:
    """A stream waits for minutes: it must not keep a connection of the pool's few meanwhile (the
    Session's, or the one its reads go through, messaging/read_connection.py)."""
    db.session.remove()
    read_connection.release()


