"""The one background worker that drains the queue into Plex.

process (stdlib only, imported by hooks): ensure_worker / spawn_worker · daemon: `python -m worker`
lifecycle · loop: drain · pipeline + handle: one batch of scenes · route: error policy ·
policy: backoff, CircuitBreaker, Pacer (pure) · fanout · stats: worker_stats table, worker_status ·
foreground: run_foreground for the Process Queue task · context: WorkerContext.
"""
