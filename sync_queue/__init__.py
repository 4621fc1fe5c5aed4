"""sync_queue: the SQLite store — job queue (persist-queue layout), sync_state, DLQ, meta — and
`admit()`, the one admission rule.

Hook path (standard library only): `db.open_db(data_dir, check=False)`, `admit.admit/admit_many`,
`lock.is_held_by_other`. Consumer side: `jobs.Consumer(data_dir, clock)` (lock → resume orphans →
persist-queue with auto_resume) with `take_due/ack/retry_later/release`; `dlq`, `state`,
`status.queue_status`. Only `sync_queue.consumer` imports persist-queue.
"""
