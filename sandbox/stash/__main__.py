"""`python -m sandbox.stash --port P --scenes N --seed S [--path-prefix ...] [--api-key K] [--tls]
[--external-host URL]`: run until killed."""

from __future__ import annotations

import argparse
import sys
import threading

from sandbox.stash.sandbox import StashSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.stash", description=__doc__)
    parser.add_argument("--port", type=int, default=9999)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--path-prefix", default="/stash/media")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--utc-offset", default="+01:00")
    parser.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate for stash.test")
    parser.add_argument("--external-host", default=None, help="Stash's external_host setting (image URLs)")
    args = parser.parse_args(argv)
    box = StashSandbox(scenes=args.scenes, seed=args.seed, path_prefix=args.path_prefix, api_key=args.api_key,
                       utc_offset=args.utc_offset, port=args.port, host=args.host, tls=args.tls,
                       external_host=args.external_host)
    url = box.start()
    print(url, flush=True)
    if box.certificate is not None:
        print(f"certificate: {box.certificate.cert} (for {box.certificate.hostname})", file=sys.stderr, flush=True)
    if box.state.session_cookie:
        print(f"session cookie: {box.state.session_cookie}", file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
