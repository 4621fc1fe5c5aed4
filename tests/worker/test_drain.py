"""drain() in-process against sandbox Stash + Plex over real HTTP: the happy path, idempotence,
fan-out, deletions, exclusions and every branch of the error policy."""

from __future__ import annotations

import random

import pytest

from sync_queue.consumer import Consumer
from tests.world import PLEX_PREFIX, MakeWorld, World
from worker.loop import drain


@pytest.fixture
def world(make_world: MakeWorld) -> World:
    return make_world(scenes=12, seed=3, stash_prefix=PLEX_PREFIX)


@pytest.fixture
def consumer(world: World) -> Consumer:
    return world.consumer()


def test_drain_syncs_every_scene_then_costs_zero_plex_requests(world: World, consumer: Consumer) -> None:
    ids = world.admit_scenes()
    ctx = world.drain_context()
    seen: list[int] = []
    summary = drain(ctx, stop_when_idle=True, progress=lambda s: seen.append(s.processed))
    assert summary.stopped == "empty" and summary.counts["done"] == len(ids) and seen
    assert world.wrong_scenes() == [] and world.dlq_count() == 0
    assert world.stash.requests()[-1]["path"] == "/graphql"
    rec = consumer.get_record(ids[0])
    assert rec is not None and str(rec.rating_key) == world.rating_keys[ids[0]] and rec.stash_updated_at
    # one findScenes for the whole batch
    finds = [r for r in world.stash.requests() if r["path"] == "/graphql"]
    assert len(finds) <= 3  # apiKey? + plugin settings (test helper) + ONE findScenes
    world.admit_scenes()
    world.plex.clear_requests()
    again = drain(ctx, stop_when_idle=True)
    assert again.counts["skipped_unchanged"] == len(ids) and again.counts["done"] == 0
    assert world.plex.requests() == []


def test_changed_scene_is_pushed_again_and_deleted_scene_forgotten(world: World, consumer: Consumer) -> None:
    ids = world.admit_scenes()
    ctx = world.drain_context()
    drain(ctx)
    world.stash.silent_edit(ids[0], title="A brand new title")
    with world.stash.data.lock:
        del world.stash.data.scenes[ids[1]]
    world.admit_scenes(ids[:2])
    summary = drain(ctx)
    assert summary.counts["done"] == 1 and summary.counts["deleted"] == 1
    assert world.plex.item_state(world.rating_keys[ids[0]])["fields"]["title"] == "A brand new title"
    assert consumer.get_record(ids[1]) is None
    assert world.queue_numbers()["waiting"] == 0


def test_fanout_job_admits_the_scenes_of_a_tag(world: World, consumer: Consumer) -> None:
    from sync_queue.admit import admit

    tag_of: dict[int, set[int]] = {}
    for sid, scene in world.stash.data.scenes.items():
        for tid in scene.tag_ids:
            tag_of.setdefault(tid, set()).add(sid)
    tid, scenes = max(tag_of.items(), key=lambda kv: len(kv[1]))
    admit(consumer.conn, ("tag", tid), "hook")
    summary = drain(world.drain_context())
    assert summary.counts["fanout_admitted"] == len(scenes)
    assert summary.counts["done"] == len(scenes)
    assert world.wrong_scenes(sorted(scenes)) == []


def test_scene_filter_exclusion_is_acked_without_plex(world: World, consumer: Consumer) -> None:
    world.configure(scene_filter="stashid")
    with_ids = {sid for sid, s in world.stash.data.scenes.items() if s.stash_ids}
    ids = world.admit_scenes()
    summary = drain(world.drain_context())
    assert summary.counts["excluded"] == len(ids) - len(with_ids)
    assert summary.counts["done"] == len(with_ids)
    assert world.queue_numbers()["waiting"] == 0


def test_not_in_plex_backs_off_scans_once_and_can_be_skipped(world: World, consumer: Consumer) -> None:
    sid = sorted(world.rating_keys)[0]
    world.plex.remove_item(world.rating_keys[sid])
    world.admit_scenes([sid])
    ctx = world.drain_context()
    summary = drain(ctx)
    assert summary.failed == {"not_found": 1} and world.dlq_count() == 0
    st = world.queue_numbers()
    assert st["waiting"] == 1 and st["due_now"] == 0 and st["next_due_at"] > ctx.clock.now() + 50
    scans = [r for r in world.plex.requests() if r["path"].endswith("/refresh")]
    assert len(scans) == 1 and scans[0]["query"]["path"].startswith("/media/other")
    assert ctx.stats.run.get("scans_requested") == 1
    # skip_not_found: the job leaves the queue and the skip is counted
    consumer.conn.execute("UPDATE ack_queue_jobs SET due_at = 0 WHERE status < 2")
    ctx.settings = ctx.settings.replace(skip_not_found=True)
    skipped = drain(ctx)
    assert skipped.counts["skipped_not_found"] == 1 and world.queue_numbers()["waiting"] == 0
    assert len([r for r in world.plex.requests() if r["path"].endswith("/refresh")]) == 1


def test_not_in_plex_past_the_window_is_dead_lettered(world: World, consumer: Consumer) -> None:
    sid = sorted(world.rating_keys)[0]
    world.plex.remove_item(world.rating_keys[sid])
    world.admit_scenes([sid])
    ctx = world.drain_context()
    ctx.settings = ctx.settings.replace(not_found_window_h=0, trigger_plex_scan=False)
    drain(ctx)
    assert world.dlq_count() == 1
    assert not [r for r in world.plex.requests() if r["path"].endswith("/refresh")]


def test_ambiguous_goes_to_dlq_at_once(world: World, consumer: Consumer) -> None:
    sid = sorted(world.rating_keys)[0]
    path = world.plex.item_state(world.rating_keys[sid])["file"]
    world.plex.add_item("Other Videos", path)  # two Plex items claim the same file
    world.admit_scenes([sid])
    summary = drain(world.drain_context())
    assert summary.failed == {"ambiguous": 1} and world.dlq_count() == 1


def test_plex_auth_failure_stops_and_keeps_jobs_uncharged(world: World, consumer: Consumer) -> None:
    world.configure(plex_token="wrong-token-000000")
    ids = world.admit_scenes()
    summary = drain(world.drain_context())
    assert summary.stopped == "auth" and "token" in summary.message.lower()
    st = world.queue_numbers()
    assert st["waiting"] == len(ids) and st["in_progress"] == 0 and world.dlq_count() == 0
    attempts = [int(r[0]) for r in consumer.conn.execute(
        "SELECT json_extract(data, '$.attempts') FROM ack_queue_jobs WHERE status < 2")]
    assert attempts == [0] * len(ids)


def test_stash_auth_failure_stops_and_keeps_jobs(make_world: MakeWorld) -> None:
    w = make_world(scenes=4, api_key="the-api-key-0123456789", stash_prefix=PLEX_PREFIX)
    ids = w.admit_scenes()
    ctx = w.drain_context()
    w.stash.data.api_key = "rotated-key-9876543210"  # the key we switched to is now refused
    w.stash.set_faults(session_expiry_s=0.001)  # ... and the session cookie has expired too
    summary = drain(ctx)
    assert summary.stopped == "auth" and "API key" in summary.message
    assert w.queue_numbers()["waiting"] == len(ids) and w.dlq_count() == 0


def test_a_regenerated_stash_api_key_is_read_again_once(make_world: MakeWorld) -> None:
    w = make_world(scenes=4, api_key="the-api-key-0123456789", stash_prefix=PLEX_PREFIX)
    ids = w.admit_scenes()
    ctx = w.drain_context()
    w.stash.data.api_key = "rotated-key-9876543210"  # the user generated a new key mid-run
    summary = drain(ctx)
    assert summary.stopped == "empty" and summary.counts["done"] == len(ids)
    assert w.wrong_scenes(ids) == []


def test_server_errors_are_an_outage_never_a_failed_job(world: World, consumer: Consumer) -> None:
    warm, sid = sorted(world.rating_keys)[:2]
    world.admit_scenes([warm])
    ctx = world.drain_context()
    ctx.settings = ctx.settings.replace(max_retries=2)
    drain(ctx)  # connected and path index built while healthy
    world.admit_scenes([sid])
    world.plex.set_faults(error_status=500)
    for _ in range(4):  # more rounds than max_retries: a 5xx is Plex's trouble, not the job's
        summary = drain(ctx)
        assert summary.failed == {"unavailable": 1} and world.dlq_count() == 0
        consumer.conn.execute("UPDATE ack_queue_jobs SET due_at = 0 WHERE status < 2")
    assert ctx.pacer.delay > 0 and ctx.stats.run.get("write_retries") == 4
    world.plex.clear_faults()
    ctx.breaker.record_success()
    assert drain(ctx).counts["done"] == 1 and world.wrong_scenes([sid]) == []


def test_transient_errors_retry_with_backoff_then_dead_letter(world: World, consumer: Consumer) -> None:
    from core.errors import Transient
    from worker.route import route

    world.admit_scenes([sorted(world.rating_keys)[0]])
    ctx = world.drain_context()
    ctx.settings = ctx.settings.replace(max_retries=2)
    jobs, _ = consumer.take_due(1)
    route(ctx, jobs[0], Transient("Plex sent an unreadable answer"))
    assert world.dlq_count() == 0 and world.queue_numbers()["waiting"] == 1
    consumer.conn.execute("UPDATE ack_queue_jobs SET due_at = 0 WHERE status < 2")
    jobs, _ = consumer.take_due(1)
    route(ctx, jobs[0], Transient("Plex sent an unreadable answer"))
    assert world.dlq_count() == 1  # attempts reached max_retries


def test_idle_worker_runs_the_due_reconcile_and_drains_its_gaps(world: World, consumer: Consumer) -> None:
    world.configure(reconcile_interval="hourly")
    ctx = world.drain_context(reconcile=True, idle_s=0.2)
    summary = drain(ctx, stop_when_idle=False)  # nothing queued: idle → reconcile → its admissions
    assert summary.stopped == "idle"
    assert world.wrong_scenes() == [] and summary.counts["done"] == len(world.rating_keys)
    again = drain(ctx, stop_when_idle=False)  # not due again within the hour
    assert again.processed == 0


class _UpperBound(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize(("base", "cap", "attempt_ceiling"), [(5, 3600, 5), (400, 60, 60)])
def test_retry_delay_follows_backoff_settings(world: World, consumer: Consumer, base: int, cap: int,
                                               attempt_ceiling: int) -> None:
    """backoff_base_s / backoff_cap_s decide when a transient failure is retried (first retry:
    uniformly within min(base, cap) seconds)."""
    warm, sid = sorted(world.rating_keys)[:2]
    world.admit_scenes([warm])
    ctx = world.drain_context()
    drain(ctx)
    ctx.settings = ctx.settings.replace(backoff_base_s=base, backoff_cap_s=cap, max_retries=5)
    ctx.rng = _UpperBound()  # full jitter drawn at its ceiling, so the delay IS the ceiling
    world.admit_scenes([sid])
    world.plex.set_faults(error_status=408)  # a charged transient failure (a 5xx is an outage)
    before = consumer.conn.execute("SELECT strftime('%s','now')").fetchone()[0]
    drain(ctx)
    (due,) = consumer.conn.execute("SELECT due_at FROM ack_queue_jobs WHERE status < 2").fetchone()
    delay = due - float(before)
    assert abs(delay - attempt_ceiling) <= 2


def test_sync_record_is_written_only_after_plex_confirmed_the_write(world: World, consumer: Consumer) -> None:
    """Design D3: a failed Plex write leaves no "synced" record behind; the job stays queued and
    the record appears only once Plex accepted the edit."""
    warm, sid = sorted(world.rating_keys)[:2]
    world.admit_scenes([warm])
    ctx = world.drain_context()
    drain(ctx)
    world.admit_scenes([sid])
    world.plex.set_faults(error_status=500, methods=["PUT"])
    drain(ctx)
    assert consumer.get_record(sid) is None
    assert world.queue_numbers()["waiting"] == 1 and world.dlq_count() == 0
    world.plex.clear_faults()
    consumer.conn.execute("UPDATE ack_queue_jobs SET due_at = 0 WHERE status < 2")
    drain(ctx)
    assert consumer.get_record(sid) is not None and world.wrong_scenes([sid]) == []


def test_plex_token_never_travels_in_a_url(world: World, consumer: Consumer) -> None:
    """Design F19: the token goes in a header only, so proxies and access logs never see it."""
    world.admit_scenes()
    drain(world.drain_context(), stop_when_idle=True)
    requests = world.plex.requests()
    assert requests and not [r for r in requests if r["token_in_query"]]
