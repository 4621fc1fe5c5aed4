"""plex.adopt: which Plex tags left by the 1.x plugin become ours, and what a push then removes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.settings import defaults
from plex.adopt import StashNames, adopted_owned, families, plan_adoption
from plex.desired import desired_state
from plex.item import ItemState, Tag
from plex.plan import plan_edits
from plex.text import fold
from tests.plex.scenes import scene

S = defaults()
NAMES = StashNames.of({"tags": ["Outdoor", "Blonde", "Retired Tag"], "performers": ["Ann Actor", "Bob Actor",
                                                                                  "Old Performer"],
                       "studios": ["Studio Five", "Parent Six", "Former Studio"], "groups": ["Group Nine"]})
KNOWN = families(NAMES, S)
OWNED = {"genre": ["Blonde", "Outdoor"], "actor": ["Ann Actor", "Bob Actor"],
         "collection": ["Studio Five", "Group Nine"], "label": [], "director": ["Jane Director"]}
ITEM_TAGS = {"genre": ["Outdoor", "Blonde", "retired tag", "My Favourites"],
             "actor": ["Ann Actor", "Bob Actor", "Old Performer", "Someone Only In Plex"],
             "collection": ["Studio Five", "Group Nine", "Former Studio", "Watch Later"],
             "label": ["Outdoor"], "director": ["Jane Director", "Retired Tag"]}


def test_only_tags_naming_a_stash_object_are_adopted() -> None:
    d = desired_state(scene(), S)
    assert d is not None
    a = plan_adoption(1, "101", ITEM_TAGS, d, OWNED, KNOWN)
    assert a is not None
    assert a.adopt == {"genre": ("retired tag",), "actor": ("Old Performer",), "collection": ("Former Studio",)}
    assert a.remove == a.adopt  # none of them is on the scene in Stash any more
    assert a.removals == 3
    text = "\n".join(a.lines())
    assert "My Favourites" not in text and "Watch Later" not in text and "Someone Only In Plex" not in text
    assert "director" not in a.adopt  # the 1.x plugin never wrote directors


def test_a_leftover_stash_still_wants_is_managed_not_removed() -> None:
    d = desired_state(scene(), S)
    assert d is not None
    a = plan_adoption(1, "101", ITEM_TAGS, d, {}, KNOWN)  # nothing owned yet
    assert a is not None and "Outdoor" in a.adopt["genre"] and "Outdoor" not in a.remove["genre"]
    assert any("manage Outdoor" in line for line in a.lines())


def test_nothing_to_adopt_and_unmanaged_kinds() -> None:
    d = desired_state(scene(), S)
    assert d is not None
    assert plan_adoption(1, "101", {"genre": ["Blonde", "Mine"]}, d, OWNED, KNOWN) is None
    off = desired_state(scene(), S.replace(sync_performers=False, sync_collection=False))
    assert off is not None
    a = plan_adoption(1, "101", ITEM_TAGS, off, OWNED, KNOWN)
    assert a is not None and set(a.adopt) == {"genre"}


def test_labels_are_adopted_only_while_tags_are_written_as_labels() -> None:
    s = S.replace(tags_as="label")
    d = desired_state(scene(), s)
    assert d is not None
    a = plan_adoption(1, "101", ITEM_TAGS, d, OWNED, families(NAMES, s))
    assert a is not None and a.adopt["label"] == ("Outdoor",) and "label" not in a.remove  # the scene has it
    # tags go to labels now: a genre naming a Stash tag is a leftover (our own ones go anyway: owned)
    assert a.remove["genre"] == ("retired tag",)


def test_collection_families_follow_prefixes_and_bare_names() -> None:
    s = S.replace(collection_studio_prefix="Site: ", collection_group_prefix="Series: ",
                  collection_performers=True, collection_performer_prefix="With ", collection_tags="outdoor",
                  collection_tag_prefix="#", collection_organized="Organized")
    col = families(NAMES, s)["collection"]
    for name in ("Studio Five", "Site: Former Studio", "Series: Group Nine", "With Old Performer", "#Outdoor",
                 "Organized", "Group Nine"):
        assert fold(name) in col, name
    assert fold("#Blonde") not in col and fold("With Studio Five") not in col
    genre = families(NAMES, S.replace(performer_tags=True))["genre"]
    assert fold("Old Performer") in genre and fold("Old Performer") not in KNOWN["genre"]


def test_adopted_owned_merges_once() -> None:
    d = desired_state(scene(), S)
    assert d is not None
    a = plan_adoption(1, "101", ITEM_TAGS, d, OWNED, KNOWN)
    assert a is not None
    merged = adopted_owned(OWNED, a)
    assert merged["genre"] == ["Blonde", "Outdoor", "retired tag"] and merged["label"] == []
    assert adopted_owned(merged, a) == merged
    assert OWNED["genre"] == ["Blonde", "Outdoor"]  # the input is not changed


def _item(tags: dict[str, list[str]]) -> ItemState:
    return ItemState("101", "1", ["/f.mp4"], tags={k: [Tag(n) for n in v] for k, v in tags.items()},
                     locked={"genre", "actor", "collection", "label", "director"})


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Outdoor", "Blonde", "Retired Tag", "Mine", "Other Mine", "OUTDOOR"]),
                max_size=6, unique=True),
       st.lists(st.sampled_from(["Outdoor", "Blonde", "Retired Tag"]), max_size=3, unique=True))
def test_property_after_adoption_a_push_leaves_exactly_stash_plus_the_users_own(plex_genres: list[str],
                                                                               stash_tags: list[str]) -> None:
    """Whatever Plex carries, after adopt + the next push's plan: the genres are exactly the
    scene's Stash tags plus the Plex genres naming no Stash tag."""
    sc = scene(tags=[{"id": str(i), "name": n} for i, n in enumerate(stash_tags)])
    d = desired_state(sc, S)
    assert d is not None
    owned = {"genre": [n for n in d.tags["genre"]]}
    a = plan_adoption(1, "101", {"genre": plex_genres}, d, owned, KNOWN)
    owned_after = adopted_owned(owned, a) if a is not None else owned
    record = type("R", (), {"owned_tags": owned_after, "fingerprints": {}, "image_fps": {}})()
    plan = plan_edits(_item({"genre": plex_genres}), d, record, S.replace(sync_performers=False))
    final = [v for k, v in plan.params.items() if k.startswith("genre[") and k.endswith("].tag.tag")]
    if not plan.changed or "genre" not in plan.changed:
        final = plex_genres
    users = [g for g in plex_genres if fold(g) not in KNOWN["genre"]]
    assert {fold(g) for g in final} == {fold(g) for g in [*stash_tags, *users]}
