"""reconciliation package."""
