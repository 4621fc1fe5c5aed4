"""sync_queue package."""
