"""Stash's stdin document → one typed invocation (hook or task).

The background worker is not started through here: worker.process spawns `python -m worker`
and hands it the connection on a pipe.

Why a separate parser: every malformed shape must become a clear InputError (→ `{"error": …}`)
before any dispatch happens, and the hook path must stay standard-library-only and cheap, so
plain classes are used instead of dataclasses/typing (each costs milliseconds per hook process).
"""

from __future__ import annotations

import json

from core.connection import ConnectionInputError, StashConnection, parse_server_connection

HOOK_TYPES = (
    "Scene.Create.Post", "Scene.Update.Post", "Scene.Destroy.Post",
    "Performer.Update.Post", "Studio.Update.Post", "Tag.Update.Post", "Tag.Merge.Post",
    "Group.Update.Post",
)
# Hooks Stash may deliver although the manifest does not subscribe to them (an older manifest, a
# hand-edited one, the deprecated Movie hooks fired together with Group): recognised, then ignored.
IGNORED_HOOK_TYPES = (
    "Performer.Create.Post", "Performer.Destroy.Post", "Studio.Create.Post", "Studio.Destroy.Post",
    "Tag.Create.Post", "Tag.Destroy.Post", "Group.Create.Post", "Group.Destroy.Post",
    "Movie.Create.Post", "Movie.Update.Post", "Movie.Destroy.Post",
)
MAX_ID = 2**63 - 1


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

    __slots__ = ("kind", "conn", "mode", "args", "hook")

    def __init__(self, kind: str, conn: StashConnection, mode: str | None, args: dict[str, str],
                 hook: HookContext | None = None) -> None:
        self.kind = kind
        self.conn = conn
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
        value = int(raw.strip())
    else:
        raise InputError(f"{what} {str(raw)[:80]!r} is not a numeric id")
    if value < 0 or value > MAX_ID:
        raise InputError(f"{what} {value} is out of range")
    return value or None


def _decode(data: bytes | str) -> dict:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"stdin is not UTF-8 text (byte {exc.start}); expected Stash's JSON document") from exc
    else:
        text = data
    if not text.strip():
        raise InputError("stdin is empty: this program is run by Stash, which sends a JSON document on stdin")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"stdin is not valid JSON ({str(exc)[:120]})") from exc
    if not isinstance(doc, dict):
        raise InputError(f"stdin JSON is a {type(doc).__name__}, expected an object with server_connection and args")
    return doc


def _hook_context(raw: object) -> HookContext:
    if not isinstance(raw, dict):
        raise InputError("args.hookContext is not an object")
    hook_type = raw.get("type")
    if not isinstance(hook_type, str) or not hook_type:
        raise InputError("args.hookContext.type is missing")
    if hook_type not in HOOK_TYPES and hook_type not in IGNORED_HOOK_TYPES:
        raise InputError(f"unknown hook type {hook_type[:80]!r}; this plugin handles {', '.join(HOOK_TYPES)}")
    fields = raw.get("inputFields")
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        raise InputError("args.hookContext.inputFields is not a list of field names")
    return HookContext(hook_type, parse_id(raw.get("id"), "args.hookContext.id"), raw.get("input"), fields)


def _string_args(raw: dict) -> dict[str, str]:
    """Task defaultArgs arrive as strings; anything else is stringified (never trusted as code)."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key == "hookContext" or not isinstance(key, str):
            continue
        out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


def parse_invocation(data: bytes | str, known_modes: tuple[str, ...] | frozenset[str]) -> Invocation:
    """Parse the whole stdin document; raises InputError with a message meant for the Stash log."""
    doc = _decode(data)
    try:
        conn = parse_server_connection(doc.get("server_connection"))
    except ConnectionInputError as exc:
        raise InputError(str(exc)) from exc
    args = doc.get("args")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise InputError("args is not an object")
    if "hookContext" in args and args["hookContext"] is not None:
        hook = _hook_context(args["hookContext"])
        return Invocation("hook", conn, None, _string_args(args), hook)
    mode = args.get("mode")
    if mode is None or mode == "":
        raise InputError("no task mode and no hook context: args.mode must be one of " + ", ".join(known_modes))
    if not isinstance(mode, str):
        raise InputError(f"args.mode {str(mode)[:40]!r} is not a string")
    if mode not in known_modes:
        raise InputError(f"unknown mode {mode[:80]!r}; known modes: {', '.join(known_modes)}")
    return Invocation("task", conn, mode, _string_args(args))
