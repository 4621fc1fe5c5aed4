"""The Plex side of Stash2Plex: what a scene should look like in Plex, where its item is, one write.

- desired.py  scene + settings → DesiredState with per-group fingerprints (pure); text.py sanitises.
- pathmap.py  Stash→Plex path prefixes and the path normal form (pure).
- client.py   connect (pooled session, timeouts, TLS, no auto-reload), classify errors, sections.
- index.py    SQLite path index built from paged listings; O(1) lookups.
- locate.py   remembered ratingKey → exact mapped path → unique suffix match → Ambiguous/NotInPlex.
- item.py     full item state from one GET; plan.py the pure diff → one edit (tag ownership, locks).
- writer.py   push(): 1 GET, image POSTs only when bytes changed, ONE PUT (+ /:/rate when needed).
- sync.py     locate + push with one re-resolve when the remembered item went stale.
- scan.py     partial folder scan for files Plex does not have yet.
"""
