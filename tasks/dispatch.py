"""Task mode → the function that runs it. Modules are imported only when their task runs.

Why a table: the modes are a public interface (core.catalog); a test checks that every
catalog mode is routed here and every route is in the catalog. OPERATIONS are the status page's
runPluginOperation modes (core.catalog.OPERATION_MODES), kept apart: they are not Stash tasks.
"""

from __future__ import annotations

import importlib

from core import stashlog
from core.invocation import Invocation
from tasks.context import TaskContext

ROUTES: dict[str, tuple[str, str]] = {
    "sync_all": ("tasks.sync", "sync_all"),
    "sync_changed": ("tasks.sync", "sync_changed"),
    "process_queue": ("tasks.queue_tasks", "process_queue"),
    "queue_status": ("tasks.queue_tasks", "queue_status"),
    "retry_failed": ("tasks.queue_tasks", "retry_failed"),
    "clear_queue": ("tasks.queue_tasks", "clear_queue"),
    "clear_failed": ("tasks.queue_tasks", "clear_failed"),
    "purge_failed": ("tasks.queue_tasks", "purge_failed"),
    "reconcile_recent": ("tasks.reconcile_tasks", "reconcile_recent"),
    "reconcile_all": ("tasks.reconcile_tasks", "reconcile_all"),
    "health_check": ("tasks.health", "health_check"),
    "rebuild_index": ("tasks.index_task", "rebuild_index"),
    "process_queue_now": ("tasks.queue_tasks", "process_queue_now"),
    "adopt_dry_run": ("tasks.adopt", "adopt_dry_run"),
    "adopt_apply": ("tasks.adopt", "adopt_apply"),
}

# The status page's operations (core.catalog.OPERATION_MODES): one dict each, nothing logged.
OPERATIONS: dict[str, tuple[str, str]] = {
    "ui_status": ("tasks.ui_ops", "ui_status"),
    "ui_scene": ("tasks.ui_ops", "ui_scene"),
    "ui_retry": ("tasks.ui_ops", "ui_retry"),
    "ui_clear": ("tasks.ui_ops", "ui_clear"),
}


class AlreadyLogged(str):
    """A task result the task already wrote to the Stash log (not repeated)."""


def run_task(inv: Invocation) -> object:
    """Run one task; its return value becomes Stash's `output` (a summary a user can act on).
    An operation's dict is returned as it is (plugin_io.entry writes it as the one JSON line)."""
    mode = inv.mode or ""
    if mode in OPERATIONS:
        module_name, func_name = OPERATIONS[mode]
        task = TaskContext(inv)
        try:
            return getattr(importlib.import_module(module_name), func_name)(task)
        finally:
            task.close()
    module_name, func_name = ROUTES[mode]
    func = getattr(importlib.import_module(module_name), func_name)
    task = TaskContext(inv)
    try:
        result = func(task)
    finally:
        task.close()
    if isinstance(result, str) and not isinstance(result, AlreadyLogged):
        for line in result.splitlines():  # Stash shows task results only in its log
            (stashlog.error if line.startswith("PROBLEM:") else stashlog.info)(line)
    return str(result) if isinstance(result, AlreadyLogged) else result
