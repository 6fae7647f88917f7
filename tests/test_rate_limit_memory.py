"""memory:// rate limits (messaging/rate_limit_memory.py): the same budgets, swept as they are used,
with no thread started per burst of hits."""
import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from messaging import rate_limit_memory
from messaging.rate_limit_memory import SweptWhenUsedMemoryStorage


@pytest.fixture
def clock(monkeypatch):
    """Wall time (the entries' ages) and monotonic time (when the sweep is due), moved by hand."""
    now = {"wall": 1_800_000_000.0, "monotonic": 1_000.0}
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: now["wall"])
    monkeypatch.setattr(rate_limit_memory.time, "monotonic", lambda: now["monotonic"])

    def advance(seconds: float) -> None:
        now["wall"] += seconds
        now["monotonic"] += seconds

    return advance


def test_memory_uris_get_this_storage_and_the_app_uses_it(app):
    from messaging.extensions import limiter

    assert isinstance(storage_from_string("memory://"), SweptWhenUsedMemoryStorage)
    assert isinstance(limiter.limiter.storage, SweptWhenUsedMemoryStorage)


def test_a_budget_refuses_past_its_limit_and_allows_again_once_the_window_has_passed(clock):
    limiter = MovingWindowRateLimiter(storage_from_string("memory://"))
    budget = parse("3 per minute")
    assert [limiter.hit(budget, "send", "vendor:7") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(budget, "send", "customer:1"), "another account has its own budget"
    clock(61)
    assert limiter.hit(budget, "send", "vendor:7")


def test_hits_start_no_threads(monkeypatch, clock):
    storage = storage_from_string("memory://")
    limiter = MovingWindowRateLimiter(storage)
    started = []
    original_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread) or original_start(thread))
    budget = parse("1000 per second")
    for _ in range(10):
        limiter.hit(budget, "send", "vendor:7")
        # limits' own storage starts a sweeping thread 10 ms after a hit once the last one has run
        time.sleep(0.015)
        clock(0.015)
    assert started == []


def test_expired_entries_and_their_keys_are_dropped_by_the_first_hit_once_a_sweep_is_due(clock):
    storage = storage_from_string("memory://")
    limiter = MovingWindowRateLimiter(storage)
    budget = parse("5 per second")

    def accounts_held() -> set[str]:
        return {account for account in "abcde" if any(f"/{account}/" in key for key in storage.events)}

    limiter.hit(budget, "send", "a")  # the first hit sweeps; the next sweep is due a second later
    clock(0.5)
    limiter.hit(budget, "send", "b")  # b's entry ends its window at 1.5 s
    clock(0.5)
    limiter.hit(budget, "send", "c")  # 1.0 s: a sweep, which drops a
    assert accounts_held() == {"b", "c"}
    clock(0.6)
    limiter.hit(budget, "send", "d")  # 1.6 s: b has expired, but the next sweep is not due before 2.0 s
    assert accounts_held() == {"b", "c", "d"}
    clock(0.4)
    limiter.hit(budget, "send", "e")  # 2.0 s: a sweep, which drops b and c
    assert accounts_held() == {"d", "e"}
