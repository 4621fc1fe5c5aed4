"""Read stdin, dispatch, print exactly ONE JSON object — whatever happens in between.

Why the guards: Stash treats anything on stdout as the result, so a stray print (ours or a
library's) would silently replace it. In-process, `sys.stdout` is swapped for a sink that logs
stray text; in the real process (`cli`) file descriptor 1 itself is pointed at stderr and the
result is written to a private duplicate, so even C code or child processes cannot corrupt it.
"""

from __future__ import annotations

import json
import os
import stat
import sys

from core import stashlog
from core.catalog import OPERATION_MODES, TASK_MODES
from core.invocation import InputError, Invocation
from core.redact import redact
from plugin_io.stdin import parse_invocation

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DEBUG_ENV = "STASH2PLEX_DEBUG"


class _StraySink:
    """Stands in for sys.stdout during dispatch: stray text becomes warning log lines on stderr."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self) -> None:
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += str(text)
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            if line.strip():
                stashlog.warning(f"unexpected output (not sent to Stash): {line}")
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            stashlog.warning(f"unexpected output (not sent to Stash): {self._pending}")
        self._pending = ""

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:  # libraries that want a real fd get stderr, never the result channel
        return sys.__stderr__.fileno() if sys.__stderr__ else 2


def dump(result: dict) -> str:
    """Serialise the one result object; anything unserialisable degrades to text, never raises."""
    try:
        return json.dumps(result, default=str, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return json.dumps({"error": f"result could not be encoded as JSON: {redact(exc)}"})


def _dispatch(inv: Invocation) -> object:
    """Route to the hook or task code; imports are lazy so a hook loads only the hook path."""
    if inv.kind == "hook":
        from hooks.run import run_hook

        return run_hook(inv)
    from core.vendored import activate

    activate()  # tasks (never hooks) use the bundled third-party packages of a release zip
    from tasks.dispatch import run_task

    return run_task(inv)


def _preflight(inv: Invocation) -> None:
    """Before any work: the data folder is usable and belongs to this Stash (core.owner), and
    a fatal error the background worker left behind (core.fatal) reaches the Stash log once."""
    from core.paths import data_dir, ensure_data_dir

    folder = data_dir(create=False)
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        return  # nothing to protect yet; the first run that writes creates it
    except OSError:
        mode = 0
    if not stat.S_ISDIR(mode):
        ensure_data_dir(folder)  # a file where the folder should be, or unreadable → DataFolderError
    from core.owner import check_owner

    check_owner(folder, inv.stash_conn.stash_dir, inv.stash_conn.port)
    from core.fatal import take_fatal

    fatal = take_fatal(folder)
    if fatal:
        stashlog.error(f"The Stash2Plex background worker stopped: {redact(fatal)}")


_STORAGE_WORDS = ("disk is full", "no space", "readonly", "read-only", "permission denied", "disk i/o error",
                  "unable to open database")


def _storage_problem(exc: BaseException) -> str | None:
    """An OSError or SQLite error about the data folder → one actionable sentence (core.paths)."""
    sqlite3 = sys.modules.get("sqlite3")
    is_db = sqlite3 is not None and isinstance(exc, sqlite3.OperationalError)
    if not (is_db or isinstance(exc, OSError)):
        return None
    if is_db and not any(word in str(exc).lower() for word in _STORAGE_WORDS):
        return None
    from core.paths import data_dir, storage_problem

    folder = data_dir(create=False)
    name = getattr(exc, "filename", None)
    if isinstance(exc, OSError) and not (name and str(name).startswith(str(folder))):
        import errno

        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            return None
    return storage_problem(folder, exc)


def _debug_traceback() -> None:
    import traceback

    stashlog.debug("".join(traceback.format_exc()).rstrip())


def main(data: bytes | str) -> tuple[int, str]:
    """The whole plugin run for one stdin document → (exit code, the one JSON line for stdout)."""
    if os.environ.get(DEBUG_ENV):
        stashlog.configure(debug=True)
    saved = sys.stdout
    sink = _StraySink()
    sys.stdout = sink  # type: ignore[assignment]
    try:
        try:
            inv = parse_invocation(data, TASK_MODES + OPERATION_MODES)
        except InputError as exc:
            message = redact(exc)
            stashlog.error(message)
            return EXIT_BAD_INPUT, dump({"error": message})
        try:
            _preflight(inv)
            output = _dispatch(inv)
            return EXIT_OK, dump({"output": output})
        except InputError as exc:  # a shape only detectable while deciding (e.g. bulk ids)
            message = redact(exc)
            stashlog.error(message)
            return EXIT_BAD_INPUT, dump({"error": message})
        except BaseException as exc:  # noqa: BLE001 — the one place every failure becomes {"error"}
            message = _describe(exc)
            stashlog.error(message)
            _debug_traceback()
            return EXIT_FAILED, dump({"error": message})
    finally:
        sink.flush()
        sys.stdout = saved


def _describe(exc: BaseException) -> str:
    from core.errors import SyncError

    if isinstance(exc, SyncError):
        return redact(exc.message)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, SystemExit):
        return f"stopped early (exit {exc.code})"
    storage = _storage_problem(exc)
    if storage:
        return redact(storage)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        from core.deps import missing_dependency

        return redact(missing_dependency(exc.name).message)
    return redact(f"{type(exc).__name__}: {exc}")


def _read_stdin() -> bytes:
    stream = sys.stdin
    if stream is None:
        return b""
    try:
        return stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode("utf-8", "replace")
    except (OSError, ValueError):
        return b""


def _divert_stdout_fd() -> int:
    """Keep a private copy of fd 1 for the result, then point fd 1 at stderr for everything else."""
    try:
        sys.stdout.flush()
        private = os.dup(1)  # non-inheritable: spawned children never hold Stash's stdout pipe
        os.dup2(2, 1)
        return private
    except OSError:
        return 1


def cli() -> int:
    """Process entry used by Stash2Plex.py: read ALL of stdin first, then run, then one line out."""
    data = _read_stdin()
    out_fd = _divert_stdout_fd()
    code, text = main(data)
    payload = (text + "\n").encode("utf-8")
    while payload:
        written = os.write(out_fd, payload)
        payload = payload[written:]
    if out_fd != 1:
        os.close(out_fd)
    return code
