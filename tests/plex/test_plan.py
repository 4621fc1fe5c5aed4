"""plan_edits (pure): field diffs, empty-value clearing, tag ownership, preserve mode, images."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from core.settings import defaults
from plex.desired import desired_state
from plex.item import ItemState, Tag
from plex.plan import plan_edits
from sync_queue.state import SyncRecord
from tests.plex.scenes import scene

S = defaults()


def item(**over: object) -> ItemState:
    base = ItemState(rating_key="10", section_id="1", files=["/stash/media/site/scene1.mp4"],
                     fields={"title": "scene1"}, tags={})
    for key, value in over.items():
        setattr(base, key, value)
    return base


def record_after(sc: dict, settings=S, **over: object) -> SyncRecord:
    d = desired_state(sc, settings)
    assert d is not None
    rec = SyncRecord(scene_id=1, fingerprints=dict(d.fingerprints), owned_tags={k: list(v) for k, v in d.tags.items()},
                     image_fps={"poster": "abc"}, section_id=1, rating_key=10)
    for key, value in over.items():
        setattr(rec, key, value)
    return rec


def synced_item(sc: dict) -> ItemState:
    """The item as it looks after a successful push of `sc` (all locked)."""
    d = desired_state(sc, S)
    assert d is not None
    fields = {k: v for k, v in d.fields.items() if v}
    tags = {k: [Tag(n, d.actor_photos.get(n, "")) for n in v] for k, v in d.tags.items() if v}
    locked = set(fields) | set(tags) | {"thumb"}
    return item(fields=fields, tags=tags, locked=locked, user_rating=d.rating, thumb="/t/1")


def test_first_sync_sets_and_locks_everything() -> None:
    d = desired_state(scene(), S)
    plan = plan_edits(item(), d, None, S)
    p = plan.params
    assert p["title.value"] == "Scene 1" and p["title.locked"] == "1"
    assert p["summary.value"] == "Line one\nLine two" and p["originallyAvailableAt.value"] == "2021-03-04"
    assert p["year.value"] == "2021" and p["tagline.value"] == "ABC-1" and p["studio.locked"] == "1"
    assert [p["genre[0].tag.tag"], p["genre[1].tag.tag"]] == ["Blonde", "Outdoor"] and p["genre.locked"] == "1"
    assert p["actor[0].tag.thumb"] == "http://stash.local/performer/7/image?t=1"
    assert "actor[1].tag.thumb" not in p
    assert p["director[0].tag.tag"] == "Jane Director" and p["collection.locked"] == "1"
    assert "label.locked" not in p  # nothing wanted, nothing owned: untouched
    assert plan.set_rating and plan.rating == 8.0 and plan.images == ["poster"]
    assert plan.owned_tags["genre"] == ["Blonde", "Outdoor"]


def test_in_sync_item_needs_nothing() -> None:
    sc = scene()
    plan = plan_edits(synced_item(sc), desired_state(sc, S), record_after(sc), S)
    assert plan.empty, plan


def test_tag_removal_keeps_user_tags_and_sends_both_forms() -> None:
    old = scene()
    current = synced_item(old)
    current.tags["genre"].append(Tag("User Genre"))
    new = scene(tags=[{"id": "1", "name": "Outdoor"}, {"id": "3", "name": "New, Tag"}])
    plan = plan_edits(current, desired_state(new, S), record_after(old), S)
    p = plan.params
    listed = [p[k] for k in sorted(k for k in p if k.startswith("genre[") and k.endswith("].tag.tag"))]
    assert set(listed) == {"User Genre", "Outdoor", "New, Tag"}
    assert p["genre[].tag.tag-"] == quote("Blonde", safe="")
    assert plan.owned_tags["genre"] == ["New, Tag", "Outdoor"]


def test_user_genre_survives_repeated_plans() -> None:
    sc = scene()
    current = synced_item(sc)
    current.tags["genre"].append(Tag("Mine"))
    rec = record_after(sc)
    for _ in range(3):
        plan = plan_edits(current, desired_state(sc, S), rec, S)
        assert plan.empty
        rec.owned_tags = plan.owned_tags
    changed = scene(tags=[])
    plan = plan_edits(current, desired_state(changed, S), rec, S)
    assert plan.params["genre[0].tag.tag"] == "Mine"
    assert plan.params["genre[].tag.tag-"] == "Blonde,Outdoor"


def test_empty_values_clear_only_what_we_pushed() -> None:
    sc = scene()
    current = synced_item(sc)
    emptied = scene(details="", code="", studio=None, date=None, rating100=None, title="")
    # Never pushed before (record without those groups): Plex values stay.
    assert not plan_edits(current, desired_state(emptied, S), None, S).params.keys() & {
        "summary.value", "tagline.value", "studio.value", "year.value", "title.value"}
    plan = plan_edits(current, desired_state(emptied, S), record_after(sc), S)
    for name in ("summary", "tagline", "studio", "originallyAvailableAt", "year"):
        assert plan.params[f"{name}.value"] == "" and plan.params[f"{name}.locked"] == "1"
    assert "title.value" not in plan.params  # the title is never cleared
    assert plan.set_rating and plan.rating is None


def test_preserve_plex_edits_only_fills_empty() -> None:
    keep = S.replace(preserve_plex_edits=True)
    sc = scene()
    current = item(fields={"title": "User title", "summary": ""}, user_rating=3.0,
                   tags={"genre": [Tag("Blonde")]})
    plan = plan_edits(current, desired_state(sc, keep), None, keep)
    assert "title.value" not in plan.params and plan.params["summary.value"] == "Line one\nLine two"
    assert not plan.set_rating
    normal = plan_edits(current, desired_state(sc, S), None, S)
    assert normal.params["title.value"] == "Scene 1" and normal.set_rating
    # A tag of ours the user removed in Plex is not re-added in preserve mode (it is otherwise).
    synced = synced_item(sc)
    synced.tags["genre"] = [Tag("Outdoor")]
    rec = record_after(sc)
    assert "genre[0].tag.tag" not in plan_edits(synced, desired_state(sc, keep), rec, keep).params
    assert "Blonde" in plan_edits(synced, desired_state(sc, S), rec, S).params.values()
    # Preserve never clears.
    emptied = scene(details="")
    assert "summary.value" not in plan_edits(synced_item(sc), desired_state(emptied, keep), rec, keep).params


def test_unlocked_equal_values_get_locked() -> None:
    sc = scene()
    current = synced_item(sc)
    current.locked = set()
    plan = plan_edits(current, desired_state(sc, S), record_after(sc), S)
    assert plan.params["title.locked"] == "1" and plan.params["genre.locked"] == "1"


def test_images_follow_fingerprints() -> None:
    sc = scene()
    cur = synced_item(sc)
    assert plan_edits(cur, desired_state(sc, S), record_after(sc), S).images == []
    moved = scene(paths={"screenshot": "http://stash.local/scene/1/screenshot?t=200"})
    assert plan_edits(cur, desired_state(moved, S), record_after(sc), S).images == ["poster"]
    bg = S.replace(sync_background=True)
    assert plan_edits(cur, desired_state(sc, bg), record_after(sc), S).images == ["art"]


def test_unmanaged_kinds_keep_ownership() -> None:
    sc = scene()
    off = S.replace(sync_tags=False)
    plan = plan_edits(synced_item(sc), desired_state(sc, off), record_after(sc), off)
    assert "genre[].tag.tag-" not in plan.params and plan.owned_tags["genre"] == ["Blonde", "Outdoor"]


def test_tags_as_label_moves_our_genres() -> None:
    sc = scene()
    lab = S.replace(tags_as="label")
    plan = plan_edits(synced_item(sc), desired_state(sc, lab), record_after(sc), lab)
    assert plan.params["genre[].tag.tag-"] == "Blonde,Outdoor"
    assert plan.params["label[0].tag.tag"] == "Blonde" and plan.owned_tags["genre"] == []


# ------------------------------------------------------------------- properties of the tag edit
def apply(current: ItemState, params: dict[str, str], replace: bool) -> ItemState:
    """Plex's edit semantics for genres, either "indexed list replaces" or "indexed list adds"."""
    from urllib.parse import unquote

    if not any(k.startswith("genre") for k in params):
        return current
    listed = [params[f"genre[{i}].tag.tag"] for i in range(len(params)) if f"genre[{i}].tag.tag" in params]
    names = [] if replace else [t.tag for t in current.tags.get("genre", [])]
    names += [n for n in listed if n.casefold() not in {x.casefold() for x in names}]
    removed = {unquote(n).casefold() for n in params.get("genre[].tag.tag-", "").split(",") if n}
    genres = [Tag(n) for n in names if n.casefold() not in removed]
    locked = current.locked | ({"genre"} if params.get("genre.locked") == "1" else set())
    return item(tags={"genre": genres}, locked=locked)


name = st.sampled_from(["A", "b", "B", "C", "Dé", "e,f", "G H", "🎬", "x%y"])


@given(st.lists(name, max_size=5), st.lists(name, max_size=5), st.lists(name, max_size=4), st.booleans())
def test_property_tag_ownership(old: list[str], new: list[str], user: list[str], replace: bool) -> None:
    only_genres = S.replace(sync_performers=False, sync_director=False, sync_collection=False, sync_summary=False,
                            sync_studio=False, sync_tagline=False, sync_date=False, sync_rating=False,
                            sync_poster=False)
    start = item(tags={"genre": [Tag(n) for n in dict.fromkeys(user)]})
    d_old = desired_state(scene(title="", tags=[{"name": n} for n in old]), only_genres)
    plan1 = plan_edits(start, d_old, None, only_genres)
    after1 = apply(start, plan1.params, replace) if plan1.params else start
    rec = SyncRecord(scene_id=1, fingerprints=dict(d_old.fingerprints), owned_tags=plan1.owned_tags)
    d_new = desired_state(scene(title="", tags=[{"name": n} for n in new]), only_genres)
    plan2 = plan_edits(after1, d_new, rec, only_genres)
    after2 = apply(after1, plan2.params, replace) if plan2.params else after1
    have = {t.tag.casefold() for t in after2.tags.get("genre", [])}
    wanted = {n.casefold() for n in d_new.tags["genre"]}
    ours_before = {n.casefold() for n in d_old.tags["genre"]}
    assert wanted <= have
    assert {u.casefold() for u in user} - ours_before - wanted <= have  # the user's own tags survive
    assert not (ours_before - wanted) & have  # our stale tags are gone
    rec2 = SyncRecord(scene_id=1, fingerprints={}, owned_tags=plan2.owned_tags)
    assert not plan_edits(after2, d_new, rec2, only_genres).params  # idempotent: nothing left to do
