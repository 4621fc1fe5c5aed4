"""Round trips with the real plexapi against the sandbox over real HTTP."""

from __future__ import annotations

import hashlib

import pytest
import requests
from plexapi.exceptions import NotFound
from plexapi.server import PlexServer

from sandbox.plex import PlexSandbox

DONOR = b"\x89PNG\r\n\x1a\ndonor-image"


def test_connect_identity_and_sections(sandbox: PlexSandbox, plex: PlexServer):
    assert plex.machineIdentifier and plex.version and plex.friendlyName
    titles = [s.title for s in plex.library.sections()]
    assert titles == ["Movies", "Other Videos"]
    other = plex.library.section("  oTHER videos ")
    assert other.type == "movie" and other.agent == "tv.plex.agents.none" and other.locations == ["/media/other"]
    with pytest.raises(NotFound):
        plex.library.section("Music")
    ident = requests.get(sandbox.url + "/identity", timeout=5)  # no token needed, as in real Plex
    assert ident.status_code == 200 and plex.machineIdentifier in ident.text


def test_custom_sections():
    with PlexSandbox(token="t0k3n-abc", sections=[("Clips", "/clips", "com.plexapp.agents.none")]) as sb:
        plex = PlexServer(sb.url, "t0k3n-abc", timeout=5)
        [section] = plex.library.sections()
        assert (section.title, section.key, section.agent) == ("Clips", 1, "com.plexapp.agents.none")


def test_all_pages_over_several_requests(sandbox, plex):
    sandbox.add_items([{"section": "Other Videos", "file": f"/media/other/d{i % 7}/clip {i:04d}.mp4"}
                       for i in range(1234)])
    sandbox.clear_requests()
    items = plex.library.section("Other Videos").all(container_size=500)
    assert len(items) == 1234 and len({i.ratingKey for i in items}) == 1234
    pages = [r for r in sandbox.requests() if r["path"] == "/library/sections/2/all"]
    assert len(pages) == 3
    assert [i.title for i in items[:2]] == ["clip 0000", "clip 0001"]
    assert all(i.librarySectionID == 2 and i.locations[0].startswith("/media/other/d") for i in items)


def test_paging_by_query_parameters_and_headers_agree(sandbox):
    sandbox.add_items([{"section": "Movies", "file": f"/media/movies/m{i:03d}.mkv"} for i in range(30)])
    url = sandbox.url + "/library/sections/1/all"
    by_query = requests.get(url, params={"X-Plex-Container-Start": 10, "X-Plex-Container-Size": 5,
                                         "X-Plex-Token": sandbox.token}, timeout=5)
    by_header = requests.get(url, headers={"X-Plex-Container-Start": "10", "X-Plex-Container-Size": "5",
                                           "X-Plex-Token": sandbox.token}, timeout=5)
    assert by_query.text == by_header.text
    assert 'totalSize="30"' in by_query.text and 'offset="10"' in by_query.text and 'size="5"' in by_query.text
    assert by_query.text.count("<Video ") == 5 and 'title="m010"' in by_query.text


def test_title_filter_and_sorts(sandbox, plex):
    keys = sandbox.add_items([{"section": "Movies", "file": f"/media/movies/{name}.mkv", "added_at": at}
                              for name, at in (("Zeta Night", 300), ("alpha night", 100), ("Beta Day", 200))])
    sandbox.add_item("Movies", "/media/movies/the.mkv", title="The Gamma Night")  # articles sort as Plex does
    section = plex.library.section("Movies")
    assert [m.title for m in section.all()] == ["alpha night", "Beta Day", "The Gamma Night", "Zeta Night"]
    assert [m.title for m in section.search(title="NIGHT")] == ["alpha night", "The Gamma Night", "Zeta Night"]
    sandbox.remove_item(str(int(keys[-1]) + 1))
    assert [m.title for m in section.search(title="NIGHT")] == ["alpha night", "Zeta Night"]
    assert [m.title for m in section.search(sort="addedAt:desc")] == ["Zeta Night", "Beta Day", "alpha night"]
    assert [m.title for m in section.search(sort="titleSort:desc")] == ["Zeta Night", "Beta Day", "alpha night"]
    sandbox.edit_as_user(keys[2], fields={"summary": "touched"})
    assert section.search(sort="updatedAt:desc")[0].title == "Beta Day"


def test_batch_edits_one_put_and_locks(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/scene.mp4")
    movie = plex.fetchItem(int(rk))
    sandbox.clear_requests()
    movie.batchEdits()
    movie.editTitle("New Title").editSummary("Line 1\nLine 2").editStudio("Studio X")
    movie.editOriginallyAvailable("2021-03-04").editTagline("tag line")
    movie.addGenre(["Drama", "Comedy"]).addCollection("Set A").addLabel("Stash").addDirector("Dir")
    movie.editTags("actor", ["Ann", "Bob"]).addWriter("W")
    movie.saveEdits()
    [put] = [r for r in sandbox.requests() if r["method"] != "GET"]
    assert put["method"] == "PUT" and put["path"] == "/library/sections/2/all" and put["query"]["id"] == rk
    state = sandbox.item_state(rk)
    assert state["fields"]["title"] == "New Title" and state["fields"]["summary"] == "Line 1\nLine 2"
    assert state["fields"]["originallyAvailableAt"] == "2021-03-04"
    assert state["tags"] == {"genre": ["Drama", "Comedy"], "director": ["Dir"], "writer": ["W"],
                             "collection": ["Set A"], "actor": ["Ann", "Bob"], "label": ["Stash"]}
    assert {"title", "summary", "studio", "genre", "collection", "label", "actor"} <= set(state["locked"])
    movie.reload()
    assert movie.title == "New Title" and movie.studio == "Studio X" and movie.tagline == "tag line"
    assert [g.tag for g in movie.genres] == ["Drama", "Comedy"]
    assert {f.name for f in movie.fields if f.locked} >= {"title", "genre"}


def test_updated_at_bumps_on_every_change(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    seen = [sandbox.item_state(rk)["updatedAt"]]
    movie = plex.fetchItem(int(rk))
    movie.editTitle("one")
    seen.append(sandbox.item_state(rk)["updatedAt"])
    movie.editTitle("two")
    seen.append(sandbox.item_state(rk)["updatedAt"])
    movie.uploadPoster(filepath=b"\x89PNG\r\n\x1a\n fake")
    seen.append(sandbox.item_state(rk)["updatedAt"])
    assert seen == sorted(set(seen))
    movie.reload()
    assert int(movie.updatedAt.timestamp()) == seen[-1]
    assert movie.thumb.endswith(f"/thumb/{seen[-1]}")


def test_edit_tags_add_and_remove_keep_other_tags(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    sandbox.edit_as_user(rk, add_tags={"genre": ["User Genre"]})
    movie = plex.fetchItem(int(rk))
    movie.addGenre(["Ours, with comma", "Sci-Fi & Fantasy"])
    assert sandbox.item_state(rk)["tags"]["genre"] == ["User Genre", "Ours, with comma", "Sci-Fi & Fantasy"]
    movie.reload()
    movie.removeGenre(["Ours, with comma", "Sci-Fi & Fantasy"])
    assert sandbox.item_state(rk)["tags"]["genre"] == ["User Genre"]


def test_partial_listing_object_drops_tags_on_add(sandbox, plex):
    """Why the plugin must edit tags from a full item: a listing object's tag list is truncated."""
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    sandbox.edit_as_user(rk, add_tags={"genre": ["G1", "G2", "G3", "G4"]})
    [partial] = plex.library.section("Movies").all()
    partial.addGenre("G5")
    assert sandbox.item_state(rk)["tags"]["genre"] == ["G1", "G2", "G5"]


def test_multi_item_edit(sandbox, plex):
    a, b = sandbox.add_items([{"section": "Movies", "file": f"/media/movies/{n}.mkv"} for n in "ab"])
    section = plex.library.section("Movies")
    section.multiEdit(section.all(), **{"label[0].tag.tag": "Both", "label.locked": 1})
    assert sandbox.item_state(a)["tags"]["label"] == ["Both"] == sandbox.item_state(b)["tags"]["label"]


def test_posters_arts_and_rating(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/p.mp4")
    movie = plex.fetchItem(int(rk))
    poster, art = b"\xff\xd8\xffposter-bytes", b"\xff\xd8\xffart-bytes"
    movie.uploadPoster(filepath=poster)
    movie.uploadArt(filepath=art)
    movie.rate(8.0)
    state = sandbox.item_state(rk)
    assert state["poster"] == hashlib.sha1(poster).hexdigest() and state["art"] == hashlib.sha1(art).hexdigest()
    assert state["userRating"] == 8.0 and {"thumb", "art"} <= set(state["locked"])
    posters = movie.posters()
    assert len(posters) == 1 and posters[0].selected and state["poster"] in posters[0].ratingKey
    got = requests.get(sandbox.url + movie.reload().thumb, headers={"X-Plex-Token": sandbox.token}, timeout=5)
    assert got.content == poster
    movie.rate(None)
    assert sandbox.item_state(rk)["userRating"] is None


def test_poster_by_url_is_fetched_by_the_server(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/p.mp4")
    donor = sandbox.add_item("Other Videos", "/media/other/donor.mp4")
    plex.fetchItem(int(donor)).uploadPoster(filepath=DONOR)
    url = f"{sandbox.url}/library/metadata/{donor}/thumb/1?X-Plex-Token={sandbox.token}"
    plex.fetchItem(int(rk)).uploadPoster(url=url)
    state = sandbox.item_state(rk)
    assert state["poster"] == hashlib.sha1(DONOR).hexdigest() and state["posterUrl"] == url


def test_scan_adds_pending_files_under_path_only(sandbox, plex):
    sandbox.set_modes(scan_delay_ms=0)  # scans land before the answer: this test is about what they find
    on_disk = [sandbox.add_item("Other Videos", f"/media/other/{d}/f.mp4", scanned=False) for d in ("new", "later")]
    section = plex.library.section("Other Videos")
    assert section.all() == []
    section.update(path="/media/other/new")
    assert [m.ratingKey for m in section.all()] == [int(on_disk[0])]
    assert sandbox.item_state(on_disk[1])["scanned"] is False
    section.update()
    assert len(section.all()) == 2


def test_fetch_several_and_unknown_item(sandbox, plex):
    keys = sandbox.add_items([{"section": "Movies", "file": f"/media/movies/{n}.mkv"} for n in "abc"])
    items = plex.fetchItems([int(k) for k in keys])
    assert [i.title for i in items] == ["a", "b", "c"]
    with pytest.raises(NotFound):
        plex.fetchItem(999999)
    sandbox.remove_item(keys[0])
    with pytest.raises(NotFound):
        plex.fetchItem(int(keys[0]))


def test_agent_refresh_respects_locks(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv")
    movie = plex.fetchItem(int(rk))
    movie.editTitle("Locked title").editSummary("unlocked summary", locked=False)
    sandbox.edit_as_user(rk, fields={"title": "Agent title", "summary": "Agent summary"}, respect_locks=True)
    state = sandbox.item_state(rk)
    assert state["fields"]["title"] == "Locked title" and state["fields"]["summary"] == "Agent summary"


def test_concurrent_clients_edit_and_list_safely(sandbox):
    from concurrent.futures import ThreadPoolExecutor

    keys = sandbox.add_items([{"section": "Movies", "file": f"/media/movies/{i}.mkv"} for i in range(40)])

    def worker(chunk: list[str]) -> int:
        client = PlexServer(sandbox.url, sandbox.token, timeout=10)
        section = client.library.section("Movies")
        for rk in chunk:
            section.multiEdit([client.fetchItem(int(rk))], **{"title.value": f"T{rk}", "label[0].tag.tag": rk})
            assert len(section.all(container_size=7)) == 40
        return len(chunk)

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(worker, [keys[i::4] for i in range(4)])) == 40
    for rk in keys:
        state = sandbox.item_state(rk)
        assert state["fields"]["title"] == f"T{rk}" and state["tags"]["label"] == [rk]


def test_stacked_parts_and_moved_files(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/s/film-part1.mp4", parts=["/media/other/s/film-part2.mp4"],
                          fields={"studio": "S"}, tags={"actor": [{"tag": "Ann", "role": "Lead"}]}, locked=["title"])
    movie = plex.fetchItem(int(rk))
    assert movie.locations == ["/media/other/s/film-part1.mp4", "/media/other/s/film-part2.mp4"]
    assert [(r.tag, r.role) for r in movie.roles] == [("Ann", "Lead")] and movie.studio == "S"
    [listed] = plex.library.section("Other Videos").all()
    assert listed.locations == movie.locations
    before = sandbox.item_state(rk)["updatedAt"]
    sandbox.move_file(rk, "/media/other/renamed.mp4", parts=[])
    state = sandbox.item_state(rk)
    assert state["files"] == ["/media/other/renamed.mp4"] and state["updatedAt"] > before


def test_partial_objects_reload_per_item_like_real_plex(sandbox, plex, monkeypatch):
    """A listing object with an empty attribute costs one GET when read (plexapi autoreload).
    The plugin turns autoreload off process-wide (plex.client), so turn it back on here."""
    import plexapi

    monkeypatch.setitem(plexapi.CONFIG.data.setdefault("plexapi", {}), "autoreload", "true")
    sandbox.add_items([{"section": "Other Videos", "file": f"/media/other/{i}.mp4"} for i in range(3)])
    items = plex.library.section("Other Videos").all()
    sandbox.clear_requests()
    assert [i.summary for i in items] == [None, None, None]
    assert [r["path"] for r in sandbox.requests()] == [f"/library/metadata/{i.ratingKey}" for i in items]


def test_poster_url_plex_cannot_download_changes_nothing(sandbox, plex):
    rk = sandbox.add_item("Other Videos", "/media/other/p.mp4")
    before = sandbox.item_state(rk)
    dead = "http://127.0.0.1:9/scene/1/screenshot?apikey=nope"
    plex.fetchItem(int(rk)).uploadPoster(url=dead)
    after = sandbox.item_state(rk)
    assert after["poster"] is None and after["posterUrl"] == dead and after["updatedAt"] == before["updatedAt"]
