"""Tests of the Stash client."""
