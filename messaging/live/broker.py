"""Fan-out of committed events to the open streams of this process, in memory.

:class:`LocalBroker` is the embedded default (one process: ``make run``, the tests). With
``REDIS_URL`` set, :class:`RedisBroker` publishes to one Redis channel and every worker
process holds ONE subscription to it (a background thread, a greenlet under gevent), which
hands each event to the streams of its audience in memory: never a Redis connection per
browser.

When the subscription is lost (Redis gone) the broker ends every open stream and refuses new
ones until it is subscribed again: pages fall back to polling, and reconnecting streams are
replayed from the database what was published meanwhile. Publishing never raises: the event
rows are committed already, and the replay delivers them.
"""
import json
import logging
import os
import queue
import random
import threading
import time
from collections.abc import Iterable

from flask import Flask

from messaging.live.events import Event

log = logging.getLogger(__name__)

# What a subscription hands a stream besides events.
CLOSED = "closed"  # the broker lost its feed: end the stream, the client reconnects and replays
# A signed-out browser session (messaging/live/sign_out.py): its streams end.
SIGNED_OUT = "signed-out"


class Subscription:
    """One open stream's inbox: events of its audiences, in the order they arrived."""

    # A client that stops reading (a stalled connection) would otherwise grow its inbox without end.
    # Past this many waiting items the stream is ended: the client reconnects and replays from the database.
    MAX_WAITING = 1000

    def __init__(self, audiences: Iterable[str], session_token: str | None = None):
        self.audiences = tuple(audiences)
        self.session_token = session_token
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._overflowed = False

    def put(self, item) -> None:
        if self._overflowed:
            return
        if self._inbox.qsize() >= self.MAX_WAITING:
            self._overflowed = True
            item = CLOSED
        self._inbox.put(item)

    def get(self, timeout: float):
        """The next event or control word, or None after ``timeout`` seconds of quiet."""
        try:
            return self._inbox.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None


class LocalBroker:
    """The streams of this process by audience; publishing delivers to them directly."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_audience: dict[str, set[Subscription]] = {}
        self._said_why_not = False

    @property
    def available(self) -> bool:
        return True

    def reaches_every_stream(self, environ: dict) -> bool:
        """Whether a stream opened by this request hears of every event, whichever process commits it.

        In memory, events reach only the streams of the process that committed them; when other
        processes serve the app too (``gunicorn -w 2``: WSGI's ``wsgi.multiprocess``), a stream
        here would miss theirs while its page, trusting it, stopped polling. So there are no
        streams then, and pages poll.
        """
        if not environ.get("wsgi.multiprocess", False):
            return True
        if not self._said_why_not:
            self._said_why_not = True
            log.warning("Live delivery is off: several processes serve the app and REDIS_URL is not set, "
                        "so an event would reach only the streams of the process that committed it. "
                        "Pages poll instead; set REDIS_URL to deliver live.")
        return False

    def subscribe(self, subscription: Subscription) -> bool:
        """Register a stream; False when no events can be promised (then it should not stay open)."""
        self._ensure_listening()
        if not self.available:
            return False
        with self._lock:
            for audience in subscription.audiences:
                self._by_audience.setdefault(audience, set()).add(subscription)
        return True

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            for audience in subscription.audiences:
                streams = self._by_audience.get(audience)
                if streams is not None:
                    streams.discard(subscription)
                    if not streams:
                        del self._by_audience[audience]

    def stream_count(self) -> int:
        with self._lock:
            return len({subscription for streams in self._by_audience.values() for subscription in streams})

    def publish(self, events: list[Event]) -> None:
        self._deliver([event.as_json() for event in events])

    def sign_out(self, audience: str, session_token: str) -> None:
        self._deliver([{"control": SIGNED_OUT, "audience": audience, "session_token": session_token}])

    def _deliver(self, items: list[dict]) -> None:
        for item in items:
            with self._lock:
                streams = tuple(self._by_audience.get(item["audience"], ()))
            if "control" in item:
                for subscription in streams:
                    if subscription.session_token == item["session_token"]:
                        subscription.put(SIGNED_OUT)
                continue
            event = Event(**item)
            for subscription in streams:
                subscription.put(event)

    def _close_all(self) -> None:
        with self._lock:
            streams = {subscription for group in self._by_audience.values() for subscription in group}
            self._by_audience.clear()
        for subscription in streams:
            subscription.put(CLOSED)

    def _ensure_listening(self) -> None:
        pass


class RedisBroker(LocalBroker):
    """Events travel through one Redis channel; each process listens once and fans out locally."""

    RECONNECT_DELAYS = (0.5, 1, 2, 4, 5)

    def __init__(self, url: str, channel: str):
        super().__init__()
        import redis

        self.channel = channel
        # Short timeouts: a Redis that hangs must not hold up the request that just committed.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self._listener_client = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_keepalive=True, health_check_interval=5
        )
        self._subscribed = threading.Event()
        # Set once this process's first attempt to subscribe has ended, subscribed or not.
        self._first_attempt_over = threading.Event()
        self._listener_pid: int | None = None
        self._start_lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._subscribed.is_set()

    def reaches_every_stream(self, environ: dict) -> bool:
        # Every process subscribes to the one channel every event is published to.
        return True

    def publish(self, events: list[Event]) -> None:
        try:
            self._client.publish(self.channel, json.dumps([event.as_json() for event in events]))
        except Exception as error:  # the rows are committed: a reconnecting stream replays them
            log.warning("Live events not published (they will be replayed): %s", error)

    def sign_out(self, audience: str, session_token: str) -> None:
        message = [{"control": SIGNED_OUT, "audience": audience, "session_token": session_token}]
        try:
            self._client.publish(self.channel, json.dumps(message))
        except Exception as error:
            log.warning("Sign-out not published to live streams: %s", error)

    def _ensure_listening(self) -> None:
        # Started lazily in the process that serves streams: a gunicorn worker forks after the app is built.
        if self._listener_pid != os.getpid():
            with self._start_lock:
                if self._listener_pid != os.getpid():
                    # What a forked worker inherited describes its parent's subscription, not its own.
                    self._subscribed.clear()
                    self._first_attempt_over.clear()
                    self._listener_pid = os.getpid()
                    threading.Thread(target=self._listen_forever, name="live-events-listener", daemon=True).start()
        # A fresh worker waits a moment for its subscription rather than turning streams away; every
        # stream that arrives meanwhile waits, not only the one that started it: after a restart,
        # every open page reconnects at once (the live benchmark's 100 streams found about half of
        # them refused). Once the first attempt is over, nobody waits: with Redis away, at once.
        if not self._first_attempt_over.is_set():
            self._first_attempt_over.wait(timeout=2)

    def _listen_forever(self) -> None:
        failures = 0
        while True:
            pubsub = None
            try:
                pubsub = self._listener_client.pubsub()
                pubsub.subscribe(self.channel)
                # Confirmed only once Redis answers; then events published from now on arrive.
                confirmation = pubsub.get_message(timeout=2)
                while confirmation is None or confirmation.get("type") != "subscribe":
                    if confirmation is None:
                        raise ConnectionError("no subscription confirmation from Redis")
                    confirmation = pubsub.get_message(timeout=2)
                pubsub.ignore_subscribe_messages = True
                self._subscribed.set()
                self._first_attempt_over.set()
                failures = 0
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._deliver(json.loads(message["data"]))
            except Exception as error:
                if self._subscribed.is_set():
                    log.warning("Live events: lost the Redis subscription (%s); streams fall back to polling", error)
                self._subscribed.clear()
                self._first_attempt_over.set()
                self._close_all()
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        log.debug("Closing a broken Redis subscription failed", exc_info=True)
                delay = self.RECONNECT_DELAYS[min(failures, len(self.RECONNECT_DELAYS) - 1)]
                failures += 1
                time.sleep(delay * random.uniform(0.8, 1.2))


def build_broker(app: Flask) -> LocalBroker:
    url = app.config["REDIS_URL"]
    if url:
        return RedisBroker(url, app.config["LIVE_REDIS_CHANNEL"])
    return LocalBroker()


def init_app(app: Flask) -> None:
    app.extensions["live_broker"] = build_broker(app)
