"""Stash's stdin document → one typed invocation (hook or task), or an InputError saying what is wrong.

The background worker is not started through here: worker.process spawns `python -m worker`
and hands it the connection on a pipe.

Why a separate parser: every malformed shape must become a clear InputError (→ `{"error": …}`)
before any dispatch happens, and the hook path must stay standard-library-only and cheap.
Which hook types exist comes from core.catalog (the table the manifest is generated from).
"""

from __future__ import annotations

import json

from core.catalog import HOOK_TYPES, IGNORED_HOOK_TYPES
from core.connection import ConnectionInputError, parse_server_connection
from core.invocation import HookContext, InputError, Invocation, parse_id

_KNOWN_HOOK_TYPES = frozenset(HOOK_TYPES + IGNORED_HOOK_TYPES)


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
    if hook_type not in _KNOWN_HOOK_TYPES:
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
    """Parse the whole stdin document; raises InputError with a message meant for the Stash log.

    A shape no check above foresaw (a wrong type deep inside, a number too long for int()) still
    becomes an InputError, never a traceback: the document is what is wrong, not the plugin."""
    try:
        return _parse(data, known_modes)
    except InputError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise InputError(f"stdin document has an unexpected shape ({type(exc).__name__}: {str(exc)[:120]})") from exc


def _parse(data: bytes | str, known_modes: tuple[str, ...] | frozenset[str]) -> Invocation:
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
