"""Images sent to Plex whose answer was lost, per scene: kept in meta until a push is confirmed.

Why: a connection reset after Plex applied an upload left the plugin unsure whether the poster
landed, and it uploaded it again on every retry. The worker keeps the SHA-1 of what it sent
here (plex.writer._upload_images fills the dict, worker.handle stores it), and the next try
reads Plex's image list once instead of uploading again. `QueueStore.confirm_push` forgets
the entry in the same transaction as the record.
"""

from __future__ import annotations

import json

from sync_queue.store import UNCONFIRMED_UPLOADS, QueueStore


def unconfirmed_uploads(store: QueueStore, scene_id: int) -> dict[str, str]:
    """kind → sha1 of images sent to Plex for this scene whose answer never came back."""
    raw = store.get_meta(UNCONFIRMED_UPLOADS.format(int(scene_id)))
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def note_unconfirmed_uploads(store: QueueStore, scene_id: int, uploads: dict[str, str]) -> None:
    """Remember them until a push of the scene is confirmed (or forget them: empty dict)."""
    store.set_meta(UNCONFIRMED_UPLOADS.format(int(scene_id)), json.dumps(uploads) if uploads else None)
