"""Configuration errors are not job failures: each wrong value is found before any job is charged,
the jobs stay queued, and the message names the setting and the fix. Credentials typed into the
Plex URL are never printed (task result on stdout, Stash log, worker log).

Static values are checked by core.plex_address (through core.settings.load_settings); a URL that
parses but does not lead to a Plex server, and a library Plex no longer has, are found by the
first request, before the worker takes a job as failed.
"""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.plex_address import check_plex_address
from core.settings import load_settings
from tests.world import MakeWorld, World

PASSWORD = "hunter2-secret"
WHERE = "Settings › Plugins › Stash2Plex"


@pytest.mark.parametrize("url,token,setting,says", [
    ("http://[::1", "tok-0123456789", "Plex URL", "cannot be read"),
    ("http://plex.lan:99999", "tok-0123456789", "Plex URL", "Port out of range"),
    ("http://plex.lan:notaport", "tok-0123456789", "Plex URL", "cannot be read"),
    ("http://plex.lan:0", "tok-0123456789", "Plex URL", "port 0"),
    ("http://plex.lan:32400/web/index.html", "tok-0123456789", "Plex URL", "Plex Web app"),
    ("http://plex.lan:32400/?x=1", "tok-0123456789", "Plex URL", "'?' or '#'"),
    (f"http://admin:{PASSWORD}@plex.lan:32400", "tok-0123456789", "Plex URL", "user name or password"),
    ("http://plex.lan:32400", "tok-01234\n56789", "Plex token", "line break"),
    ("http://plex.lan:32400", "tok-01234 56789", "Plex token", "space"),
    ("http://plex.lan:32400", "tök-0123456789", "Plex token", "Latin letters"),
])
def test_static_plex_address_problems_name_the_setting(url: str, token: str, setting: str, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"plex_url": url, "plex_token": token})
    text = str(err.value)
    assert f"fix '{setting}' under {WHERE}" in text and says in text
    assert PASSWORD not in text and token.strip() not in text


def test_good_addresses_pass_unchanged() -> None:
    assert check_plex_address("http://192.168.1.10:32400/", "abcDEF-123_x") == "http://192.168.1.10:32400"
    assert check_plex_address("https://plex.example.org/plex", "abc") == "https://plex.example.org/plex"  # a proxy path
    assert check_plex_address("http://[::1]:32400", "abc") == "http://[::1]:32400"


def test_credentials_in_the_url_are_redacted_even_when_not_checked() -> None:
    from core.redact import redact

    check_plex_address(f"http://someone:{PASSWORD}@plex.lan:32400", "", strict=False)
    assert PASSWORD not in redact(f"GET http://someone:{PASSWORD}@plex.lan:32400/identity failed")


def _queued(world: World) -> World:
    world.admit_scenes([1, 2, 3])
    world.plex.clear_requests()
    return world


def _jobs_kept(world: World) -> None:
    assert world.counts()["waiting"] == 3 and world.counts()["failed"] == 0
    attempts = {r[0] for r in world.db_rows("SELECT json_extract(data, '$.attempts') FROM ack_queue_jobs")}
    assert attempts == {0}


@pytest.mark.parametrize("change,setting", [
    ({"plex_token": "sandbox-token\n0123456789"}, "Plex token"),
    ({"plex_url": "http://[::1"}, "Plex URL"),
    ({"plex_url": f"http://admin:{PASSWORD}@127.0.0.1:9"}, "Plex URL"),
])
def test_process_queue_with_a_broken_setting_keeps_every_job_and_says_which(make_world: MakeWorld,
                                                                          change: dict[str, str],
                                                                          setting: str) -> None:
    world = _queued(make_world(scenes=4, seed=31))
    world.configure(**change)
    run = world.run_task("process_queue", timeout=60)
    said = f"{run.error or ''}\n{run.output or ''}\n" + "\n".join(run.messages())
    assert setting in said and WHERE in said
    assert PASSWORD not in run.stdout and PASSWORD not in run.stderr
    _jobs_kept(world)
    assert world.plex.requests() == []  # nothing reached Plex: the value was refused up front


def test_health_check_never_prints_credentials_from_the_url(make_world: MakeWorld) -> None:
    world = make_world(scenes=2, seed=32)
    world.configure(plex_url=world.plex.url.replace("://", f"://admin:{PASSWORD}@"))
    run = world.run_task("health_check", timeout=60)
    assert run.returncode == 0
    assert PASSWORD not in run.stdout and PASSWORD not in run.stderr
    assert "Plex URL" in (f"{run.error or ''}{run.output or ''}" + "\n".join(run.messages()))


def test_a_plex_url_with_a_wrong_path_is_a_configuration_error_not_not_in_plex(make_world: MakeWorld) -> None:
    world = _queued(make_world(scenes=4, seed=33))
    world.configure(plex_url=world.plex.url + "/library")
    run = world.run_task("process_queue", timeout=60)
    said = f"{run.error or ''}\n{run.output or ''}\n" + "\n".join(run.messages())
    assert "does not answer like a Plex server" in said and "Plex URL" in said
    _jobs_kept(world)
    assert len(world.plex.requests()) <= 3  # the one GET of the server root, no per-job request


def test_a_removed_library_keeps_jobs_queued_and_names_it(make_world: MakeWorld) -> None:
    world = _queued(make_world(scenes=4, seed=34))
    world.configure(plex_library="Old Videos")  # the library was removed or renamed in Plex
    run = world.run_task("process_queue", timeout=60)
    said = f"{run.error or ''}\n{run.output or ''}\n" + "\n".join(run.messages())
    assert "'Old Videos' does not exist" in said and "Other Videos" in said and "Plex libraries" in said
    assert "failed (config)" not in said  # the job went back untouched: not reported as a failure
    _jobs_kept(world)
    assert len(world.plex.requests()) <= 5  # connect and one section listing: bounded, not per job
