"""Run `Stash2Plex.py` exactly the way Stash runs a raw-interface Python plugin.

Why so strict: Stash parses the child's whole stdout as ONE JSON object and treats stderr as
`\\x01<level>\\x02message` log lines; a stray print or an unprefixed line is a real bug that
only shows up inside Stash. So the runner fails loudly on either, and mirrors Stash's
environment (stashapp/stash pkg/plugin/raw.go, pkg/python/env.go): working directory is not
the plugin folder, PYTHONPATH keeps Stash's own value and gets the plugins root appended,
stdin carries one JSON document and is then closed, a non-zero exit without an error becomes
`exit status N`, and stderr is read by the same rules as Stash's reader (sandbox.stash.pluginlog).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.paths import DATA_DIR_ENV
from sandbox.stash.pluginlog import StderrScanner, go_parse_float

REPO = Path(__file__).resolve().parent.parent
PLUGIN_SCRIPT = REPO / "Stash2Plex.py"
LEVELS = {"t": "trace", "d": "debug", "i": "info", "w": "warning", "e": "error", "p": "progress"}
# Go's syscall.Signal names, as os/exec reports a killed child ("signal: killed").
_SIGNAL_TEXT = {signal.SIGKILL: "killed", signal.SIGTERM: "terminated", signal.SIGSEGV: "segmentation fault",
                signal.SIGABRT: "aborted", signal.SIGINT: "interrupt", signal.SIGHUP: "hangup",
                signal.SIGPIPE: "broken pipe"}


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
    violations: list[str] = field(default_factory=list)  # what Stash would have logged raw, or lost
    lost_stderr: str = ""  # stderr Stash would not have read (after a too-long line, or the cut-off)

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
    if obj.get("error") is not None and not isinstance(obj["error"], str):
        raise PluginProtocolError(f"stdout 'error' is not a string (Stash drops the whole result): {text[:300]!r}")
    return obj


def parse_stderr(stderr: str | bytes) -> list[tuple[str, str]]:
    """Every stderr line must be a log line Stash reads as the plugin meant it; else PluginProtocolError."""
    scanner = StderrScanner()
    scanner.feed(stderr.encode() if isinstance(stderr, str) else stderr)
    log = scanner.close()
    if log.violations:
        raise PluginProtocolError(log.violations[0])
    return log.logs


def plugin_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The child environment: Stash's (ours plus `env`), with the plugins root appended to a
    PYTHONPATH that Stash keeps when it has one (pkg/python/env.go AppendPythonPath)."""
    out = dict(os.environ)
    out.update(env or {})
    plugins_root = str(REPO.parent)
    out["PYTHONPATH"] = f"{out['PYTHONPATH']}{os.pathsep}{plugins_root}" if "PYTHONPATH" in out else plugins_root
    return out


class _Streams:
    """Stash's way (pkg/plugin/raw.go): stdin written and closed from its own goroutine, stdout
    and stderr read concurrently — so a large document never deadlocks on a full pipe. Stderr
    goes through Stash's line reader as it arrives: a line over the limit closes the pipe."""

    def __init__(self, proc: subprocess.Popen, payload: bytes, cutoff: bool,
                 on_progress: Callable[[float], None] | None) -> None:
        self.proc, self.payload, self.cutoff, self.on_progress = proc, payload, cutoff, on_progress
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.lost: list[bytes] = []
        self.scanner = StderrScanner()
        self.stdout_started = threading.Event()
        self.threads = [threading.Thread(target=self._feed, daemon=True),
                        threading.Thread(target=self._read_stdout, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self.threads:
            thread.start()

    def readers_alive(self, wait: float) -> bool:
        deadline = time.monotonic() + wait
        for thread in self.threads[1:]:
            thread.join(max(0.0, deadline - time.monotonic()))
        return any(t.is_alive() for t in self.threads[1:])

    def _feed(self) -> None:
        stdin = self.proc.stdin
        try:
            if stdin is not None:
                stdin.write(self.payload)
        except OSError:  # Stash only logs a failed stdin write
            pass
        finally:
            with contextlib.suppress(OSError):
                if stdin is not None:
                    stdin.close()

    def _read_stdout(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self.proc.stdout.read1(65536), b""):  # type: ignore[union-attr]
                self.stdout_started.set()
                self.out.append(chunk)

    def _read_stderr(self) -> None:
        pipe = self.proc.stderr
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: pipe.read1(65536), b""):  # type: ignore[union-attr]
                self.err.append(chunk)
                if self.scanner.stopped or (self.cutoff and self.stdout_started.is_set()):
                    self.lost.append(chunk)
                    continue
                seen = len(self.scanner.log.logs)
                self.scanner.feed(chunk)
                self._report_progress(seen)
                if self.scanner.stopped:  # Stash closes its end: the plugin's next write fails (EPIPE)
                    pipe.close()  # type: ignore[union-attr]
                    return

    def _report_progress(self, seen: int) -> None:
        if self.on_progress is None:
            return
        for level, message in self.scanner.log.logs[seen:]:
            value = go_parse_float(message) if level == "p" else None
            if value is not None:
                self.on_progress(value)


def _communicate(streams: _Streams, timeout: float, eof_grace: float) -> None:
    """Wait for both pipes to reach EOF like Stash; detect a child that exited while a grandchild
    still holds its stdout (Stash would keep the hook 'running' until that one exits)."""
    proc = streams.proc
    deadline = time.monotonic() + timeout
    exited_at: float | None = None
    while True:
        if not streams.readers_alive(0.05):
            proc.wait(max(0.1, deadline - time.monotonic()))
            return
        now = time.monotonic()
        if proc.poll() is not None:
            exited_at = exited_at or now
            if now - exited_at > eof_grace:
                raise PluginProtocolError(
                    "the plugin exited but its stdout/stderr is still open in a child process: Stash waits "
                    "for EOF, so the hook would block the user's save until that child exits")
        if now > deadline:
            proc.kill()
            proc.wait()
            raise subprocess.TimeoutExpired(proc.args, timeout)


def exit_error(returncode: int) -> str | None:
    """The error text Go's cmd.Wait gives a failed child (`exit status 2`, `signal: killed`)."""
    if returncode == 0:
        return None
    if returncode < 0:
        try:
            name = _SIGNAL_TEXT.get(signal.Signals(-returncode))
        except ValueError:
            name = None
        return f"signal: {name or f'signal {-returncode}'}"
    return f"exit status {returncode}"


def _payload(stdin: dict[str, Any] | bytes | str) -> bytes:
    if isinstance(stdin, dict):
        return json.dumps(stdin).encode()
    return stdin.encode() if isinstance(stdin, str) else stdin


def run_plugin(stdin: dict[str, Any] | bytes | str, env: dict[str, str] | None = None, timeout: float = 60,
               *, script: str | Path | None = None, python: str | None = None,
               cwd: str | Path | None = None, check_protocol: bool = True, eof_grace: float = 2.0,
               require_data_dir: bool = True, stderr_cutoff: bool = False,
               job: AbstractContextManager[Any] | None = None) -> PluginRun:
    """Run the plugin once as Stash would → parsed output, error and log lines.

    `script` replaces Stash2Plex.py (tests of the runner itself); `cwd` defaults to a fresh
    temporary folder standing in for Stash's working directory (never the plugin folder).
    STASH2PLEX_DATA_DIR must be set (in `env` or our environment) so a test never writes
    into the repository's data/ folder; pass require_data_dir=False to allow that.
    `stderr_cutoff=True` plays Stash's worst case: it closes stderr once the process exited and
    stdout is read, so everything logged after the result started is dropped (`lost_stderr`).
    `job` (e.g. `StashSandbox.running_task("Sync All")`) is entered while the process runs —
    Stash lists a running task in jobQueue — and valid progress lines set its `progress`.
    With check_protocol (default) every protocol violation raises PluginProtocolError;
    otherwise they are listed in `violations` and `logs` holds what Stash would have logged.
    """
    payload = _payload(stdin)
    child_env = plugin_env(env)
    if require_data_dir and not child_env.get(DATA_DIR_ENV):
        raise ValueError(f"set {DATA_DIR_ENV} (e.g. env={{'{DATA_DIR_ENV}': str(tmp_path)}}) so the plugin "
                         "does not use the repository's data/ folder")
    exe = python or sys.executable
    target = Path(script) if script is not None else PLUGIN_SCRIPT
    with contextlib.ExitStack() as stack:
        entered = stack.enter_context(job) if job is not None else None
        on_progress = (lambda p: setattr(entered, "progress", p)) if hasattr(entered, "progress") else None
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="stash-cwd-"))
        proc = subprocess.Popen([exe, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=str(cwd or tmp), env=child_env)
        streams = _Streams(proc, payload, stderr_cutoff, on_progress)
        _communicate(streams, timeout, eof_grace)
    return _result(proc.returncode, streams, check_protocol)


def _result(returncode: int, streams: _Streams, check_protocol: bool) -> PluginRun:
    stdout = b"".join(streams.out).decode("utf-8", errors="replace")
    stderr = b"".join(streams.err).decode("utf-8", errors="replace")
    log = streams.scanner.close()
    try:
        parsed = parse_stdout(stdout)
    except PluginProtocolError as exc:
        if check_protocol:
            raise PluginProtocolError(f"{exc}\n--- exit {returncode}; stderr:\n{stderr[-3000:]}") from None
        parsed = {}
    if check_protocol and log.violations:
        raise PluginProtocolError(f"{log.violations[0]}\n--- exit {returncode}; stderr:\n{stderr[-3000:]}")
    error = parsed.get("error")
    if error is None:  # Stash: a failed Wait fills in an error the plugin did not give
        error = exit_error(returncode)
    return PluginRun(returncode, parsed.get("output"), error, log.logs, stdout, stderr, log.violations,
                     b"".join(streams.lost).decode("utf-8", errors="replace"))


def hook_context(hook_type: str, id: int | None, input: object,  # noqa: A002 - Stash's names
                 input_fields: list[str] | None = None) -> dict[str, Any]:
    """Stash's HookContext JSON: `id` and `inputFields` are omitempty, `input` is always there."""
    context: dict[str, Any] = {}
    if id:
        context["id"] = int(id)
    context["type"] = hook_type
    context["input"] = input
    if input_fields:
        context["inputFields"] = list(input_fields)
    return context


def hook_input(conn: dict[str, Any], hook_type: str, id: int | None, input: object,  # noqa: A002
               input_fields: list[str] | None = None, *, args: dict[str, str] | None = None) -> dict[str, Any]:
    """Stash's stdin document for a hook (e.g. "Scene.Update.Post"); `args` are the hook's defaultArgs."""
    merged: dict[str, Any] = {k: str(v) for k, v in (args or {}).items()}
    merged["hookContext"] = hook_context(hook_type, id, input, input_fields)
    return {"server_connection": conn, "args": merged}


def task_input(conn: dict[str, Any], mode: str, **args: object) -> dict[str, Any]:
    """Stash's stdin document for a task: defaultArgs arrive as strings (YAML `30` → "30")."""
    merged = {"mode": str(mode)}
    merged.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in args.items()})
    return {"server_connection": conn, "args": merged}
