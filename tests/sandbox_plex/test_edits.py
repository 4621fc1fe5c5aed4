"""The edit grammar as pure logic: parse query pairs, apply to an item (no server, no mocks)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import pytest
from plexapi.utils import joinArgs

from sandbox.plex.edits import BadValueError, EditError, apply_edit, parse_edit
from sandbox.plex.model import Item, Section, Tag, TagInfo, title_from_file, under_path

SECTION = Section(1, "Movies", "/m", "tv.plex.agents.none")


class Ids:
    """Shared tag rows (id, actor photo) of the items of one test, like the store's."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], TagInfo] = {}

    def __call__(self, kind: str, name: str) -> TagInfo:
        key = (kind, name.lower())
        if key not in self.ids:
            self.ids[key] = TagInfo(100 + len(self.ids))
        return self.ids[key]


def item(**tags: list[str]) -> Item:
    it = Item(7, SECTION, "/m/a.mp4", "a", 1000)
    for kind, names in tags.items():
        it.tags[kind] = [Tag(i, n) for i, n in enumerate(names)]
    return it


def wire(args: dict[str, object]) -> list[tuple[str, str]]:
    """Exactly what plexapi puts on the wire, decoded the way the server decodes it."""
    return parse_qsl(joinArgs(args).lstrip("?"), keep_blank_values=True)


def test_field_values_and_locks():
    plan = parse_edit(wire({"id": 7, "type": 1, "title.value": "T", "title.locked": 1, "summary.value": "S",
                            "summary.locked": 0, "year.value": "2001", "X-Plex-Token": "secret"}))
    assert plan.ids == [7] and plan.values == {"title": "T", "summary": "S", "year": 2001}
    assert plan.locks == {"title": True, "summary": False}
    it = item()
    it.locked.add("summary")
    apply_edit(it, plan, Ids())
    assert it.fields == {"title": "T", "summary": "S", "year": 2001} and it.locked == {"title"}


def test_indexed_tags_replace_the_set_in_index_order():
    it = item(genre=["Old", "Keep"])
    plan = parse_edit(wire({"id": 7, "genre[1].tag.tag": "B", "genre[0].tag.tag": "A, with comma",
                            "genre.locked": 1}))
    apply_edit(it, plan, Ids())
    assert it.tag_names("genre") == ["A, with comma", "B"] and "genre" in it.locked


def test_removal_list_is_comma_joined_and_each_name_url_encoded():
    names = ["Sci-Fi & Fantasy", "a,b", "Ünïcode 🎬", "100%"]
    it = item(genre=[*names, "Stays"])
    removal = ",".join(quote(n) for n in names)  # what plexapi's _tagHelper builds
    plan = parse_edit(wire({"id": 7, "genre[].tag.tag-": removal}))
    apply_edit(it, plan, Ids())
    assert it.tag_names("genre") == ["Stays"]


def test_multi_id_and_shared_tag_ids():
    ids = Ids()
    plan = parse_edit(wire({"id": "7,8", "label[0].tag.tag": "X"}))
    assert plan.ids == [7, 8]
    a, b = item(), item()
    apply_edit(a, plan, ids)
    apply_edit(b, plan, ids)
    assert a.tags["label"][0].id == b.tags["label"][0].id


def test_actor_role_and_thumb():
    it = item()
    plan = parse_edit(wire({"id": 7, "actor[0].tag.tag": "Jane", "actor[0].tagging.text": "Lead",
                            "actor[0].tag.thumb": "http://x/j.jpg"}))
    apply_edit(it, plan, Ids())
    tag = it.tags["actor"][0]
    assert (tag.name, tag.role, tag.thumb) == ("Jane", "Lead", "http://x/j.jpg")


def test_empty_value_clears_field_and_empty_list_drops_kind():
    it = item(genre=["A"])
    it.fields["summary"] = "S"
    apply_edit(it, parse_edit(wire({"id": 7, "summary.value": "", "genre[].tag.tag-": "A"})), Ids())
    assert "summary" not in it.fields and "genre" not in it.tags


@pytest.mark.parametrize("args", [
    {"title.value": "no id"},
    {"id": "x"},
    {"id": 7, "originallyAvailableAt.value": "2020/01/02"},
    {"id": 7, "year.value": "soon"},
    {"id": 7, "genre[].tag.tag": "needs-index"},
])
def test_malformed_edits_are_rejected(args):
    with pytest.raises(EditError):
        parse_edit(wire(args))


def test_unknown_keys_are_ignored_not_applied():
    plan = parse_edit(wire({"id": 7, "bogus.value": "x", "similar[0].tag.tag": "y"}))
    assert plan.empty and len(plan.ignored) == 2


def test_path_helpers():
    assert title_from_file("/a/b/My Film (2020).mkv") == "My Film (2020)"
    assert title_from_file("C:\\v\\clip.mp4") == "clip"
    assert under_path("/media/a/x.mp4", "/media/a") and under_path("/media/a/x.mp4", "/media/a/")
    assert not under_path("/media/ab/x.mp4", "/media/a")


def test_add_mode_appends_updates_in_place_and_removal_still_removes():
    it = item(genre=["Old", "Keep"])
    ids = Ids()
    apply_edit(it, parse_edit(wire({"id": 7, "genre[0].tag.tag": "New", "genre[1].tag.tag": "keep"})), ids, "add")
    assert it.tag_names("genre") == ["Old", "Keep", "New"]
    apply_edit(it, parse_edit(wire({"id": 7, "genre[].tag.tag-": "Old,New", "genre[0].tag.tag": "Keep"})), ids, "add")
    assert it.tag_names("genre") == ["Keep"]


def test_actor_photo_lives_on_the_shared_tag_and_the_role_on_the_item():
    ids = Ids()
    a, b = item(), item()
    apply_edit(a, parse_edit(wire({"id": 7, "actor[0].tag.tag": "Jane", "actor[0].tagging.text": "Hero"})), ids)
    apply_edit(b, parse_edit(wire({"id": 7, "actor[0].tag.tag": "jane", "actor[0].tagging.text": "Villain",
                                   "actor[0].tag.thumb": "http://x/j.jpg"})), ids)
    assert a.tags["actor"][0].thumb == b.tags["actor"][0].thumb == "http://x/j.jpg"
    assert (a.tags["actor"][0].role, b.tags["actor"][0].role) == ("Hero", "Villain")
    apply_edit(a, parse_edit(wire({"id": 7, "actor[0].tag.tag": "Jane"})), ids)  # neither given: both kept
    assert (a.tags["actor"][0].role, b.tags["actor"][0].thumb) == ("Hero", "http://x/j.jpg")
    apply_edit(a, parse_edit(wire({"id": 7, "actor[0].tag.tag": "Jane", "actor[0].tag.thumb": ""})), ids)
    assert b.tags["actor"][0].thumb is None  # an empty thumb clears the photo for everyone


def test_parse_options_for_idless_edits_unknown_keys_and_bad_values():
    assert parse_edit(wire({"type": 1, "title.value": "all"}), require_id=False).ids == []
    with pytest.raises(EditError, match="unknown edit keys"):
        parse_edit(wire({"id": 7, "bogus.value": "x"}), strict=True)
    with pytest.raises(BadValueError):
        parse_edit(wire({"id": 7, "year.value": "soon"}))
    assert isinstance(Tag(3, "x").info, TagInfo) and Tag(3, "x").id == 3
