"""The Flask class of this app: Flask, minus a check repeated on every hook of every request."""
from collections.abc import Callable

from flask import Flask


class MessagingFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask's answer, remembered per function.

        Flask asks ``inspect`` whether a function is a coroutine each time it calls a view, a
        before- or after-request hook, a context processor or a teardown: 22 times for one badge
        poll, a tenth of what the poll costs in Python. The answer never changes for a function.
        """
        synchronous = self._sync_functions.get(func)
        if synchronous is None:
            synchronous = self._sync_functions[func] = super().ensure_sync(func)
        return synchronous
