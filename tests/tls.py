"""Self-signed certificates and loopback HTTPS servers for TLS tests (openssl command line)."""

from __future__ import annotations

import contextlib
import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command line")


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """(certificate, key) for `name` only — not for 127.0.0.1, like a real home-server certificate."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def fixed_answer(body: bytes, content_type: str) -> type[http.server.BaseHTTPRequestHandler]:
    """A handler that answers every GET and POST with `body` (the request body is read first)."""

    class _Fixed(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's names

        def log_message(self, *args: object) -> None:
            pass

    return _Fixed


@contextlib.contextmanager
def https_server(handler: type[http.server.BaseHTTPRequestHandler], cert: Path, key: Path) -> Iterator[int]:
    """Serve `handler` over TLS on a loopback port; yields the port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
