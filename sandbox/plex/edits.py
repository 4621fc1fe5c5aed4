"""The section edit grammar (`PUT /library/sections/{id}/all?...`), parsed into a plan, then applied.

Pure: parsing and applying touch only the objects handed in, so both are unit-testable.
Semantics follow real Plex: an indexed list `genre[0].tag.tag=A&genre[1].tag.tag=B` replaces the
item's genres (mode "replace") or adds to them (mode "add": sources disagree, see modes.py);
`genre[].tag.tag-=A,B` removes (each name URL-encoded before joining, so a comma inside a name
arrives as %2C); `x.locked=1|0` locks/unlocks. `actor[i].tag.thumb` is the actor's photo, stored on
the shared tag (every item with that actor shows it); `actor[i].tagging.text` is the per-item role.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from sandbox.plex.model import EDITABLE_FIELDS, LOCKABLE, NUMBER_FIELDS, TAG_KINDS, Item, Tag, TagInfo

_TAG_KEY = re.compile(r"^(?P<kind>[A-Za-z]+)\[(?P<index>\d*)\]\.(?P<attr>tag\.tag|tag\.thumb|tagging\.text|tag\.id)"
                      r"(?P<remove>-?)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EditError(ValueError):
    """The edit is malformed; the server answers 400 like Plex does."""


class BadValueError(EditError):
    """A value Plex cannot parse (date, number): 400, or 500 in mode bad_edit_value=500."""


@dataclass
class TagSet:
    """Indexed entries of one tag kind: index -> {attr: value}."""

    entries: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass
class EditPlan:
    ids: list[int] = field(default_factory=list)
    values: dict[str, str | int | float] = field(default_factory=dict)
    locks: dict[str, bool] = field(default_factory=dict)
    replace: dict[str, TagSet] = field(default_factory=dict)
    remove: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.values or self.locks or self.replace or self.remove)


def parse_edit(params: list[tuple[str, str]], require_id: bool = True, strict: bool = False) -> EditPlan:
    """Turn decoded query pairs into an EditPlan; raises EditError on malformed input.

    `require_id=False` lets an id-less edit through (plan.ids empty: the caller decides what it
    means); `strict=True` refuses unknown keys instead of ignoring them."""
    plan = EditPlan()
    for key, value in params:
        if key == "id":
            try:
                plan.ids.extend(int(v) for v in value.split(",") if v.strip())
            except ValueError as exc:
                raise EditError(f"bad id list {value!r}") from exc
            continue
        if key in ("type", "includeExternalMedia") or key.lower().startswith("x-plex-"):
            continue
        match = _TAG_KEY.match(key)
        if match:
            _parse_tag(plan, match, value)
            continue
        name, _, suffix = key.rpartition(".")
        if suffix == "value" and name in EDITABLE_FIELDS:
            plan.values[name] = _coerce(name, value) if value != "" else ""
        elif suffix == "locked" and name in LOCKABLE:
            plan.locks[name] = value.strip() not in ("0", "", "false")
        else:
            plan.ignored.append(key)
    if require_id and not plan.ids:
        raise EditError("no id given")
    if strict and plan.ignored:
        raise EditError(f"unknown edit keys {plan.ignored}")
    return plan


def _parse_tag(plan: EditPlan, match: re.Match[str], value: str) -> None:
    kind = match["kind"]
    if kind not in TAG_KINDS:
        plan.ignored.append(match.string)
        return
    if match["remove"]:
        names = [unquote(part) for part in value.split(",") if part != ""]
        plan.remove.setdefault(kind, []).extend(names)
        return
    if match["index"] == "":
        raise EditError(f"{match.string}: additions need an index")
    entry = plan.replace.setdefault(kind, TagSet()).entries.setdefault(int(match["index"]), {})
    entry[match["attr"]] = value


def apply_edit(item: Item, plan: EditPlan, tag_info: Callable[[str, str], TagInfo],
               mode: str = "replace") -> None:
    """Apply `plan` to `item` (caller holds the lock and bumps updatedAt). `tag_info(kind, name)`
    is the shared tag row; `mode` is "replace" or "add" for indexed tag lists."""
    for name, value in plan.values.items():
        if value == "" and name != "title":
            item.fields.pop(name, None)
        else:
            item.fields[name] = value
    for kind, tagset in plan.replace.items():
        item.tags[kind] = _tag_list(item.tags.get(kind, []), kind, tagset, tag_info, mode)
    for kind, names in plan.remove.items():
        drop = {n.lower() for n in names}
        item.tags[kind] = [t for t in item.tags.get(kind, ()) if t.name.lower() not in drop]
    for kind in [k for k, v in item.tags.items() if not v]:
        del item.tags[kind]
    for name, locked in plan.locks.items():
        if locked:
            item.locked.add(name)
        else:
            item.locked.discard(name)


def _tag_list(current: list[Tag], kind: str, tagset: TagSet, tag_info: Callable[[str, str], TagInfo],
              mode: str) -> list[Tag]:
    """The kind's new list: the indexed entries in index order (replace), or the current tags
    followed by the new entries (add). A given thumb goes to the shared tag, a role stays here."""
    tags: list[Tag] = list(current) if mode == "add" else []
    placed = {t.name.lower(): t for t in tags}
    for index in sorted(tagset.entries):
        entry = tagset.entries[index]
        name = entry.get("tag.tag", "").strip()
        if not name or (mode != "add" and name.lower() in placed):
            continue
        info = tag_info(kind, name)
        if "tag.thumb" in entry:
            info.thumb = entry["tag.thumb"] or None
        tag = placed.get(name.lower())
        if tag is None:
            previous = next((t for t in current if t.name.lower() == name.lower()), None)
            tag = Tag(info, name, previous.role if previous else None)
            tags.append(tag)
            placed[name.lower()] = tag
        if "tagging.text" in entry:
            tag.role = entry["tagging.text"] or None
    return tags


def _coerce(name: str, raw: str) -> str | int | float:
    if name == "originallyAvailableAt" and not _DATE.match(raw):
        raise BadValueError(f"originallyAvailableAt must be YYYY-MM-DD, got {raw!r}")
    kind = NUMBER_FIELDS.get(name)
    if kind is None:
        return raw
    try:
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError as exc:
        raise BadValueError(f"{name} must be a number, got {raw!r}") from exc
