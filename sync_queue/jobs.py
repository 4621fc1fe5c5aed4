"""What a job is: its target, its reason, its payload in the queue row, and `Job`, the worker's view.

A target is `(kind, id)`, stored as the indexed key `kind:id`. The reason ranks a job
(reconcile < bulk < retry < hook < user): the stronger reason wins when two admissions coalesce,
and stronger reasons are taken first. The payload (the row's `data`) is exactly what
persist-queue's JSON serializer writes, with no key named like its own row keys (design F4).

Standard library only (the hook path imports it); no statements here: see sync_queue.store.
"""

from __future__ import annotations

import json

from sync_queue.values import Value

KINDS = ("scene", "tag", "performer", "studio", "group")
REASONS = ("reconcile", "bulk", "retry", "hook", "user")  # weakest → strongest
RANK = {name: i for i, name in enumerate(REASONS)}
MAX_ERROR_CHARS = 2000

Target = tuple[str, int]


def target_key(target: Target) -> str:
    """The indexed key of a target, e.g. `scene:42`."""
    kind, tid = target
    if kind not in KINDS:
        raise ValueError(f"unknown target kind {kind!r}; expected one of {KINDS}")
    return f"{kind}:{int(tid)}"


def parse_key(key: str) -> Target:
    kind, _, tid = key.partition(":")
    return kind, int(tid)


def rank_of(reason: str) -> int:
    try:
        return RANK[reason]
    except KeyError:
        raise ValueError(f"unknown admission reason {reason!r}; expected one of {REASONS}") from None


def job_payload(kind: str, target_id: int, reason: str, enqueued_at: float, attempts: int, due_at: float,
                last_error: str | None, outages: int = 0, outage_since: float | None = None) -> bytes:
    """The row's `data`: exactly what persistqueue.serializers.json.dumps produces (UTF-8 JSON
    bytes). Keys never collide with persist-queue's own `pqid`/`_id` (design F4). `outages` (times
    put back uncharged for an outage, since `outage_since`) is written only when non-zero."""
    payload: dict[str, object] = {"kind": kind, "target_id": target_id, "reason": reason, "enqueued_at": enqueued_at,
                                  "attempts": attempts, "due_at": due_at, "last_error": last_error}
    if outages:
        payload.update(outages=outages, outage_since=outage_since)
    return json.dumps(payload).encode("utf-8")


class Job(Value):
    """One job as the worker sees it. `attempts` counts failed attempts so far; `outages` the times
    it was put back uncharged because Plex was not serving (since `outage_since`)."""

    __slots__ = ("row_id", "kind", "target_id", "reason", "enqueued_at", "attempts", "due_at", "last_error",
                 "outages", "outage_since")

    def __init__(self, row_id: int, kind: str, target_id: int, reason: str, enqueued_at: float, attempts: int,
                 due_at: float, last_error: str | None = None, outages: int = 0,
                 outage_since: float | None = None) -> None:
        self.row_id = row_id
        self.kind = kind
        self.target_id = target_id
        self.reason = reason
        self.enqueued_at = enqueued_at
        self.attempts = attempts
        self.due_at = due_at
        self.last_error = last_error
        self.outages = outages
        self.outage_since = outage_since

    @classmethod
    def from_row(cls, row_id: int, data: bytes | str) -> Job:
        d = json.loads(data)
        since = d.get("outage_since")
        return cls(row_id, d["kind"], int(d["target_id"]), d["reason"], float(d["enqueued_at"]), int(d["attempts"]),
                   float(d["due_at"]), d.get("last_error"), int(d.get("outages") or 0),
                   float(since) if since is not None else None)

    @property
    def target(self) -> Target:
        return (self.kind, self.target_id)

    def payload(self) -> dict[str, object]:
        return json.loads(self.data())

    def data(self) -> bytes:
        """The payload as the row's `data` (see `job_payload`)."""
        return job_payload(self.kind, self.target_id, self.reason, self.enqueued_at, self.attempts, self.due_at,
                           self.last_error, self.outages, self.outage_since)
