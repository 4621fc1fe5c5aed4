"""Read ahead on the Stash scene stream while the current page is being classified.

Why: Stash builds each 1,000-scene page in its own process; without read-ahead the reconcile
waits for every page and then Stash waits for us. A bounded queue (about two pages) keeps memory
flat; errors from the reader (Stash down, 401) are re-raised in the consumer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(source: Iterable[Any], buffer: int = 2000) -> Iterator[Any]:
    """Yield the items of `source`, produced by a background thread up to `buffer` ahead."""
    items: queue.Queue[Any] = queue.Queue(maxsize=max(1, buffer))
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failure(exc))

    thread = threading.Thread(target=produce, name="reconcile-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
