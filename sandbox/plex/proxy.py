"""What the reverse proxy users put in front of Plex does to a request before Plex sees it.

nginx (`large_client_header_buffers 4 8k`) and Apache (`LimitRequestLine 8190`) refuse a longer
request line with 414 and a small HTML page; Plex behind them never sees the request. Plex edits
carry their values in the query string, so a long summary meets this limit first (modes.py
`request_line_limit`). The whole over-long request is read before answering, so the client gets
the 414 instead of a connection reset while it is still sending.
"""

from __future__ import annotations

from typing import BinaryIO

from sandbox.plex.modes import NO_PROXY_LINE_LIMIT

CHUNK = NO_PROXY_LINE_LIMIT
MAX_DRAIN = 16 * 1024 * 1024  # a client sending more than this in a line or a body is cut off


def read_request_line(rfile: BinaryIO) -> tuple[bytes, int]:
    """(first chunk of the request line, length of the whole line without CRLF). A line longer
    than one chunk is consumed to its end (up to MAX_DRAIN); only its first chunk is returned."""
    first = rfile.readline(CHUNK + 1)
    length = len(first.rstrip(b"\r\n"))
    chunk = first
    while chunk and not chunk.endswith(b"\n") and length < MAX_DRAIN:
        chunk = rfile.readline(CHUNK)
        length += len(chunk.rstrip(b"\r\n"))
    return first, length


def drain_request(rfile: BinaryIO) -> None:
    """Read the header block and a Content-Length body of a request that will be refused."""
    body = 0
    for _ in range(200):
        line = rfile.readline(CHUNK)
        if line in (b"", b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit():
            body = min(int(value.strip()), MAX_DRAIN)
    while body > 0:
        got = rfile.read(min(body, CHUNK))
        if not got:
            break
        body -= len(got)
