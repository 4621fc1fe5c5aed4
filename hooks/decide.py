"""Hook context → what to admit, drop or skip. Pure: no I/O, no clock, standard library only.

Why pure: this is the whole policy of the hot path, so it is unit-tested exhaustively without
servers. `inputFields` lists the keys the client SENT (not what changed), so a hook is skipped
only when every sent field is known to be invisible in Plex; any unknown field admits.
"""

from __future__ import annotations

from core.catalog import FAN_OUT_HOOKS, HOOK_KIND, SCENE_CREATE, SCENE_DESTROY, TAG_MERGE
from core.invocation import HookContext, InputError, parse_id

ADMIT, DROP, SKIP = "admit", "drop", "skip"
SCAN_DELAY_S = 60.0  # a scan fires Scene.Create.Post before the cover exists; push after it does

# Fields that can never change what Plex shows (per the real Stash schema; a test checks they exist).
_ALWAYS = {"id", "clientMutationId", "ids"}
INVISIBLE_FIELDS: dict[str, frozenset[str]] = {
    "scene": frozenset(_ALWAYS | {"o_counter", "play_count", "play_duration", "resume_time", "gallery_ids"}),
    "performer": frozenset(_ALWAYS | {
        "gender", "birthdate", "ethnicity", "country", "eye_color", "height_cm", "measurements", "fake_tits",
        "penis_length", "circumcised", "career_length", "tattoos", "piercings", "alias_list", "twitter",
        "instagram", "favorite", "tag_ids", "stash_ids", "rating100", "details", "death_date", "hair_color",
        "weight", "ignore_auto_tag", "custom_fields", "url", "urls"}),
    "studio": frozenset(_ALWAYS | {"url", "urls", "image", "stash_ids", "rating100", "favorite", "details",
                                   "aliases", "tag_ids", "ignore_auto_tag"}),
    "tag": frozenset(_ALWAYS | {"sort_name", "description", "aliases", "ignore_auto_tag", "favorite", "image",
                                "stash_ids", "parent_ids", "child_ids"}),
    "group": frozenset(_ALWAYS | {"aliases", "duration", "date", "rating100", "studio_id", "director",
                                  "synopsis", "urls", "tag_ids", "containing_groups", "sub_groups",
                                  "front_image", "back_image"}),
}


class Decision:
    """`targets` are (kind, id) pairs; `delay_s` postpones the first attempt; `note` is for the log."""

    __slots__ = ("action", "targets", "delay_s", "note")

    def __init__(self, action: str, targets: list[tuple[str, int]], note: str, delay_s: float = 0.0) -> None:
        self.action = action
        self.targets = targets
        self.delay_s = delay_s
        self.note = note

    def __repr__(self) -> str:
        return f"Decision({self.action}, {self.targets}, delay={self.delay_s}, {self.note!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and (self.action, self.targets, self.delay_s) == (
            other.action, other.targets, other.delay_s)


def invisible_only(kind: str, fields: list[str] | None) -> bool:
    """True when every sent field is known not to affect Plex (None/empty → unknown → False)."""
    if not fields:
        return False
    return set(fields) <= INVISIBLE_FIELDS[kind]


def ids_in_input(value: object) -> list[int]:
    """Scene ids carried by a bulk input (`ids`), a destroy input (`id`/`ids`) or an input array."""
    found: list[int] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            continue
        raw_ids = item.get("ids")
        if isinstance(raw_ids, list):
            found.extend(i for i in (parse_id(r, "input.ids[]") for r in raw_ids) if i is not None)
        elif raw_ids is not None:
            raise InputError("hook input.ids is not a list of ids")
        if "id" in item:
            one = parse_id(item.get("id"), "input.id")
            if one is not None:
                found.append(one)
    return list(dict.fromkeys(found))


def _scene_ids(hook: HookContext) -> list[int]:
    """Stash fires one hook per scene (with that scene's id) even for bulk edits, so the id is
    enough; the input's ids are used only when the context has no id of its own."""
    if hook.id is not None:
        return [hook.id]
    return ids_in_input(hook.input)


def decide(hook: HookContext) -> Decision:
    """The whole hook policy; raises InputError for shapes Stash never sends (e.g. non-numeric ids)."""
    kind = HOOK_KIND.get(hook.type)  # None: a type the manifest does not subscribe to
    if kind is None:
        return Decision(SKIP, [], f"{hook.type} is not used by Stash2Plex")
    if hook.type == SCENE_DESTROY:
        ids = _scene_ids(hook)
        if not ids:
            return Decision(SKIP, [], "scene deleted without an id (clean task); reconcile forgets it later")
        return Decision(DROP, [("scene", i) for i in ids], "scene deleted: forget its queue job and sync record")
    if hook.type == TAG_MERGE:
        target = hook.id
        if target is None and isinstance(hook.input, dict):
            target = parse_id(hook.input.get("destination"), "input.destination")
        if target is None:
            return Decision(SKIP, [], "tag merge without a destination id")
        return Decision(ADMIT, [("tag", target)], "tags merged: scenes of the destination tag")
    if hook.type in FAN_OUT_HOOKS:
        if hook.id is None:
            return Decision(SKIP, [], f"{hook.type} without an id")
        if hook.input is not None and invisible_only(kind, hook.input_fields):
            return Decision(SKIP, [], f"{kind} change does not affect Plex ({', '.join(hook.input_fields or [])})")
        return Decision(ADMIT, [(kind, hook.id)], f"{kind} changed: its scenes")
    ids = _scene_ids(hook)
    if not ids:
        return Decision(SKIP, [], f"{hook.type} without a scene id")
    if hook.input is not None and not isinstance(hook.input, (dict, list)):
        raise InputError(f"hook input is a {type(hook.input).__name__}, expected an object, a list or null")
    if hook.input is not None and invisible_only("scene", hook.input_fields):
        return Decision(SKIP, [], f"scene change does not affect Plex ({', '.join(hook.input_fields or [])})")
    if hook.type == SCENE_CREATE and hook.input is None:
        return Decision(ADMIT, [("scene", i) for i in ids], "new scene from a scan (waits for its cover)",
                        SCAN_DELAY_S)
    return Decision(ADMIT, [("scene", i) for i in ids], "scene changed")
