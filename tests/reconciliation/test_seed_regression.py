"""The seed regression end to end (design F1): 2,000 synced scenes, simulated days of hourly
reconciles against sandbox Stash + Plex, 1% of scenes edited per day without hooks.

Admissions must equal the edits, Plex writes must equal the edits, nothing unchanged is ever
re-admitted, and a scene whose Plex item keeps reverting is healed at most N times, then reported.

Scale: 30 days (720 hourly reconciles, 600 edits, 1% of 2,000 scenes a day); it crosses the 24 h
and 7-day marks where the previous generation's time windows re-enqueued everything, and an "all"
pass every third day gives the drift detector its chances (heal, heal, then report).
"""

from __future__ import annotations

import random

import pytest

import plex.index
from reconciliation.report import last_report, summary_lines
from sync_queue.store import QueueStore
from tests.reconciliation.helpers import integration_world
from tests.world import MakeWorld

SCENES, DAYS, EDITS_PER_DAY, MAX_HEALS = 2000, 30, 20, 2
REVERTER = 1234


@pytest.mark.slow
def test_days_of_hourly_reconciles(make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    # Smaller listing pages keep 720 hourly index refreshes fast; what is counted here (admissions,
    # Plex writes) does not depend on the listing page size.
    monkeypatch.setattr(plex.index, "PAGE_SIZE", 100, raising=False)
    rig = integration_world(make_world, SCENES, seed=3, reconcile_max_heals=MAX_HEALS)
    scenes = rig.populate()
    assert rig.reconcile("all").counts["in_sync"] == SCENES
    rng = random.Random(5)
    pool = [int(s["id"]) for s in scenes if int(s["id"]) != REVERTER]
    edited = rng.sample(pool, DAYS * EDITS_PER_DAY)  # distinct scenes: one edit = one push expected
    schedule = {}
    for day in range(DAYS):
        for sid in edited[day * EDITS_PER_DAY:(day + 1) * EDITS_PER_DAY]:
            schedule.setdefault((day, rng.randrange(24)), []).append(sid)
    rig.plex.clear_requests()
    admitted = coalesced = heals = full_runs = pushed = 0
    for day in range(DAYS):
        for hour in range(24):
            rig.clock.advance(3600)
            for sid in schedule.get((day, hour), []):
                rig.stash.silent_edit(sid, title=f"Edited on day {day} hour {hour}")
            if hour == 3:  # Plex (a user, an agent without locks) reverts one item every day
                rig.plex.edit_as_user(rig.rating_keys[REVERTER], fields={"title": "reverted", "summary": ""})
            report = rig.reconcile("all" if (day % 3 == 2 and hour == 12) else "recent")
            full_runs += report.scope == "all"
            admitted += report.admitted
            coalesced += report.coalesced
            heals += report.healed
            pushed += rig.drain().counts["done"]  # the real worker (worker.loop.drain)
    edits = DAYS * EDITS_PER_DAY
    assert full_runs == DAYS // 3
    assert heals == MAX_HEALS
    assert admitted == edits + heals and coalesced == 0
    assert len(rig.plex_writes()) == edits + heals and pushed == edits + heals
    assert sorted(rig.written_scenes()) == sorted(edited + [REVERTER] * MAX_HEALS)
    status = QueueStore(rig.db, rig.clock).status()
    assert status["waiting"] == 0
    final = rig.reconcile("all")
    assert final.admitted == 0 and final.reverting_count == 1
    assert final.reverting[0]["scene_id"] == REVERTER
    assert "title" in final.reverting[0]["fields"]
    rig.clock.advance(3600)
    assert rig.reconcile("recent").reverting_count == 1  # still shown after an hourly run
    text = "\n".join(summary_lines(last_report(rig.db)))
    assert f"Plex keeps reverting scene {REVERTER}" in text and "title" in text
