"""`python -m sandbox.plex --port P --token T --section "Name=/prefix" [...]`: run until killed.

Prints the server URL (one line on stdout) once it listens.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from sandbox.plex.model import DEFAULT_SECTIONS
from sandbox.plex.server import PlexSandbox


def parse_section(text: str) -> tuple[str, str, str]:
    """"Name=/prefix" or "Name=/prefix=agent" (agent default: tv.plex.agents.none)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(f"--section must look like 'Name=/prefix', got {text!r}")
    location, _, agent = rest.partition("=")
    return name.strip(), location.strip(), agent.strip() or "tv.plex.agents.none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.plex", description="Sandbox Plex Media Server")
    parser.add_argument("--port", type=int, default=32400, help="0 picks a free port")
    parser.add_argument("--token", default="sandbox-token")
    parser.add_argument("--section", action="append", type=parse_section, default=[],
                        help='"Name=/prefix[=agent]"; repeatable (default: Movies and Other Videos)')
    args = parser.parse_args(argv)
    sandbox = PlexSandbox(token=args.token, sections=args.section or list(DEFAULT_SECTIONS), port=args.port)
    url = sandbox.start()
    print(url, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
