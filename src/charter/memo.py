"""Memoising pure functions of a file's text by the text's content digest.

``charter history`` audits one commit after another in one process, and most files are the same
from one point to the next. A repository-level rule whose cached result is invalidated (one of
the many files it reads changed) runs again over every file; what it computes from each file's
text alone is taken from here for the files that did not change. The memo holds digests, not
texts, and a bounded number of entries (least recently used first out).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

_T = TypeVar("_T")


class ByContent(Generic[_T]):
    """``fn(text, *args)`` memoised by the digest of ``text`` and the (hashable) ``args``; or,
    without ``fn``, any computation that :meth:`get` is given for them."""

    def __init__(
        self,
        fn: Callable[..., _T] | None = None,
        maxsize: int = 4096,
        max_chars: int | None = None,
    ) -> None:
        self.fn = fn
        self.maxsize = maxsize
        #: the most characters of text the entries may stand for together (a text longer
        #: than that is computed but not kept); None: no such bound
        self.max_chars = max_chars
        self._store: OrderedDict[tuple[bytes, tuple[Hashable, ...]], _T] = OrderedDict()
        self._chars: dict[tuple[bytes, tuple[Hashable, ...]], int] = {}
        self._total = 0
        self.__doc__ = fn.__doc__ if fn is not None else None

    def __call__(self, text: str, *args: Hashable) -> _T:
        fn = self.fn
        if fn is None:
            raise TypeError("no function to call: use get()")
        return self.get(text, args, lambda: fn(text, *args))

    def get(self, text: str, args: tuple[Hashable, ...], compute: Callable[[], _T]) -> _T:
        """The value memoised for ``text`` and ``args``, else ``compute()`` (which must be
        a function of them alone, however it gets there: from the file's parse tree)."""
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        key = (digest, args)
        store = self._store
        if key in store:
            store.move_to_end(key)
            return store[key]
        value = compute()
        budget = self.max_chars
        if budget is not None and len(text) > budget:
            return value
        store[key] = value
        self._chars[key] = len(text)
        self._total += len(text)
        while len(store) > self.maxsize or (budget is not None and self._total > budget):
            old, _ = store.popitem(last=False)
            self._total -= self._chars.pop(old)
        return value

    def cache_clear(self) -> None:
        self._store.clear()
        self._chars.clear()
        self._total = 0


def by_content(maxsize: int = 4096) -> Callable[[Callable[..., _T]], ByContent[_T]]:
    """Decorator form of :class:`ByContent`."""

    def wrap(fn: Callable[..., _T]) -> ByContent[_T]:
        return ByContent(fn, maxsize)

    return wrap
