"""Health Check: is each link of the chain Stash → plugin → Plex working, and does mapping resolve?

Why each check continues after a failure: a user fixing their setup needs every problem at once,
each line saying what is wrong and what to change (docs/troubleshooting.md quotes these lines).
"""

from __future__ import annotations

from typing import Any

from core.errors import SyncError
from plex.title import check_template
from tasks.context import TaskContext

SAMPLE = 20
OK, PROBLEM = "OK", "PROBLEM"


class Checks:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.problems = 0

    def ok(self, text: str) -> None:
        self.lines.append(f"{OK}: {text}")

    def problem(self, text: str) -> None:
        self.problems += 1
        self.lines.append(f"{PROBLEM}: {text}")


def _packages(checks: Checks) -> None:
    """Which copy of each third-party package runs (bundled vendor/ or installed) and its version."""
    from core.vendored import report

    complete, line = report()
    (checks.ok if complete else checks.problem)(line)


def _stash(task: TaskContext, checks: Checks) -> bool:
    try:
        version = task.stash.version()
        api_key = task.stash.prefer_api_key()
    except SyncError as exc:
        checks.problem(f"Stash is not reachable at {task.stash_conn.base_url}: {exc.message}")
        return False
    if api_key:
        auth = "API key (long tasks and the worker stay signed in)"
    elif task.stash_conn.session_cookie:
        auth = ("session cookie only — it expires after about an hour; generate an API key under "
                "Settings › Security so long syncs keep working")
    else:
        auth = "no authentication (Stash has no password)"
    checks.ok(f"Stash {version or '(unknown version)'} at {task.stash_conn.base_url}; auth: {auth}.")
    return True


def _plex(task: TaskContext, checks: Checks) -> bool:
    try:
        settings = task.settings()
    except SyncError as exc:
        checks.problem(exc.message)
        return False
    try:
        server = task.plex
    except SyncError as exc:
        hint = " (the token is wrong or expired)" if exc.kind == "auth" else ""
        checks.problem(f"Plex at {settings.plex_url}: {exc.message}{hint}")
        return False
    version = getattr(server, "version", "") or "?"
    checks.ok(f"Plex {version} at {settings.plex_url}; token accepted.")
    try:
        sections = task.sections()
    except SyncError as exc:
        checks.problem(exc.message)
        return False
    names = ", ".join(f"{s.title} ({len(s.locations)} folders)" for s in sections)
    checks.ok(f"Libraries used: {names}.")
    return True


def _sample(task: TaskContext) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for scene in task.stash.iter_scenes(page_size=SAMPLE):
        if scene.get("files"):
            out.append(scene)
        if len(out) >= SAMPLE:
            break
    return out


def _mapping(task: TaskContext, checks: Checks) -> None:
    from plex.filematch import scene_files
    from plex.index import PathIndex
    from plex.pathmap import implied_rule, parse_path_map, to_plex_path

    settings = task.settings()
    rules = parse_path_map(settings.path_map)
    index = PathIndex(task.db, task.clock)
    index.refresh(task.plex, task.sections())
    scenes = _sample(task)
    if not scenes:
        checks.ok("Path mapping: Stash has no scenes with files yet; nothing to check.")
        return
    resolved, first_bad, by_name = 0, None, None
    for scene in scenes:
        paths = scene_files(scene)
        if any(index.lookup(to_plex_path(p, rules)) for p in paths):
            resolved += 1
            continue
        if first_bad is None:
            first_bad = paths[0]
        if by_name is None:
            for p in paths:
                same = index.by_basename(p)
                if len(same) == 1:
                    by_name = (p, same[0].file)
                    break
    text = f"Path mapping: {resolved} of {len(scenes)} sampled scenes resolve to a Plex item"
    if first_bad is None:
        checks.ok(text + ".")
        return
    detail = f"; first unresolved: Stash {first_bad!r} → mapped {to_plex_path(first_bad, rules)!r}, not in Plex"
    if by_name is not None:
        rule = implied_rule(*by_name)
        if rule is not None:
            detail += (f". Plex has the same file as {by_name[1]!r}: set 'Path mapping' to "
                       f"{rule.stash_prefix}=>{rule.plex_prefix}")
    else:
        detail += " (not scanned into Plex yet, or in a library not selected)"
    (checks.ok if resolved * 2 >= len(scenes) else checks.problem)(text + detail + ".")


def _earlier_settings(task: TaskContext, checks: Checks) -> None:
    """Keys stored by an earlier version that the page cannot show (docs/upgrade.md)."""
    try:
        notes = task.settings(require_plex=False).upgrade_notes
    except SyncError:
        return
    for note in notes:
        checks.ok(f"Earlier setting: {note}")


def health_check(task: TaskContext) -> str:
    checks = Checks()
    _packages(checks)
    stash_ok = _stash(task, checks)
    plex_ok = stash_ok and _plex(task, checks)
    if stash_ok:
        _earlier_settings(task, checks)
    if plex_ok:
        check_template(task.settings().title_template, checks.ok, checks.problem)
        try:
            _mapping(task, checks)
        except SyncError as exc:
            checks.problem(f"Path mapping check failed: {exc.message}")
        try:
            from tasks.health_photos import photo_check

            photo_check(task, checks)
        except SyncError as exc:
            checks.problem(f"Actor photo check failed: {exc.message}")
    elif not stash_ok:
        checks.problem("Plex and path mapping not checked: settings are read from Stash.")
    verdict = "all good" if not checks.problems else f"{checks.problems} problem(s) found"
    _remember(task, checks.lines)
    return "\n".join([f"Health Check: {verdict}.", *checks.lines])


def _remember(task: TaskContext, lines: list[str]) -> None:
    """Keep the lines for the status page in Stash's UI (tasks/ui_ops.py); never fails the check."""
    from sqlite3 import Error

    from sync_queue.ui_view import save_health
    from tasks.ui_report import health_lines

    try:
        save_health(task.db, task.clock.now(), health_lines(lines))
    except (Error, OSError, SyncError) as exc:
        from core import stashlog

        stashlog.debug(f"Health Check lines not stored: {exc}")
