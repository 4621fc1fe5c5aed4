"""`python -m worker`: the detached background worker (spawned by worker.process.spawn_worker).

The bundled third-party packages (release zip: vendor/) go on sys.path before anything imports
them; spawn_worker starts us with the plugin folder as working directory, so `core` is importable.
"""

import sys

from core.vendored import activate

activate()

from worker.daemon import main  # noqa: E402 - after activate(): it imports plexapi and requests

if __name__ == "__main__":
    sys.exit(main())
