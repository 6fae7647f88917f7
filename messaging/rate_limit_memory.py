"""``memory://`` rate-limit counts that are swept as they are used, not by a new thread every 10 ms.

limits' ``MemoryStorage`` (the storage behind ``RATELIMIT_STORAGE_URI=memory://``, the embedded
default) drops expired entries on a ``threading.Timer`` of 10 ms, which every hit starts afresh
once the last one has run: under a steady stream of sends, each process started a new OS thread
about every 10 ms, to scan every key while holding the GIL (strace of one gunicorn worker:
339 threads created in 5 s; cProfile in-process: a thread start in one send of five). Under
gthread workers each of those threads also competed with the request threads for the GIL.

The counts never depended on that sweep: a moving window counts only the entries inside it,
and a fixed window's counter is dropped by the read that finds it expired. The sweep only frees
memory. Here it runs in the hit that finds it due, at most once every ``SWEEP_SECONDS``, by one
thread at a time; an entry outlives its window by that much at most, and a key whose entries
have all expired goes with them (limits' sweep kept it, empty, for the life of the process).

Registered for the ``memory`` scheme, so ``memory://`` means this storage wherever the app runs.
"""
import threading
import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 1.0


class SweptWhenUsedMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args, **kwargs):
        self._sweeping = threading.Lock()
        self._next_sweep = 0.0
        super().__init__(*args, **kwargs)

    # MemoryStorage calls this (name-mangled: it is private there) at every hit to start its timer.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
            self._forget_emptied_keys()
        finally:
            self._sweeping.release()

    def _forget_emptied_keys(self) -> None:
        # limits' sweep leaves an emptied key's list in place: one key for every account and every
        # address that ever signed in or sent, for the life of the process.
        for key in [key for key, entries in self.events.items() if not entries]:
            with self.locks[key]:
                if not self.events.get(key):
                    self.events.pop(key, None)
                    self.locks.pop(key, None)
