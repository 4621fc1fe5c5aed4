"""A loopback Stash server (GraphQL subset of the real schema, images, auth, faults) for tests."""

from sandbox.stash.sandbox import StashSandbox

__all__ = ["StashSandbox"]
