"""``Headers``: the immutable, ordered multi-map every AMI message and action carries.

An AMI message is a list of ``Name: value`` lines. Names may repeat (``Variable:`` on an
Originate, ``ChanVariable:`` on events, ``Output:`` on Command) and Asterisk matches them
case-insensitively, taking the first (``astman_get_header``). ``Headers`` keeps every line,
in order, with its original spelling, and answers ``get()`` the way Asterisk does.

Speed: the adapter reads a handful of headers from each of tens of thousands of events a
second. The parser hands over a ready tuple of pairs (no copy, no validation) and the
lower-cased index that ``get()`` needs is built on the first lookup, once, as one dict
comprehension. Events nobody looks into (``Newexten``, ``VarSet``) never pay for it.

This module also holds the checks that decide whether a name or value may go on the wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar, overload

from cti.asterisk.ami.errors import HeaderInjectionError, InvalidHeaderError

T = TypeVar("T")
Pair = tuple[str, str]

_set = object.__setattr__


class Headers:
    """Immutable ordered ``(name, value)`` pairs with case-insensitive, first-wins lookup."""

    __slots__ = ("_index", "_items")
    _items: tuple[Pair, ...]
    _index: dict[str, str] | None

    def __init__(self, items: Iterable[Pair] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        _set(self, "_items", tuple((name, value) for name, value in pairs))
        _set(self, "_index", None)

    @classmethod
    def _trusted(cls, items: tuple[Pair, ...]) -> Headers:
        """Wrap pairs the parser has just built, without copying them."""
        headers = object.__new__(cls)
        _set(headers, "_items", items)
        _set(headers, "_index", None)
        return headers

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Headers is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Headers is immutable")

    def __reduce__(self) -> tuple[type[Headers], tuple[tuple[Pair, ...]]]:
        return (Headers, (self._items,))

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            # Reversed, so that the first of several same-named headers is the one kept.
            index = {name.lower(): value for name, value in reversed(self._items)}
            _set(self, "_index", index)
        return index

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: T) -> str | T: ...
    def get(self, name: str, default: object = None) -> object:
        """The value of the first header called ``name`` in any case, else ``default``."""
        index = self._index
        if index is None:
            index = self._lookup()
        return index.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._lookup()[name.lower()]

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of the headers called ``name`` in any case, in order."""
        wanted = name.lower()
        return tuple(value for key, value in self._items if key.lower() == wanted)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def items(self) -> tuple[Pair, ...]:
        return self._items

    def keys(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._items)

    def __iter__(self) -> Iterator[Pair]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._items == other._items
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"Headers({list(self._items)!r})"


NO_HEADERS = Headers()


def check_name(name: str) -> None:
    """Refuse a header name that Asterisk could not match as one ``Name:`` prefix."""
    if not isinstance(name, str):
        raise InvalidHeaderError(f"header name {name!r} is not a string")
    if "\r" in name or "\n" in name:
        raise HeaderInjectionError(f"CR or LF in header name {name!r}")
    if not name or ":" in name:
        raise InvalidHeaderError(f"header name {name!r} is empty or contains a colon")


def check_value(name: str, value: str) -> None:
    """Refuse a value that would end its line early: the start of a header injection."""
    if not isinstance(value, str):
        raise InvalidHeaderError(f"the value of {name!r} is not a string: {value!r}")
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"CR or LF in the value of {name!r}", details={"header": name})


def encode_line(name: str, value: str) -> bytes:
    """``Name: value`` CRLF as UTF-8, after checking both halves."""
    check_name(name)
    check_value(name, value)
    try:
        return f"{name}: {value}\r\n".encode()
    except UnicodeEncodeError as exc:
        raise InvalidHeaderError(f"{name!r} is not encodable as UTF-8: {exc.reason}") from None
