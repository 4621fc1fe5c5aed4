"""Sandbox Stash running a plugin for the UI: runPluginOperation, runPluginTask, findJob, plugins,
and the plugin's UI files over HTTP — as stashapp/stash @ cf3489e does it (docs/sandbox-fidelity.md).

Why here and not in the test: the status page (ui/stash2plex.js) calls these from a browser, so
the sandbox must run the plugin itself, as a subprocess exactly like Stash's runner
(sandbox.runner.run_plugin: stdin `{"server_connection", "args"}`, a fresh session cookie per
run, no hookContext). A plugin is registered with `StashSandbox.add_plugin(folder, env)`; its
manifest (`<folder>/<id>.yml`) gives the task names, defaultArgs and the ui: files.
"""

from __future__ import annotations

import contextlib
import mimetypes
import posixpath
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import GraphQLError

from sandbox.stash.views import Ctx

GRAVEYARD = 10  # finished jobs findJob still finds (pkg/job/manager.go maxGraveyardSize)
TASK_PREFIX = "Running plugin task: "


@dataclass
class PluginHost:
    """One plugin folder Stash has loaded. `connection(visited)` mints the server_connection."""

    folder: Path
    plugin_id: str
    env: dict[str, str]
    connection: Callable[[tuple[tuple[str, str], ...]], dict[str, Any]]
    enabled: bool = True
    timeout: float = 300.0
    runs: list[dict[str, Any]] = field(default_factory=list)  # every stdin document, for tests
    _manifest: dict[str, Any] | None = None

    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            from sandbox.yaml_subset import parse  # the strict reader of the generated manifest

            value = parse((self.folder / f"{self.plugin_id}.yml").read_text(encoding="utf-8"))
            assert isinstance(value, dict)
            self._manifest = value
        return self._manifest

    def task(self, name: str) -> dict[str, Any] | None:
        return next((t for t in self.manifest().get("tasks") or [] if t.get("name") == name), None)

    def ui_files(self, kind: str) -> list[str]:
        return [str(v) for v in (self.manifest().get("ui") or {}).get(kind) or []]

    def run(self, args: dict[str, Any], conn: dict[str, Any], job: Any = None) -> Any:
        """The plugin process, as the runner starts it (`{pluginDir}` in exec is the folder)."""
        from sandbox.runner import run_plugin

        exec_ = [str(p).replace("{pluginDir}", str(self.folder)) for p in self.manifest()["exec"]]
        stdin = {"server_connection": {**conn, "PluginDir": str(self.folder)}, "args": args}
        self.runs.append(stdin)
        holder = contextlib.nullcontext(job) if job is not None else None
        return run_plugin(stdin, env=self.env, timeout=self.timeout, script=exec_[-1], check_protocol=False,
                          job=holder)


@contextlib.contextmanager
def released(lock: Any) -> Iterator[None]:
    """Give up the world's RLock (however deep) while the plugin runs: it calls back into GraphQL."""
    state = lock._release_save()
    try:
        yield
    finally:
        lock._acquire_restore(state)


def _host(info: Any, plugin_id: str) -> PluginHost | None:
    return info.context.world.plugins.get(str(plugin_id))


def to_plugin_args(args: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The deprecated `args: [PluginArgInput]` → a map (str/i/b/f/o/a, first set wins)."""
    return {a["key"]: _value(a.get("value")) for a in args or []}


def _value(v: dict[str, Any] | None) -> Any:
    if v is None:
        return None
    for key in ("str", "i", "b", "f"):
        if v.get(key) is not None:
            return v[key]
    if v.get("o") is not None:
        return to_plugin_args(v["o"])
    if v.get("a") is not None:
        return [_value(x) for x in v["a"]]
    return None


def run_plugin_operation(_root: Any, info: Any, plugin_id: str, args: dict[str, Any] | None = None) -> Any:
    """Run now, wait, return `output`; a non-null `error` becomes the GraphQL error's text."""
    ctx: Ctx = info.context
    host = _host(info, plugin_id)
    if host is not None and not host.enabled:
        raise GraphQLError(f"plugin {plugin_id} is disabled")
    if host is None:
        raise GraphQLError(f"no plugin with ID {plugin_id}")
    conn = host.connection(ctx.visited)
    with released(ctx.world.lock):
        run = host.run(dict(args or {}), conn)
    if run.error is not None:
        raise GraphQLError(str(run.error))
    return run.output


def run_plugin_task(_root: Any, info: Any, plugin_id: str, task_name: str | None = None,
                    description: str | None = None, args: list[dict[str, Any]] | None = None,
                    args_map: dict[str, Any] | None = None) -> str:
    """Queue a job `Running plugin task: <description or task name or id>` and return its id at
    once; the plugin runs in the background (progress lines drive the job's progress)."""
    ctx: Ctx = info.context
    world = ctx.world
    merged = dict(args_map) if args_map is not None else to_plugin_args(args)
    job = world.add_job(TASK_PREFIX + (description or task_name or plugin_id), status="READY")
    host = _host(info, plugin_id)
    conn = host.connection(ctx.visited) if host is not None else {}
    threading.Thread(target=_task_job, args=(world, host, str(plugin_id), job, task_name, merged, conn),
                     name=f"stash-job-{job.id}", daemon=True).start()
    return str(job.id)


def _task_job(world: Any, host: PluginHost | None, plugin_id: str, job: Any, task_name: str | None,
              args: dict[str, Any], conn: dict[str, Any]) -> None:
    with world.lock:
        job.status, job.start_time = "RUNNING", world.now()[0]
    problem = None
    if host is not None and not host.enabled:
        problem = f"plugin {plugin_id} is disabled"
    elif host is None:
        problem = f"no plugin with ID {plugin_id}"
    elif task_name is not None and host.task(task_name) is None:
        problem = f"no task with name {task_name} in plugin {host.manifest().get('name')}"
    if problem is not None:
        _finish(world, job, f"Error creating plugin task: {problem}")
        return
    assert host is not None
    if task_name is not None:
        for key, value in ((host.task(task_name) or {}).get("defaultArgs") or {}).items():
            args.setdefault(key, value)  # defaultArgs fill only what the caller did not send
    try:
        host.run(args, conn, job)  # an `error` in the output is only logged by Stash
    except Exception as exc:  # noqa: BLE001 — the job fails, the server goes on
        _finish(world, job, f"Error running plugin task: {exc}")
        return
    _finish(world, job, None)


def _finish(world: Any, job: Any, error: str | None) -> None:
    with world.lock:
        job.status = "FAILED" if error else "FINISHED"
        job.error, job.end_time = error, world.now()[0]
        if error is None:
            job.progress = 1.0
        world.jobs = [j for j in world.jobs if j is not job]
        world.job_history = [*world.job_history, job][-GRAVEYARD:]


def find_job(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any] | None:  # noqa: A002 - Stash's name
    from sandbox.stash.views import job_view

    raw = str(input["id"])
    try:
        wanted = int(raw)
    except ValueError:
        raise GraphQLError(f'strconv.Atoi: parsing "{raw}": invalid syntax') from None
    world = info.context.world
    with world.lock:
        found = next((j for j in [*world.jobs, *world.job_history] if j.id == wanted), None)
        return job_view(found) if found is not None else None


def plugins(_root: Any, info: Any) -> list[dict[str, Any]] | None:
    ctx: Ctx = info.context
    out = [_plugin_view(ctx, host) for host in ctx.world.plugins.values()]
    return out or None


def _plugin_view(ctx: Ctx, host: PluginHost) -> dict[str, Any]:
    m = host.manifest()
    base = f"{ctx.base_url}/plugin/{host.plugin_id}"

    def urls(kind: str, route: str) -> list[str] | None:
        files = host.ui_files(kind)
        external = [f for f in files if f.startswith(("http://", "https://"))]
        return [*external, f"{base}/{route}"] if files else None

    return {"id": host.plugin_id, "name": m.get("name"), "description": m.get("description"),
            "url": m.get("url"), "version": m.get("version"), "enabled": host.enabled,
            "tasks": [{"name": t["name"], "description": t.get("description")} for t in m.get("tasks") or []],
            "requires": list((m.get("ui") or {}).get("requires") or []),
            "paths": {"javascript": urls("javascript", "javascript"), "css": urls("css", "css")}}


RESOLVERS = {"runPluginOperation": run_plugin_operation, "runPluginTask": run_plugin_task}
QUERY_RESOLVERS = {"findJob": find_job, "plugins": plugins}


# -- HTTP: /plugin/<id>/javascript, /css, /assets/... (internal/api/routes_plugin.go) -----------
def serve(world: Any, path: str) -> tuple[int, bytes, str]:
    """(status, body, content type) for a /plugin/ route."""
    parts = path.split("/", 3)  # "", "plugin", id, rest
    host = world.plugins.get(parts[2]) if len(parts) > 2 else None
    rest = parts[3] if len(parts) > 3 else ""
    if host is None:
        return 404, b"Not Found\n", "text/plain; charset=utf-8"
    if rest not in ("javascript", "css") and rest != "assets" and not rest.startswith("assets/"):
        return 404, b"404 page not found\n", "text/plain; charset=utf-8"
    if not host.enabled:
        return 400, b"plugin disabled\n", "text/plain; charset=utf-8"
    if rest in ("javascript", "css"):
        body = b"".join(_read(host.folder / name) + b"\n" for name in host.ui_files(rest)
                        if not name.startswith(("http://", "https://")))
        return 200, body, "text/javascript" if rest == "javascript" else "text/css"
    return _asset(host, "/" + rest[len("assets/"):] if rest.startswith("assets/") else "/")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""  # Stash logs the error and serves the rest


def _asset(host: PluginHost, url: str) -> tuple[int, bytes, str]:
    mapping = {str(k): str(v) for k, v in ((host.manifest().get("ui") or {}).get("assets") or {}).items()}
    local, folder = url, ""
    for prefix, target in mapping.items():
        if prefix != "/" and url.startswith(prefix):
            local, folder = url[len(prefix):], target
            break
    else:
        folder = mapping.get("/", "")
    if not folder:
        return 404, b"404 page not found\n", "text/plain; charset=utf-8"
    root = (host.folder / folder).resolve()
    target = (root / posixpath.normpath("/" + local).lstrip("/")).resolve()
    if not str(root).startswith(str(host.folder.resolve())) or not target.is_file() or root not in (
            target, *target.parents):
        return 404, b"404 page not found\n", "text/plain; charset=utf-8"
    return 200, target.read_bytes(), mimetypes.guess_type(target.name)[0] or "application/octet-stream"
