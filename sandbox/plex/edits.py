"""The section edit grammar (`PUT /library/sections/{id}/all?...`), parsed into a plan, then applied.

Pure: parsing and applying touch only the objects handed in, so both are unit-testable.
Semantics follow real Plex: an indexed list `genre[0].tag.tag=A&genre[1].tag.tag=B` REPLACES the
item's genres; `genre[].tag.tag-=A,B` removes (each name URL-encoded before joining, so a comma
inside a name arrives as %2C); `x.locked=1|0` locks/unlocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from sandbox.plex.model import EDITABLE_FIELDS, LOCKABLE, NUMBER_FIELDS, TAG_KINDS, Item, Tag

_TAG_KEY = re.compile(r"^(?P<kind>[A-Za-z]+)\[(?P<index>\d*)\]\.(?P<attr>tag\.tag|tag\.thumb|tagging\.text|tag\.id)"
                      r"(?P<remove>-?)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EditError(ValueError):
    """The edit is malformed; the server answers 400 like Plex does."""


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


def parse_edit(params: list[tuple[str, str]]) -> EditPlan:
    """Turn decoded query pairs into an EditPlan; raises EditError on malformed input."""
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
    if not plan.ids:
        raise EditError("no id given")
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


def apply_edit(item: Item, plan: EditPlan, tag_id: Callable[[str, str], int]) -> None:
    """Apply `plan` to `item` (caller holds the lock and bumps updatedAt)."""
    for name, value in plan.values.items():
        if value == "" and name != "title":
            item.fields.pop(name, None)
        else:
            item.fields[name] = value
    for kind, tagset in plan.replace.items():
        tags: list[Tag] = []
        seen: set[str] = set()
        for index in sorted(tagset.entries):
            entry = tagset.entries[index]
            name = entry.get("tag.tag", "").strip()
            if not name or name.lower() in seen:
                continue
            seen.add(name.lower())
            previous = next((t for t in item.tags.get(kind, ()) if t.name == name), None)
            role = entry.get("tagging.text", previous.role if previous else None)
            thumb = entry.get("tag.thumb", previous.thumb if previous else None)
            tags.append(Tag(tag_id(kind, name), name, role or None, thumb or None))
        item.tags[kind] = tags
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


def _coerce(name: str, raw: str) -> str | int | float:
    if name == "originallyAvailableAt" and not _DATE.match(raw):
        raise EditError(f"originallyAvailableAt must be YYYY-MM-DD, got {raw!r}")
    kind = NUMBER_FIELDS.get(name)
    if kind is None:
        return raw
    try:
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError as exc:
        raise EditError(f"{name} must be a number, got {raw!r}") from exc
