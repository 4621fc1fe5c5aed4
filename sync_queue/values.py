"""Value semantics (==, repr) for the package's small `__slots__` record classes.

Plain classes, not dataclasses: the hook path imports these modules, and `dataclasses` (which
imports `inspect`) would cost it more than the admission itself.
"""

from __future__ import annotations


class Value:
    """Equal when of the same type with equal slots; repr lists the slots."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq=True

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"
