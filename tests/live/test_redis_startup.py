"""A worker's first Redis subscription: the streams that arrive while it is being made.

After a deploy or a restart every open page reconnects at once, so a fresh worker gets many
streams before its subscription is confirmed. They must all wait for it (a moment), not only
the one that happened to start it; and with Redis unreachable they must be turned away at once,
so that pages fall back to polling instead of hanging.

The tests run their own redis-server on a free port (never the shared one) and pause it.
"""
import signal
import threading
import time

from messaging.live.broker import RedisBroker, Subscription
from tests.live.live_support import free_port, needs_redis_server

pytestmark = needs_redis_server


def test_every_stream_arriving_while_the_first_subscription_is_made_waits_for_it(own_redis):
    broker = RedisBroker(own_redis.url, "test-live-startup")
    opened: dict[int, bool] = {}

    def open_stream(number: int) -> None:
        opened[number] = broker.subscribe(Subscription([f"vendor@{number}"]))

    # Paused, Redis still accepts connections but answers nothing: the subscription is under way
    # until it resumes.
    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        first = threading.Thread(target=open_stream, args=(0,))
        first.start()
        time.sleep(0.3)
        others = [threading.Thread(target=open_stream, args=(number,)) for number in range(1, 6)]
        for thread in others:
            thread.start()
        time.sleep(0.3)
        assert opened == {}, "no stream may be answered before the subscription is"
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    for thread in (first, *others):
        thread.join(timeout=5)

    assert opened == {number: True for number in range(6)}
    assert broker.available


def test_with_redis_unreachable_streams_are_turned_away_without_hanging():
    broker = RedisBroker(f"redis://127.0.0.1:{free_port()}/0", "test-live-startup-unreachable")

    started = time.monotonic()
    assert broker.subscribe(Subscription(["admin"])) is False
    first_answer = time.monotonic() - started
    started = time.monotonic()
    assert broker.subscribe(Subscription(["admin"])) is False
    second_answer = time.monotonic() - started

    # Nothing listens on the port: the first attempt fails at once, and nobody waits out the 2 s.
    assert first_answer < 1.5
    assert second_answer < 0.1
