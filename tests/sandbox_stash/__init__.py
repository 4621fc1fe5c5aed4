"""Tests of the sandbox Stash server and the plugin runner."""
