"""stash package."""
