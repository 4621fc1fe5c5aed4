"""Diff planning (pure): full Plex item + desired state + what we pushed before → one edit.

Tag ownership (design D6, F12): for each managed tag kind the edit carries the
complete wanted list (the user's own tags + ours) AND an explicit removal of our stale tags,
so the result is right whether Plex treats the indexed list as "replace" or "add". We own
exactly the tags we sent last time (so a replayed write after a crash keeps ownership right);
a tag that only the user added in Plex is never removed. Everything written is locked
(`.locked=1`, design F13).

`preserve_plex_edits`: scalar fields and the rating are only written when empty in Plex and
never cleared; for tags, one of our tags that the user removed in Plex is not re-added (our
stale tags are still removed, the user's are still kept). Images have their own switches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from core.settings import Settings
from plex.desired import EMPTY_FP, FIELD_GROUPS, DesiredState
from plex.extra_fields import SHOWN_AS
from plex.item import ItemState, Tag
from plex.text import fold

IMAGE_LOCK = {"poster": "thumb", "art": "art"}  # image kind → the lock the writer sets after an upload
NO_IMAGE = "none"
"""image_fps value for "pushed without this image": Stash had no real cover yet. Such a scene
tries again whenever it is pushed, and reconcile knows which scenes still need theirs."""
RATING_EPS = 0.05


@dataclass
class EditPlan:
    params: dict[str, str] = field(default_factory=dict)
    set_rating: bool = False
    rating: float | None = None
    images: list[str] = field(default_factory=list)
    owned_tags: dict[str, list[str]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.params and not self.set_rating and not self.images


def _pushed_before(record: Any, group: str) -> bool:
    fps = getattr(record, "fingerprints", None) or {}
    return fps.get(group) not in (None, EMPTY_FP.get(group))


def _plan_fields(plan: EditPlan, item: ItemState, desired: DesiredState, record: Any, preserve: bool) -> None:
    for group, names in FIELD_GROUPS.items():
        if group not in desired.fingerprints:
            continue
        before = _pushed_before(record, group)
        for name in names:
            want, have = desired.fields.get(name, ""), item.fields.get(name, "")
            if want:
                if preserve and have and have != want:
                    continue
                shown = have or item.fields.get(SHOWN_AS.get(name, ""), "")  # titleSort absent = the title
                if shown == want and name in item.locked:
                    continue
            elif not have or not before or preserve:
                continue
            plan.params[f"{name}.value"] = want
            plan.params[f"{name}.locked"] = "1"
            if group not in plan.changed:
                plan.changed.append(group)


def _plan_tags(plan: EditPlan, item: ItemState, desired: DesiredState, record: Any, preserve: bool) -> None:
    owned_all = getattr(record, "owned_tags", None) or {}
    for kind, wanted_names in desired.tags.items():
        current = item.tags.get(kind, [])
        cur_f = {fold(t.tag) for t in current}
        owned_f = {fold(n) for n in owned_all.get(kind, [])}
        wanted = list(wanted_names)
        if preserve:  # the user removed one of our tags in Plex: respect it
            wanted = [w for w in wanted if not (fold(w) in owned_f and fold(w) not in cur_f)]
        want_f = {fold(w) for w in wanted}
        stale = [t.tag for t in current if fold(t.tag) in owned_f and fold(t.tag) not in want_f]
        kept = [t for t in current if fold(t.tag) not in owned_f and fold(t.tag) not in want_f]
        by_name = {fold(t.tag): t for t in current}
        ours = [_wanted_tag(kind, w, by_name.get(fold(w)), desired) for w in wanted]
        final = kept + ours
        plan.owned_tags[kind] = list(wanted_names)
        differs = {fold(t.tag) for t in final} != cur_f or any(
            t.thumb and by_name.get(fold(t.tag)) and by_name[fold(t.tag)].thumb != t.thumb for t in ours)
        needs_lock = bool(wanted) and kind not in item.locked
        if not (stale or differs or needs_lock):
            continue
        for i, tag in enumerate(final):
            plan.params[f"{kind}[{i}].tag.tag"] = tag.tag
            if kind == "actor" and tag.thumb:
                plan.params[f"actor[{i}].tag.thumb"] = tag.thumb
            if kind == "actor" and tag.role:
                plan.params[f"actor[{i}].tagging.text"] = tag.role
        if stale:
            plan.params[f"{kind}[].tag.tag-"] = ",".join(quote(s, safe="") for s in stale)
        plan.params[f"{kind}.locked"] = "1"
        plan.changed.append(kind)


def _wanted_tag(kind: str, name: str, existing: Tag | None, desired: DesiredState) -> Tag:
    if kind != "actor":
        return Tag(name)
    photo = desired.actor_photos.get(name, "")
    return Tag(name, photo or (existing.thumb if existing else ""), existing.role if existing else "")


def _plan_rating(plan: EditPlan, item: ItemState, desired: DesiredState, record: Any, preserve: bool) -> None:
    if "rating" not in desired.fingerprints:
        return
    want, have = desired.rating, item.user_rating
    if want is not None:
        if have is not None and (preserve or abs(have - want) < RATING_EPS):
            return
    elif have is None or preserve or not _pushed_before(record, "rating"):
        return
    plan.set_rating, plan.rating = True, want
    plan.changed.append("rating")


def _plan_images(plan: EditPlan, item: ItemState, desired: DesiredState, record: Any) -> None:
    fps = getattr(record, "fingerprints", None) or {}
    image_fps = getattr(record, "image_fps", None) or {}
    for kind, url in (("poster", desired.poster_url), ("art", desired.art_url)):
        if not url:
            continue
        if record is None or fps.get(kind) != desired.fingerprints.get(kind) or \
                image_fps.get(kind) in (None, "", NO_IMAGE):
            plan.images.append(kind)


def plan_edits(item: ItemState, desired: DesiredState, record: Any, settings: Settings) -> EditPlan:
    """The one batched edit that turns `item` into `desired`, owning only what we pushed.

    `record` is the scene's SyncRecord or None (first sync); only its `fingerprints`,
    `owned_tags` and `image_fps` are read. Image kinds listed in `images` are upload
    candidates: the writer still skips an upload whose bytes equal the recorded hash.
    """
    preserve = bool(settings.preserve_plex_edits)
    plan = EditPlan()
    _plan_fields(plan, item, desired, record, preserve)
    _plan_tags(plan, item, desired, record, preserve)
    _plan_rating(plan, item, desired, record, preserve)
    _plan_images(plan, item, desired, record)
    for kind, names in (getattr(record, "owned_tags", None) or {}).items():
        plan.owned_tags.setdefault(kind, list(names))  # unmanaged kinds keep their ownership
    return plan
