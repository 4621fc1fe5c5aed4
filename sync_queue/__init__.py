"""sync_queue: the SQLite store — job queue (persist-queue layout), sync_state, DLQ, meta — and
`admit()`, the one admission rule. `db`, `admit`, `lock` (and what they import) are standard
library only: the hook path uses them. Only `consumer` imports persist-queue."""
