"""A loopback Plex Media Server speaking the Plex API the way plexapi 4.18 uses it.

`PlexSandbox` (server.py) is the entry point; state lives in store.py, the wire format in render.py,
the edit grammar in edits.py, fault modes in faults.py, behaviour switches for what real Plex
leaves unknown in modes.py, the reverse proxy's request-line limit in proxy.py and the /_sandbox/
admin API in admin.py.
"""

from sandbox.plex.server import PlexSandbox

__all__ = ["PlexSandbox"]
