"""`python -m sandbox.stash` prints its URL and serves until killed."""

from __future__ import annotations

import subprocess
import sys

import requests

from tests.reference import ROOT


def test_cli_prints_url_and_serves() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.stash", "--port", "0", "--scenes", "5", "--seed", "2",
                             "--api-key", "cli-key-123"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        resp = requests.post(url + "/graphql", json={"query": "{ findScenes { count } }"},
                             headers={"ApiKey": "cli-key-123"}, timeout=10)
        assert resp.json() == {"data": {"findScenes": {"count": 5}}}
    finally:
        proc.kill()
        proc.wait(timeout=10)
