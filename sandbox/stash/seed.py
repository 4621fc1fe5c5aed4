"""Deterministic seeded library: the variety real Stash users have, reproducible by seed.

Why this variety: it is what broke earlier sync plugins (missing titles, emoji, long multi-line
details, dozens of tags, same file name in two folders, multi-file scenes, partial dates,
studios with parents, scenes without a cover). Timestamps derive from a fixed epoch, not from
the wall clock, so two worlds with the same seed are identical.
"""

from __future__ import annotations

import random

from sandbox.stash.world import File, Group, Performer, Scene, Studio, Tag, World, rfc3339

EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z: seeded created_at values start here
SPAN = 5 * 365 * 86400  # seeded timestamps spread over five years
STASHDB = "https://stashdb.org/graphql"

_WORDS = ("amber", "harbor", "velvet", "midnight", "summer", "garden", "silver", "river", "echo", "golden",
          "quiet", "wild", "neon", "crystal", "city", "ocean", "north", "lunar", "desert", "spring",
          "winter", "autumn", "secret", "journey", "light", "shadow", "forest", "island", "storm", "rose")
_UNICODE = ("Café", "Ñandú", "Größe", "Łódź", "Ærø", "日本の夏", "Привет", "Ελλάδα", "서울", "Crème brûlée",
            "naïve", "São Paulo", "İstanbul", "Ürün")
_EMOJI = ("🎬", "🌊", "🔥", "✨", "🌸", "🎉", "💫", "🌙", "👩‍👩‍👧", "🇫🇷")
_FIRST = ("Anna", "Zoë", "Łucja", "Åsa", "Chloé", "Mia", "Sofía", "Lena", "Ivy", "Noor", "美咲", "Jade",
          "Elif", "Maja", "Ruby", "Eva", "Lucía", "Nina", "Aiko", "Björk", "Kateřina", "Olga", "Ines", "Léa")
_LAST = ("Smith", "Müller", "García", "Kowalska", "Nakamura", "O'Brien", "Dubois", "Rossi", "Novak",
         "Hansen", "Silva", "Jansen", "Petrova", "Lindqvist", "Moreau", "Kim", "Sato", "Berg", "Costa")
_TAGS = ("Outdoor", "Indoor", "Beach", "Kitchen", "POV", "4K", "Interview", "Behind the Scenes", "Solo",
         "Couple", "Romantic", "Vintage", "Close-up", "Pool", "Office", "Night", "Sunset", "Dance",
         "Massage", "Cosplay", "Lingerie", "Shower", "Garden", "Yoga", "Sports", "Party", "Travel",
         "Bedroom", "Sofa", "Car", "Forest", "Rooftop", "Studio", "Amateur", "Compilation", "Music Video")
_SENTENCES = ("She arrives at the villa just after sunset.", "A long conversation by the pool turns playful.",
              "Filmed on location in Lisbon — natural light only.", "Bonus: 12 minutes of extra footage.",
              "Part two of the “Summer” series; see part one first.", "Contains <b>HTML-like</b> text & symbols.",
              "Directed with a handheld camera for a documentary feel.", "Dialogue in English and Français.",
              "Quote: \"it's not what you think\" — and a backslash \\ too.", "Tabs\tand  double  spaces stay.")


def seed_world(world: World, scenes: int, seed: int, path_prefix: str = "/stash/media") -> None:
    """Fill `world` with `scenes` scenes (plus tags, performers, studios, groups), deterministic by seed."""
    _Seeder(world, random.Random(seed), path_prefix).run(scenes)


class _Seeder:
    """One seeding run; the draw order from `rng` IS the data, so never reorder the calls."""

    def __init__(self, world: World, rng: random.Random, path_prefix: str) -> None:
        self.world, self.rng = world, rng
        self.sep = "\\" if "\\" in path_prefix and "/" not in path_prefix else "/"  # a Windows Stash: D:\\Videos
        self.prefix = path_prefix.rstrip(self.sep)
        self.basenames: list[str] = []
        self.file_id = 0

    def stamp(self) -> tuple[str, str, int]:
        created = EPOCH + self.rng.randrange(SPAN)
        updated = min(created + self.rng.randrange(0, 90 * 86400), EPOCH + SPAN)
        return rfc3339(created, self.world.tz), rfc3339(updated, self.world.tz), updated

    def run(self, scenes: int) -> None:
        self.n_studios = max(6, min(800, scenes // 150))
        self.tags(max(40, min(3000, scenes // 25)))
        self.studios(self.n_studios)
        self.performers(max(20, min(12000, scenes // 8)))
        self.groups(max(4, min(3000, scenes // 60)))
        self.tag_ids = list(self.world.tags)  # shared int objects keep 100k scenes' tuples small
        self.perf_ids = list(self.world.performers)
        self.group_ids = list(self.world.groups)
        self.studio_folders = {sid: _slug(s.name) for sid, s in self.world.studios.items()}
        for scene_id in range(1, scenes + 1):
            self.scene(scene_id)

    def tags(self, count: int) -> None:
        rng, names = self.rng, set()
        for tid in range(1, count + 1):
            base = _TAGS[tid - 1] if tid <= len(_TAGS) else f"{rng.choice(_WORDS).title()} {rng.choice(_TAGS)}"
            if tid % 37 == 0:
                base = f"{rng.choice(_UNICODE)} {rng.choice(_EMOJI)}"
            name = base
            while name in names:
                name = f"{base} {rng.randrange(2, 999)}"
            names.add(name)
            c, u, ut = self.stamp()
            parents = (rng.randrange(1, tid),) if tid > 10 and rng.random() < 0.1 else ()
            self.world.tags[tid] = Tag(tid, name, c, u, ut, parent_ids=parents, has_image=rng.random() < 0.2)

    def studios(self, count: int) -> None:
        rng = self.rng
        for sid in range(1, count + 1):
            c, u, ut = self.stamp()
            parent = rng.randrange(1, sid) if sid > 3 and rng.random() < 0.35 else None
            name = f"{rng.choice(_WORDS).title()} {rng.choice(('Studios', 'Pictures', 'Media', 'Films', 'XYZ'))}"
            if sid % 11 == 0:
                name = f"{rng.choice(_UNICODE)} Productions"
            self.world.studios[sid] = Studio(sid, f"{name} {sid}", parent, c, u, ut, has_image=rng.random() < 0.6,
                                             urls=(f"https://studio{sid}.example.com",))

    def performers(self, count: int) -> None:
        rng = self.rng
        for pid in range(1, count + 1):
            c, u, ut = self.stamp()
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            disamb = f"#{pid}" if rng.random() < 0.05 else None
            self.world.performers[pid] = Performer(
                pid, name, disamb, rng.choice(("FEMALE", "MALE", "TRANSGENDER_FEMALE", None)),
                f"{rng.randrange(1970, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                if rng.random() < 0.7 else None,
                rng.choice(("US", "FR", "JP", "DE", "BR", None)), c, u, ut, has_image=rng.random() < 0.75,
                alias_list=(f"{name.split()[0]} {rng.choice(_WORDS).title()}",) if rng.random() < 0.3 else ())

    def groups(self, count: int) -> None:
        rng = self.rng
        for gid in range(1, count + 1):
            c, u, ut = self.stamp()
            self.world.groups[gid] = Group(
                gid, f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} Vol. {gid}", c, u, ut,
                studio_id=rng.randrange(1, self.n_studios + 1), date=f"{rng.randrange(2005, 2025)}",
                has_front=rng.random() < 0.5)

    def scene(self, scene_id: int) -> None:
        rng = self.rng
        r = rng.random
        title: str | None = None
        if r() >= 0.08:
            title = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS)}"
            if r() < 0.15:
                title = f"{rng.choice(_UNICODE)} {title} {rng.choice(_EMOJI)}"
            if r() < 0.05:
                title = f"{title}: Part {rng.randrange(2, 9)} — the “long” edition with a very long name"
        studio_id = rng.randrange(1, self.n_studios + 1) if r() < 0.85 else None
        date = _date(rng)
        k = rng.choice((0, 0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, 30)) if r() < 0.95 else rng.randrange(40, 61)
        tags = tuple(rng.sample(self.tag_ids, min(k, len(self.tag_ids))))
        performers = tuple(rng.sample(self.perf_ids, rng.choice((0, 1, 1, 1, 2, 2, 3, 4, 6))))
        groups = ((rng.choice(self.group_ids), rng.choice((None, rng.randrange(1, 30)))),) if r() < 0.15 else ()
        stash_ids = ((STASHDB, _uuid(rng)),) if r() < 0.5 else ()
        c, u, ut = self.stamp()
        fids = self.files(scene_id, title, studio_id, date, c)
        self.world.scenes[scene_id] = Scene(
            id=scene_id, title=title, code=f"{rng.choice(_WORDS)[:3].upper()}-{scene_id:05d}" if r() < 0.4 else None,
            details=_details(rng) if r() < 0.6 else None,
            director=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" if r() < 0.3 else None,
            urls=(f"https://example.com/scenes/{scene_id}",) if r() < 0.6 else (),
            date=date, rating100=rng.randrange(1, 101) if r() < 0.6 else None, organized=r() < 0.5,
            created_at=c, updated_at=u, updated_ts=ut, file_ids=fids, studio_id=studio_id,
            performer_ids=performers, tag_ids=tags, groups=groups, stash_ids=stash_ids, has_cover=r() < 0.9)

    def files(self, scene_id: int, title: str | None, studio_id: int | None, date: str | None,
              created: str) -> tuple[int, ...]:
        rng, sep = self.rng, self.sep
        folder = sep.join((self.prefix, self.studio_folders.get(studio_id, "unsorted"), (date or "2020")[:4]))
        if self.basenames and rng.random() < 0.03:
            base = rng.choice(self.basenames)  # same file name as another scene, different folder
            folder = f"{folder}{sep}dup{scene_id}"
        else:
            base = f"{_slug(title or 'untitled')}.{scene_id}.mp4"
            if len(self.basenames) < 5000:
                self.basenames.append(base)
        fids: list[int] = []
        for part in range(2 if rng.random() < 0.03 else 1):
            self.file_id += 1
            name = base if part == 0 else base.replace(".mp4", ".alt.mkv")
            self.world.files[self.file_id] = File(self.file_id, f"{folder}{sep}{name}",
                                                  rng.randrange(50, 4000) * 1_048_576,
                                                  float(rng.randrange(60, 5400)), 1920, 1080, created, created)
            fids.append(self.file_id)
        return tuple(fids)


def _date(rng: random.Random) -> str | None:
    roll = rng.random()
    year = rng.randrange(2001, 2026)
    if roll < 0.1:
        return None
    if roll < 0.2:
        return str(year)
    if roll < 0.3:
        return f"{year}-{rng.randrange(1, 13):02d}"
    return f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def _details(rng: random.Random) -> str:
    lines = [" ".join(rng.choices(_SENTENCES, k=rng.randrange(1, 4))) for _ in range(rng.randrange(1, 9))]
    if rng.random() < 0.05:
        lines.append("Long appendix. " * rng.randrange(50, 200))
    return "\n".join(lines)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_")[:60] or "untitled"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
