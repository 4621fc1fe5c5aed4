"""`python -m worker`: the detached background worker (spawned by worker.process.spawn_worker)."""

import sys

from worker.daemon import main

if __name__ == "__main__":
    sys.exit(main())
