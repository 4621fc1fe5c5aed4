"""One run of the plugin as typed values: the invocation, its hook context, ids, and InputError.

Why in core: the stdin parser (plugin_io) produces these, and the hook policy (hooks/) and the
tasks consume them; keeping them here lets both import downward only. Plain classes instead of
dataclasses/typing: the hook path is standard-library-only and each of those costs milliseconds
per hook process.
"""

from __future__ import annotations

from core.connection import StashConnection

MAX_ID = 2**63 - 1
MAX_ID_DIGITS = 19  # len(str(MAX_ID)): longer digit strings are out of range without int() (whose
# own limit of 4300 digits would raise a ValueError that is not an InputError)


class InputError(ValueError):
    """The stdin document is not something Stash sends; the message says what is wrong."""


class HookContext:
    """Stash's `args.hookContext`. `id` is None when Stash sent 0/empty (e.g. the clean task)."""

    __slots__ = ("type", "id", "input", "input_fields")

    def __init__(self, type: str, id: int | None, input: object, input_fields: list[str] | None) -> None:
        self.type = type
        self.id = id
        self.input = input
        self.input_fields = input_fields

    def __repr__(self) -> str:
        return f"HookContext({self.type!r}, id={self.id!r}, fields={self.input_fields!r})"


class Invocation:
    """One run of the plugin: `kind` is "hook" or "task"."""

    __slots__ = ("kind", "stash_conn", "mode", "args", "hook")

    def __init__(self, kind: str, stash_conn: StashConnection, mode: str | None, args: dict[str, str],
                 hook: HookContext | None = None) -> None:
        self.kind = kind
        self.stash_conn = stash_conn
        self.mode = mode
        self.args = args
        self.hook = hook

    def __repr__(self) -> str:
        return f"Invocation({self.kind!r}, mode={self.mode!r}, hook={self.hook!r})"


def parse_id(raw: object, what: str) -> int | None:
    """GraphQL IDs arrive as numbers or numeric strings; 0 / "" / None mean "no id"."""
    if raw is None or raw == "" or raw == 0:
        return None
    if isinstance(raw, bool):
        raise InputError(f"{what} {raw!r} is not a numeric id")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        digits = raw.strip().lstrip("0") or "0"
        if len(digits) > MAX_ID_DIGITS:
            raise InputError(f"{what} {digits[:24]}… ({len(digits)} digits) is out of range")
        value = int(digits)
    else:
        raise InputError(f"{what} {str(raw)[:80]!r} is not a numeric id")
    if value < 0 or value > MAX_ID:
        raise InputError(f"{what} {str(value)[:24]} is out of range")
    return value or None
