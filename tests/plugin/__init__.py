"""Tests of the plugin as Stash meets it: entry point, manifest, hooks, tasks."""
