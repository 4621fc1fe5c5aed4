"""sync_queue: the SQLite store — jobs (persist-queue's ack-queue layout), sync records, failed
jobs, not-in-Plex windows, meta — and `admit()`, the one admission rule.

Layers, each importing only those above it:
  conn (connect, immediate) → schema (DDL of every table, JobStatus, migrations) → values, jobs
  (Job, targets, reasons), state (SyncRecord) → store (QueueStore: every statement on the queue's
  tables) → admit (the rule), recovery → db (open_db) → consumer (Consumer: the locked store).
Hook path (standard library only): `db.open_db(data_dir, check=False)`, `admit.admit/admit_many`,
`QueueStore(conn).drop/delete_record`, `db.immediate`, `lock.is_held_by_other`.
persist-queue is not imported at runtime: see sync_queue.store.
"""
