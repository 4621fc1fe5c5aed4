"""Adopting the previous version's Plex tags (pure): which tags on a synced item become ours.

Why: the 1.x plugin (same plugin id) added Stash tags as genres, performers as actors and the
studio as a collection, and never removed any. This plugin removes only the tags it pushed itself
(the sync record's `owned_tags`, design D6), so those leftovers look like the user's own tags and
would stay forever. The adopt step treats a Plex tag on a synced item as ours when it names a
Stash object of its family — from then on a later push removes it when Stash no longer has it on
that scene. A tag naming no Stash object (the user's own "Favourites") is never adopted.

Families, matched case-insensitively like Plex (plex.text.fold):
- genre: Stash tag names (and performer names while "Performers as tags" is on); label the
  same, but only while tags are written as labels (1.x never wrote labels: with tags as genres a
  label is the user's own);
- actor: performer names;
- collection: studio and group names, bare (as 1.x wrote them) or with the prefix the current
  collection settings put before them, and performer / tag collections the settings make.
Only kinds the current settings manage are adopted (a kind switched off is not touched).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.settings import Settings, split_list
from plex.desired import DesiredState
from plex.text import MAX_TAG, clean_line, fold

ADOPT_KINDS = ("genre", "label", "actor", "collection")


def _folded(names: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(clean_line(n, MAX_TAG)) for n in names if clean_line(n, MAX_TAG))


@dataclass(frozen=True)
class StashNames:
    """Every name Stash has per object family (stash.client.StashClient.object_names)."""

    tags: tuple[str, ...] = ()
    performers: tuple[str, ...] = ()
    studios: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: dict[str, list[str]]) -> StashNames:
        return cls(*(tuple(names.get(k) or ()) for k in ("tags", "performers", "studios", "groups")))


def families(names: StashNames, settings: Settings) -> dict[str, frozenset[str]]:
    """Per adoptable kind, the folded Plex tag names that name a Stash object."""
    s = settings
    genre = _folded(names.tags) | (_folded(names.performers) if s.performer_tags else frozenset())
    prefixed = [s.collection_studio_prefix + n for n in names.studios]
    prefixed += [s.collection_parent_studio_prefix + n for n in names.studios]
    prefixed += [s.collection_group_prefix + n for n in names.groups]
    if s.collection_performers:
        prefixed += [s.collection_performer_prefix + n for n in names.performers]
    wanted_tags = {fold(t) for t in split_list(s.collection_tags)}
    prefixed += [s.collection_tag_prefix + n for n in names.tags if fold(n) in wanted_tags]
    collection = _folded([*names.studios, *names.groups, *prefixed])
    if s.collection_organized:
        collection |= _folded([s.collection_organized])
    label = genre if s.tags_as == "label" else frozenset()
    return {"genre": genre, "label": label, "actor": _folded(names.performers), "collection": collection}


@dataclass(frozen=True)
class Adoption:
    """What the adopt step does to one synced item: per kind the Plex tags that become ours, and
    of those the ones the next push removes (Stash no longer has them on this scene)."""

    scene_id: int
    rating_key: str
    title: str
    adopt: dict[str, tuple[str, ...]] = field(default_factory=dict)
    remove: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def removals(self) -> int:
        return sum(len(v) for v in self.remove.values())

    def lines(self) -> list[str]:
        """The dry run's report for this item, one line per kind."""
        out: list[str] = []
        for kind, names in self.adopt.items():
            gone = set(self.remove.get(kind, ()))
            keep = [n for n in names if n not in gone]
            parts = ([f"remove {', '.join(sorted(gone))}"] if gone else []) + \
                    ([f"manage {', '.join(keep)}"] if keep else [])
            out.append(f"Scene {self.scene_id} {self.title!r} (Plex {self.rating_key}) {kind}: {'; '.join(parts)}")
        return out


def plan_adoption(scene_id: int, rating_key: str, item_tags: dict[str, list[str]], desired: DesiredState,
                  owned: dict[str, list[str]], known: dict[str, frozenset[str]]) -> Adoption | None:
    """The adoption for one item (None: nothing to adopt). `item_tags` are the item's full tag
    names per kind as Plex shows them, `owned` the record's `owned_tags`, `known` from `families`."""
    adopt: dict[str, tuple[str, ...]] = {}
    remove: dict[str, tuple[str, ...]] = {}
    for kind in ADOPT_KINDS:
        if kind not in desired.tags:
            continue
        ours = {fold(n) for n in owned.get(kind, [])}
        wanted = {fold(n) for n in desired.tags[kind]}
        names = [t for t in item_tags.get(kind, []) if fold(t) not in ours and fold(t) in known.get(kind, ())]
        if names:
            adopt[kind] = tuple(names)
            gone = tuple(t for t in names if fold(t) not in wanted)
            if gone:
                remove[kind] = gone
    if not adopt:
        return None
    return Adoption(scene_id, str(rating_key), desired.fields.get("title", ""), adopt, remove)


def adopted_owned(owned: dict[str, list[str]], adoption: Adoption) -> dict[str, list[str]]:
    """The record's `owned_tags` with the adopted names added (each once, first spelling kept)."""
    out = {k: list(v) for k, v in owned.items()}
    for kind, names in adoption.adopt.items():
        have = {fold(n) for n in out.get(kind, [])}
        out[kind] = out.get(kind, []) + [n for n in names if fold(n) not in have]
    return out
