"""`python -m worker`: the detached background worker (spawned by worker.process.spawn_worker).

The bundled third-party packages (release zip: vendor/) go on sys.path before anything imports
them; spawn_worker starts us with the plugin folder as working directory, so `core` is importable.
"""

import sys

from core.vendored import activate

activate()

from worker.daemon import main  # noqa: E402 - after activate(): it imports plexapi and requests


def _run() -> int:
    """main(), and a crash it did not foresee recorded for the Stash log (core.fatal)."""
    try:
        return main()
    except Exception as exc:
        from core.fatal import record_fatal
        from core.paths import data_dir, storage_problem
        from core.redact import redact

        folder = data_dir(create=False)
        text = str(exc).lower()
        storage = isinstance(exc, OSError) or any(w in text for w in ("disk is full", "disk i/o", "readonly"))
        record_fatal(folder, storage_problem(folder, exc) if storage else
                     f"Worker crashed: {type(exc).__name__}: {redact(exc)}")
        raise


if __name__ == "__main__":
    sys.exit(_run())
