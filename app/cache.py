"""A bounded least-recently-used cache, shared by the domains that keep immutable things."""

from __future__ import annotations

import threading
from collections import OrderedDict


class LruCache:
    """A bounded least-recently-used cache, per app process, for things that never go stale
    (versions are immutable; a certificate's PDF is keyed by what it shows): lesson page data,
    rendered lesson pages, certificate PDFs. Thread-safe; a stored None reads as a miss."""

    def __init__(self, size: int = 1024):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
