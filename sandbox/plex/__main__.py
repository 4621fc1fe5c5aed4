"""`python -m sandbox.plex --port P --token T --section "Name=/prefix" [--mode name=value ...]`: run
until killed. Modes are the behaviour switches of modes.py (e.g. `--mode tag_edit_mode=add`).

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


def parse_mode(text: str) -> tuple[str, object]:
    """"name=value"; true/false become booleans, numbers stay text (modes.py converts them)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"--mode must look like 'name=value', got {text!r}")
    lowered = value.strip().lower()
    return name.strip(), {"true": True, "false": False}.get(lowered, value.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.plex", description="Sandbox Plex Media Server")
    parser.add_argument("--port", type=int, default=32400, help="0 picks a free port")
    parser.add_argument("--token", default="sandbox-token")
    parser.add_argument("--section", action="append", type=parse_section, default=[],
                        help='"Name=/prefix[=agent]"; repeatable (default: Movies and Other Videos)')
    parser.add_argument("--mode", action="append", type=parse_mode, default=[],
                        help='"name=value" behaviour switch (sandbox/plex/modes.py); repeatable')
    args = parser.parse_args(argv)
    try:
        sandbox = PlexSandbox(token=args.token, sections=args.section or list(DEFAULT_SECTIONS), port=args.port,
                              modes=dict(args.mode))
    except ValueError as exc:
        parser.error(str(exc))
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
