"""Run `Stash2Plex.py` exactly the way Stash runs a raw-interface Python plugin.

Why so strict: Stash parses the child's whole stdout as ONE JSON object and treats stderr as
`\\x01<level>\\x02message` log lines; a stray print or an unprefixed line is a real bug that
only shows up inside Stash. So the runner fails loudly on either, and mirrors Stash's
environment: working directory is not the plugin folder, PYTHONPATH gets the plugins root,
stdin carries one JSON document and is then closed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.paths import DATA_DIR_ENV

REPO = Path(__file__).resolve().parent.parent
PLUGIN_SCRIPT = REPO / "Stash2Plex.py"
LOG_LINE = re.compile(r"^\x01([tdiwep])\x02(.*)$", re.DOTALL)
LEVELS = {"t": "trace", "d": "debug", "i": "info", "w": "warning", "e": "error", "p": "progress"}


class PluginProtocolError(AssertionError):
    """The plugin broke Stash's stdout/stderr protocol."""


@dataclass
class PluginRun:
    returncode: int
    output: Any
    error: str | None
    logs: list[tuple[str, str]] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""

    def messages(self, level: str | None = None) -> list[str]:
        """Log messages, optionally of one level ('t','d','i','w','e','p')."""
        return [m for lv, m in self.logs if level is None or lv == level]


def parse_stdout(stdout: str) -> dict[str, Any]:
    """Stdout must be exactly one JSON object (surrounding whitespace allowed), like Stash expects."""
    text = stdout.strip()
    if not text:
        raise PluginProtocolError("plugin wrote nothing on stdout; Stash expects one JSON object")
    try:
        obj, end = json.JSONDecoder().raw_decode(text)
    except ValueError as exc:
        raise PluginProtocolError(f"stdout is not JSON: {text[:300]!r}") from exc
    if text[end:].strip():
        raise PluginProtocolError(f"stdout has more than one JSON document: {text[end:][:300]!r}")
    if not isinstance(obj, dict):
        raise PluginProtocolError(f"stdout JSON is not an object: {text[:300]!r}")
    return obj


def parse_stderr(stderr: str) -> list[tuple[str, str]]:
    """Every stderr line must carry Stash's log prefix; lines over 64 KiB break Stash's reader."""
    logs: list[tuple[str, str]] = []
    for line in stderr.splitlines():
        if not line:
            continue
        if len(line.encode()) > 64 * 1024:
            raise PluginProtocolError(f"stderr line over 64 KiB ({len(line)} chars): Stash's reader breaks")
        match = LOG_LINE.match(line)
        if not match:
            raise PluginProtocolError(f"stderr line without \\x01<level>\\x02 prefix: {line[:300]!r}")
        logs.append((match.group(1), match.group(2)))
    return logs


def plugin_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The child environment: ours plus `env`, with the plugins root appended to PYTHONPATH as Stash does."""
    out = dict(os.environ)
    out.pop("PYTHONPATH", None)
    out.update(env or {})
    plugins_root = str(REPO.parent)
    existing = out.get("PYTHONPATH")
    out["PYTHONPATH"] = f"{existing}{os.pathsep}{plugins_root}" if existing else plugins_root
    return out


def _feed(pipe: Any, payload: bytes) -> None:
    """Write the whole stdin document, then close stdin (Stash writes one document and closes)."""
    with contextlib.suppress(OSError):  # a child that exited without reading needs nothing
        pipe.write(payload)
    with contextlib.suppress(OSError):
        pipe.close()


def _communicate(proc: subprocess.Popen, payload: bytes, timeout: float, eof_grace: float) -> tuple[bytes, bytes]:
    """Feed stdin, read both pipes to EOF like Stash; detect a child that exited while a
    grandchild still holds its stdout (Stash would keep the hook 'running' until that one exits).

    Why stdin is written from a thread: `communicate(input, timeout)` retried after a timeout
    stops writing the rest of the input (CPython registers stdin only when input is passed, and
    refuses input on a retry), so a document larger than the pipe buffer hung whenever the child
    had not read it within the first poll."""
    stdin, proc.stdin = proc.stdin, None
    writer = threading.Thread(target=_feed, args=(stdin, payload), name="plugin-stdin", daemon=True)
    writer.start()
    deadline = time.monotonic() + timeout
    exited_at: float | None = None
    while True:
        try:
            out, err = proc.communicate(timeout=0.1)
            return out, err
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if proc.poll() is not None:
            exited_at = exited_at or now
            if now - exited_at > eof_grace:
                for pipe in (proc.stdout, proc.stderr):
                    if pipe is not None:
                        pipe.close()
                raise PluginProtocolError(
                    "the plugin exited but its stdout/stderr is still open in a child process: Stash waits "
                    "for EOF, so the hook would block the user's save until that child exits")
        if now > deadline:
            proc.kill()
            proc.wait()
            raise subprocess.TimeoutExpired(proc.args, timeout)


def run_plugin(stdin: dict[str, Any] | bytes | str, env: dict[str, str] | None = None, timeout: float = 60,
               *, script: str | Path | None = None, python: str | None = None,
               cwd: str | Path | None = None, check_protocol: bool = True, eof_grace: float = 2.0,
               require_data_dir: bool = True) -> PluginRun:
    """Run the plugin once as Stash would → parsed output, error and log lines.

    `script` replaces Stash2Plex.py (tests of the runner itself); `cwd` defaults to a fresh
    temporary folder standing in for Stash's working directory (never the plugin folder).
    STASH2PLEX_DATA_DIR must be set (in `env` or our environment) so a test never writes
    into the repository's data/ folder; pass require_data_dir=False to allow that.
    """
    if isinstance(stdin, dict):
        payload = json.dumps(stdin).encode()
    elif isinstance(stdin, str):
        payload = stdin.encode()
    else:
        payload = stdin
    child_env = plugin_env(env)
    if require_data_dir and not child_env.get(DATA_DIR_ENV):
        raise ValueError(f"set {DATA_DIR_ENV} (e.g. env={{'{DATA_DIR_ENV}': str(tmp_path)}}) so the plugin "
                         "does not use the repository's data/ folder")
    exe = python or sys.executable
    target = Path(script) if script is not None else PLUGIN_SCRIPT
    with tempfile.TemporaryDirectory(prefix="stash-cwd-") as tmp:
        proc = subprocess.Popen([exe, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=str(cwd or tmp), env=child_env)
        raw_out, raw_err = _communicate(proc, payload, timeout, eof_grace)
    stdout = raw_out.decode("utf-8", errors="replace")
    stderr = raw_err.decode("utf-8", errors="replace")
    if not check_protocol:
        try:
            parsed = parse_stdout(stdout)
        except PluginProtocolError:
            parsed = {}
        logs = [(m.group(1), m.group(2)) for m in map(LOG_LINE.match, stderr.splitlines()) if m]
    else:
        try:
            parsed = parse_stdout(stdout)
            logs = parse_stderr(stderr)
        except PluginProtocolError as exc:
            raise PluginProtocolError(f"{exc}\n--- exit {proc.returncode}; stderr:\n{stderr[-3000:]}") from None
    error = parsed.get("error")
    return PluginRun(proc.returncode, parsed.get("output"), error if error else None, logs, stdout, stderr)


def hook_input(conn: dict[str, Any], hook_type: str, id: int | None, input: object,  # noqa: A002
               input_fields: list[str] | None = None, *, args: dict[str, str] | None = None) -> dict[str, Any]:
    """Stash's stdin document for a hook (e.g. "Scene.Update.Post"); `args` are the hook's defaultArgs."""
    context: dict[str, Any] = {"id": id, "type": hook_type, "input": input, "inputFields": list(input_fields or [])}
    merged: dict[str, Any] = {k: str(v) for k, v in (args or {}).items()}
    merged["hookContext"] = context
    return {"server_connection": conn, "args": merged}


def task_input(conn: dict[str, Any], mode: str, **args: object) -> dict[str, Any]:
    """Stash's stdin document for a task: defaultArgs arrive as strings (YAML `30` → "30")."""
    merged = {"mode": str(mode)}
    merged.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in args.items()})
    return {"server_connection": conn, "args": merged}
