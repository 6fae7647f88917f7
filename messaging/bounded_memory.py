"""A per-process memory of answers that may be forgotten at any time, and never grows past a bound.

The pages remember what they can compute again: a printed fragment, a link, a signed CSRF
token. When one is full it starts again, empty: cheaper to keep than an LRU order, and a
forgotten answer costs one computation. (Signatures, which also age, have their own:
:mod:`messaging.remembered_signatures`.)
"""
from flask import current_app

# Entries kept before starting again; each of the uses above is a few hundred bytes to a few KB.
LIMIT = 4096


class BoundedMemory(dict):
    def __init__(self, limit: int = LIMIT):
        super().__init__()
        self.limit = limit

    def keep(self, key, value):
        """Remember ``value`` under ``key`` (forgetting everything first when full); returns it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


def app_memory(name: str) -> BoundedMemory:
    """The current app's memory called ``name``, made on first use: what it remembers may depend
    on the app (its routes, its configuration), and tests run many apps in one process."""
    memory = current_app.extensions.get(name)
    if memory is None:
        memory = current_app.extensions[name] = BoundedMemory()
    return memory
