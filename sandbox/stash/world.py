"""The sandbox Stash's in-memory world: scenes, files, performers, studios, tags, groups, config.

Why compact records: 100,000 seeded scenes must fit in well under 1 GB, so relations are
tuples of shared int ids and nested objects are only built when a query asks for them.
Every mutation goes through `World` under one lock and bumps `updated_at` the way Stash does.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import SYSTEM_CLOCK, Clock


@dataclass(slots=True)
class File:
    id: int
    path: str
    size: int
    duration: float
    width: int
    height: int
    mod_time: str
    created_at: str

    @property
    def basename(self) -> str:
        """Last path component, for POSIX and Windows paths alike (Stash on Windows reports D:\\…)."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(slots=True)
class Scene:
    id: int
    title: str | None
    code: str | None
    details: str | None
    director: str | None
    urls: tuple[str, ...]
    date: str | None
    rating100: int | None
    organized: bool
    created_at: str
    updated_at: str
    updated_ts: int
    file_ids: tuple[int, ...]
    studio_id: int | None
    performer_ids: tuple[int, ...]
    tag_ids: tuple[int, ...]
    groups: tuple[tuple[int, int | None], ...]
    stash_ids: tuple[tuple[str, str], ...]
    has_cover: bool
    cover: bytes | None = None  # uploaded cover; None with has_cover = the seeded generated cover
    o_counter: int = 0
    play_count: int = 0


@dataclass(slots=True)
class Performer:
    id: int
    name: str
    disambiguation: str | None
    gender: str | None
    birthdate: str | None
    country: str | None
    created_at: str
    updated_at: str
    updated_ts: int
    has_image: bool
    image: bytes | None = None
    alias_list: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = ()
    favorite: bool = False
    rating100: int | None = None
    details: str | None = None
    ignore_auto_tag: bool = False
    stash_ids: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Studio:
    id: int
    name: str
    parent_id: int | None
    created_at: str
    updated_at: str
    updated_ts: int
    has_image: bool
    image: bytes | None = None
    urls: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = ()
    favorite: bool = False
    rating100: int | None = None
    details: str | None = None
    ignore_auto_tag: bool = False
    stash_ids: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Tag:
    id: int
    name: str
    created_at: str
    updated_at: str
    updated_ts: int
    parent_ids: tuple[int, ...] = ()
    sort_name: str | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()
    favorite: bool = False
    ignore_auto_tag: bool = False
    has_image: bool = False
    image: bytes | None = None


@dataclass(slots=True)
class Group:
    id: int
    name: str
    created_at: str
    updated_at: str
    updated_ts: int
    studio_id: int | None = None
    aliases: str | None = None
    duration: int | None = None
    date: str | None = None
    rating100: int | None = None
    director: str | None = None
    synopsis: str | None = None
    urls: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = ()
    has_front: bool = False
    front_image: bytes | None = None
    back_image: bytes | None = None


@dataclass(slots=True)
class Job:
    id: int
    status: str
    description: str
    progress: float | None
    add_time: str
    start_time: str | None
    sub_tasks: tuple[str, ...] = ()
    end_time: str | None = None
    error: str | None = None


def fingerprints(path: str) -> dict[str, str]:
    """A file's `oshash` and `md5` (derived from its path: stable, distinct per file)."""
    return {"oshash": hashlib.md5(path.encode()).hexdigest()[:16],
            "md5": hashlib.md5(path.encode() + b"md5").hexdigest()}


def parse_offset(offset: str) -> tzinfo:
    """'+01:00' / '-05:30' / 'Z' → a fixed zone; an IANA name ('Europe/Berlin') → a zone with DST,
    whose autumn fall-back makes later instants print as SMALLER strings (what Stash compares)."""
    if offset in ("Z", "z", "+00:00", "-00:00", "UTC"):
        return timezone.utc
    if "/" in offset:
        return ZoneInfo(offset)
    sign = -1 if offset.startswith("-") else 1
    hours, _, minutes = offset.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


def rfc3339(ts: float, tz: tzinfo) -> str:
    """Go's time.RFC3339 at second precision: UTC prints as 'Z', other zones as ±hh:mm."""
    text = datetime.fromtimestamp(int(ts), tz).isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass
class World:
    """All sandbox data plus the config Stash would hold; mutate only while holding `lock`."""

    utc_offset: str = "+01:00"
    clock: Clock = SYSTEM_CLOCK
    api_key: str = ""
    scenes: dict[int, Scene] = field(default_factory=dict)
    files: dict[int, File] = field(default_factory=dict)
    performers: dict[int, Performer] = field(default_factory=dict)
    studios: dict[int, Studio] = field(default_factory=dict)
    tags: dict[int, Tag] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    plugin_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    job_history: list[Job] = field(default_factory=list)  # finished jobs findJob still finds (plugin_ops)
    plugins: dict[str, Any] = field(default_factory=dict)  # plugin id -> plugin_ops.PluginHost
    hook_events: list[dict[str, Any]] = field(default_factory=list)
    version: str = "v0.28.1"
    version_hash: str = "cf3489efd"
    build_time: str = "2025-01-14 22:18:44"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    shuffle_input_fields: bool = False  # Go map order: inputFields in random order
    request: Any = field(default=None, repr=False)  # views.Ctx of the mutation being executed
    _next_job: int = 1

    def __post_init__(self) -> None:
        self.tz = parse_offset(self.utc_offset)
        self._rng = random.Random(0)

    # ---- time -----------------------------------------------------------------------------
    def now(self) -> tuple[str, int]:
        """The current time as Stash stores it (RFC3339 text in the server zone) and as unix seconds."""
        ts = int(self.clock.now())
        return rfc3339(ts, self.tz), ts

    # ---- lookups --------------------------------------------------------------------------
    def scene(self, scene_id: int | str) -> Scene | None:
        return self.scenes.get(_int(scene_id))

    def touch(self, obj: Scene | Performer | Studio | Tag | Group) -> None:
        """Bump updated_at to now, like every Stash update mutation does."""
        obj.updated_at, obj.updated_ts = self.now()

    def silent_edit(self, scene_id: int, **fields: Any) -> Scene:
        """Change a scene the way auto-tag does: data and updated_at change, no hook fires."""
        with self.lock:
            scene = self.scenes[int(scene_id)]
            for key, value in fields.items():
                if key not in Scene.__slots__:
                    raise KeyError(f"Scene has no field {key!r}")
                if isinstance(value, list):
                    value = tuple(value)
                setattr(scene, key, value)
            self.touch(scene)
            return scene

    def fire(self, hook_type: str, obj_id: int, input: Any,  # noqa: A002 - Stash's name
             fields: list[str] | None = None) -> None:
        """Record the Post hook real Stash would run now: {type, id, input, inputFields}.

        `input` is already shaped like Stash's marshalled Go struct (sandbox.stash.hookshape);
        `inputFields` are the top-level keys the client sent, in the order it sent them (Stash
        reads a Go map: random order; `shuffle_input_fields` plays that) or None when Stash
        passes none. runner.hook_input drops `id` 0 and empty `inputFields` like Go's omitempty.
        """
        if fields is not None and self.shuffle_input_fields:
            fields = list(fields)
            self._rng.shuffle(fields)
        event: dict[str, Any] = {"type": hook_type, "id": obj_id, "input": input,
                                 "inputFields": list(fields) if fields is not None else None}
        request = self.request
        if request is not None and request.visited:
            event["visited"] = list(request.visited)  # the hook chain this mutation was made in
        self.hook_events.append(event)
        if request is not None:
            request.fired.append(event)

    # ---- library events that are not mutations (sandbox.stash.library) --------------------
    def scan_new_file(self, path: str, duration: float = 600.0, size: int = 500 * 1_048_576) -> Scene:
        """A scan found a new video: untitled scene, NO cover yet, `Scene.Create.Post` with input null."""
        from sandbox.stash import library
        return library.scan_new_file(self, path, duration, size)

    def generate_cover(self, scene_id: int, image: bytes | None = None) -> Scene:
        """The Generate task (or a scan) wrote the cover: bytes change AND `updated_at` bumps (so the
        screenshot URL's `?t=` changes), no hook fires."""
        from sandbox.stash import library
        return library.generate_cover(self, scene_id, image)

    def restore_cover(self, scene_id: int, image: bytes | None = None) -> Scene:
        """A cover written as a blob only (screenshot migration, import): bytes change,
        `updated_at` and `?t=` do not, no hook fires."""
        from sandbox.stash import library
        return library.restore_cover(self, scene_id, image)

    def move_file(self, file_id: int, new_path: str) -> Scene | None:
        """A file moved or was renamed on disk and a scan noticed: `Scene.Update.Post` with input null."""
        from sandbox.stash import library
        return library.move_file(self, file_id, new_path)

    # ---- jobs -----------------------------------------------------------------------------
    def add_job(self, description: str, status: str = "RUNNING", progress: float | None = None) -> Job:
        with self.lock:
            now, _ = self.now()
            job = Job(self._next_job, status, description, progress, now, now if status == "RUNNING" else None)
            self._next_job += 1
            self.jobs.append(job)
            return job

    def remove_job(self, job: Job) -> None:
        """A finished job leaves the queue (Stash keeps it in its history, not in jobQueue)."""
        with self.lock:
            self.jobs = [j for j in self.jobs if j is not job]

    @contextmanager
    def running_task(self, name: str) -> Iterator[Job]:
        """Stash lists a running plugin task as the job `Running plugin task: <task name>`
        (internal/manager/task_plugin.go) for as long as the process runs."""
        job = self.add_job(f"Running plugin task: {name}")
        try:
            yield job
        finally:
            self.remove_job(job)

    def clear_jobs(self) -> None:
        with self.lock:
            self.jobs.clear()

def _int(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
