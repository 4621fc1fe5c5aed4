"""desired_state: mapping rules, empty-value rules, every setting it reads, and properties."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.settings import defaults
from plex.desired import EMPTY_FP, GROUPS, desired_state, parse_date, render_title
from plex.extra_fields import EXTRA_GROUPS
from plex.text import MAX_LINE, MAX_SUMMARY, MAX_SUMMARY_URL_BYTES, MAX_TAG, url_bytes
from tests.plex.scenes import scene

S = defaults()


def test_full_mapping() -> None:
    d = desired_state(scene(), S)
    assert d is not None
    assert d.fields == {"title": "Scene 1", "summary": "Line one\nLine two", "studio": "Studio Five",
                        "tagline": "ABC-1", "originallyAvailableAt": "2021-03-04", "year": "2021"}
    assert d.tags["genre"] == ("Blonde", "Outdoor") and d.tags["label"] == ()
    assert d.tags["actor"] == ("Ann Actor", "Bob Actor")
    assert d.tags["director"] == ("Jane Director",)
    assert d.tags["collection"] == ("Studio Five", "Group Nine")
    assert d.rating == 8.0
    assert d.actor_photos == {"Ann Actor": "http://stash.local/performer/7/image?t=1"}  # default image skipped
    assert d.poster_url == "http://stash.local/scene/1/screenshot?t=100" and d.art_url is None
    assert set(d.fingerprints) == set(GROUPS) - {"art"} - set(EXTRA_GROUPS)  # the extra fields are off by default


@pytest.mark.parametrize("raw,expected", [
    ("2020", ("2020-01-01", "2020")), ("2020-07", ("2020-07-01", "2020")), ("2020-07-09", ("2020-07-09", "2020")),
    ("2021-02-30", ("", "")), ("2020-13", ("", "")), ("0000", ("", "")), ("", ("", "")), (None, ("", "")),
    ("garbage", ("", "")), ("1999-1-2", ("1999-01-02", "1999")),
])
def test_dates(raw: str | None, expected: tuple[str, str]) -> None:
    assert parse_date(raw) == expected


def test_empty_title_never_managed() -> None:
    for title in ("", None, "   ", "\x00\x01"):
        d = desired_state(scene(title=title), S)
        assert d is not None and "title" not in d.fields and "title" not in d.fingerprints


def test_empty_values_are_managed_but_empty() -> None:
    d = desired_state(scene(details="", studio=None, code=None, date=None, rating100=None, tags=[],
                            performers=[], director="", groups=[]), S)
    assert d is not None
    assert d.fields["summary"] == d.fields["studio"] == d.fields["tagline"] == ""
    assert d.fields["originallyAvailableAt"] == d.fields["year"] == "" and d.rating is None
    for group in ("summary", "studio", "tagline", "date", "rating"):
        assert d.fingerprints[group] == EMPTY_FP[group]
    assert all(d.tags[k] == () for k in ("genre", "actor", "director", "collection"))


def test_title_template() -> None:
    assert render_title("{studio} - {title}", scene()) == "Studio Five - Scene 1"
    assert render_title("{date} {title} [{code}]", scene()) == "2021-03-04 Scene 1 [ABC-1]"
    assert render_title("{studio} - {title}", scene(studio=None)) == "Scene 1"
    assert render_title("{year} {title} {unknown}", scene()) == "2021 Scene 1"  # issue 13: never written literally
    assert render_title("{studio} - {title}", scene(title="")) == ""


def test_sanitising() -> None:
    d = desired_state(scene(title="A\tb\x07c\u0000  d\ud800", details="x\r\ny\x1b\rz",
                            tags=[{"name": "e\u0301"}, {"name": "é"}, {"name": ""}]), S)
    assert d is not None
    assert d.fields["title"] == "A bc d"
    assert d.fields["summary"] == "x\ny\nz"
    assert d.tags["genre"] == (unicodedata.normalize("NFC", "e\u0301"),)  # NFC + case-insensitive dedupe
    big = desired_state(scene(title="t" * 5000, details="d" * 50_000, tags=[{"name": "g" * 999}]), S)
    assert big is not None
    assert len(big.fields["title"]) == MAX_LINE
    # a summary travels in the edit URL: it is cut to what one proxy-safe request holds
    assert url_bytes(big.fields["summary"]) <= MAX_SUMMARY_URL_BYTES and big.fields["summary"].endswith("…")
    assert len(big.tags["genre"][0]) == MAX_TAG


def _names(n: int) -> list[dict[str, str]]:
    return [{"id": str(i), "name": f"tag{i:03d}"} for i in range(n)]


# Every setting desired_state reads, with a check that it changed the result (design F16).
SETTING_CASES: list[tuple[str, Any, Any]] = [
    ("sync_master", False, lambda d: not d.fields and not d.tags and d.rating is None),
    ("title_template", "{studio}: {title}", lambda d: d.fields["title"] == "Studio Five: Scene 1"),
    ("sync_summary", False, lambda d: "summary" not in d.fields and "summary" not in d.fingerprints),
    ("sync_studio", False, lambda d: "studio" not in d.fields),
    ("sync_tagline", False, lambda d: "tagline" not in d.fields),
    ("sync_date", False, lambda d: "originallyAvailableAt" not in d.fields and "year" not in d.fields),
    ("sync_director", False, lambda d: "director" not in d.tags),
    ("sync_rating", False, lambda d: "rating" not in d.fingerprints),
    ("sync_tags", False, lambda d: "genre" not in d.tags and "label" not in d.tags),
    ("tags_as", "label", lambda d: d.tags["label"] == ("Blonde", "Outdoor") and d.tags["genre"] == ()),
    ("tag_exclude", "blonde, x", lambda d: d.tags["genre"] == ("Outdoor",)),
    ("max_tags", 1, lambda d: d.tags["genre"] == ("Blonde",)),
    ("max_tags", 0, lambda d: d.tags["genre"] == ()),
    ("sync_performers", False, lambda d: "actor" not in d.tags and not d.actor_photos),
    ("performer_photos", False, lambda d: d.tags["actor"] and not d.actor_photos),
    ("performer_tags", True, lambda d: d.tags["genre"] == ("Blonde", "Outdoor", "Ann Actor", "Bob Actor")),
    ("sync_collection", False, lambda d: "collection" not in d.tags),
    ("collection_studio", False, lambda d: d.tags["collection"] == ("Group Nine",)),
    ("collection_studio_prefix", "Studio: ", lambda d: "Studio: Studio Five" in d.tags["collection"]),
    ("collection_parent_studio", True, lambda d: "Parent Six" in d.tags["collection"]),
    ("collection_groups", False, lambda d: d.tags["collection"] == ("Studio Five",)),
    ("collection_group_prefix", "G/", lambda d: "G/Group Nine" in d.tags["collection"]),
    ("collection_performers", True, lambda d: "Ann Actor" in d.tags["collection"]),
    ("collection_tags", "outdoor", lambda d: "Outdoor" in d.tags["collection"]),
    ("collection_organized", "Organized", lambda d: "Organized" in d.tags["collection"]),
    ("sync_poster", False, lambda d: d.poster_url is None and "poster" not in d.fingerprints),
    ("sync_background", True, lambda d: d.art_url == d.poster_url and "art" in d.fingerprints),
]


@pytest.mark.parametrize("key,value,check", SETTING_CASES, ids=[f"{c[0]}={c[1]}" for c in SETTING_CASES])
def test_each_setting_changes_behaviour(key: str, value: Any, check: Any) -> None:
    base = desired_state(scene(), S)
    changed = desired_state(scene(), S.replace(**{key: value}))
    assert changed is not None and check(changed)
    assert changed != base


def test_prefix_settings_need_their_toggle() -> None:
    s = S.replace(collection_parent_studio=True, collection_parent_studio_prefix="P: ",
                  collection_performers=True, collection_performer_prefix="Perf: ",
                  collection_tags="Blonde", collection_tag_prefix="Tag: ")
    d = desired_state(scene(), s)
    assert d is not None
    assert {"P: Parent Six", "Perf: Ann Actor", "Tag: Blonde"} <= set(d.tags["collection"])


def test_scene_filter() -> None:
    organized = S.replace(scene_filter="organized")
    assert desired_state(scene(organized=False), organized) is None
    assert desired_state(scene(organized=True), organized) is not None
    stashid = S.replace(scene_filter="stashid")
    assert desired_state(scene(stash_ids=[]), stashid) is None
    assert desired_state(scene(), stashid) is not None
    assert desired_state(scene(organized=False, stash_ids=[]), S) is not None


def test_default_cover_never_uploaded() -> None:
    d = desired_state(scene(paths={"screenshot": "http://s/scene/1/screenshot?t=1&default=true"}), S)
    assert d is not None and d.poster_url is None and "poster" not in d.fingerprints


# ----------------------------------------------------------------------------------- properties
text = st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=300) | st.none()
tag_names = st.lists(st.text(max_size=40), max_size=80)
scenes = st.fixed_dictionaries({
    "title": text, "details": st.text(max_size=3000) | st.none(), "code": text, "director": text,
    "date": st.one_of(st.none(), st.text(max_size=12), st.dates().map(dt.date.isoformat),
                      st.from_regex(r"\A\d{4}(-\d{2}){0,2}\Z")),
    "rating100": st.one_of(st.none(), st.integers(-50, 200)),
    "tags": tag_names, "performers": tag_names, "organized": st.booleans(),
})


def _build(raw: dict[str, Any]) -> dict[str, Any]:
    return scene(title=raw["title"], details=raw["details"], code=raw["code"], director=raw["director"],
                 date=raw["date"], rating100=raw["rating100"], organized=raw["organized"],
                 tags=[{"id": str(i), "name": n} for i, n in enumerate(raw["tags"])],
                 performers=[{"id": str(i), "name": n, "image_path": None} for i, n in enumerate(raw["performers"])])


def _valid_line(value: str, limit: int) -> bool:
    return (len(value) <= limit and value == value.strip() and unicodedata.is_normalized("NFC", value)
            and not any(unicodedata.category(c) in ("Cc", "Cs") for c in value))


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes)
def test_property_valid_and_stable(raw: dict[str, Any]) -> None:
    sc = _build(raw)
    d = desired_state(sc, S)
    assert d is not None
    assert desired_state(_build(raw), S) == d  # same scene → same fingerprints
    for name, value in d.fields.items():
        if name == "summary":
            assert len(value) <= MAX_SUMMARY and "\r" not in value
            assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in value if c not in "\n\t")
        else:
            assert _valid_line(value, MAX_LINE), (name, value)
    if d.fields.get("originallyAvailableAt"):
        assert dt.date.fromisoformat(d.fields["originallyAvailableAt"]).year == int(d.fields["year"])
    if "title" in d.fields:
        assert d.fields["title"]
    assert d.rating is None or 0.0 <= d.rating <= 10.0
    for kind, names in d.tags.items():
        assert all(_valid_line(n, MAX_TAG) and n for n in names), kind
        assert len({n.casefold() for n in names}) == len(names)
    assert len(d.tags["genre"]) <= S.max_tags


CHANGES: dict[str, tuple[str, Any]] = {
    "title": ("title", "A different title"), "summary": ("details", "Other details"),
    "tagline": ("code", "XYZ-9"), "date": ("date", "1999-12-31"), "rating": ("rating100", 15),
    "genre": ("tags", [{"id": "3", "name": "Brand New"}]), "director": ("director", "Someone Else"),
    "poster": ("paths", {"screenshot": "http://stash.local/scene/1/screenshot?t=999"}),
}


@hsettings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(CHANGES)), st.text(min_size=1, max_size=20).filter(lambda t: t.strip()))
def test_property_change_moves_exactly_its_group(group: str, salt: str) -> None:
    key, value = CHANGES[group]
    if isinstance(value, str) and key not in ("date",):
        value = value + " " + salt.strip()
    before = desired_state(scene(), S)
    after = desired_state(scene(**{key: value}), S)
    assert before is not None and after is not None
    moved = {g for g in set(before.fingerprints) | set(after.fingerprints)
             if before.fingerprints.get(g) != after.fingerprints.get(g)}
    assert moved == {group}
    assert before.content_fp != after.content_fp
