"""Behaviour switches (sandbox/plex/modes.py): each reading of an unknown real behaviour, over HTTP
with the real plexapi, plus the realistic defaults (proxy line limit, background scans)."""

from __future__ import annotations

import pytest
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from sandbox.plex import PlexSandbox
from sandbox.plex.modes import ALTERNATIVES, KNOWN, NO_PROXY_LINE_LIMIT, PROXY_LINE_LIMIT, Modes, parse_modes
from tests.world import wait_until

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16



def _put(sb: PlexSandbox, path: str, **params: object) -> requests.Response:
    return requests.put(sb.url + path, params={**params, "X-Plex-Token": sb.token}, timeout=5)


# -- the switches themselves ----------------------------------------------------------------------

def test_defaults_and_validation():
    modes = Modes()
    assert modes.request_line_limit == PROXY_LINE_LIMIT == 8190 and modes.tag_edit_mode == "replace"
    assert modes.idless_edit == "all" and modes.scan_delay_ms > 0 and modes.listing_tags == "names"
    assert set(ALTERNATIVES) <= set(KNOWN)
    assert parse_modes({"bad_edit_value": "500"}).bad_edit_value == 500
    assert parse_modes({"tag_edit_mode": "add"}, base=parse_modes({"listing_tags": "full"})).listing_tags == "full"
    for bad in ({"tag_edit_mode": "merge"}, {"tag_mode": "add"}, {"request_line_limit": 10},
                {"request_line_limit": NO_PROXY_LINE_LIMIT + 1}, {"rating_bumps_updated_at": "yes"}):
        with pytest.raises(ValueError):
            parse_modes(bad)


def test_modes_over_the_admin_api_and_constructor(sandbox):
    resp = requests.post(sandbox.url + "/_sandbox/modes", json={"tag_edit_mode": "add"}, timeout=5)
    assert resp.status_code == 200 and resp.json()["tag_edit_mode"] == "add"
    assert resp.json()["request_line_limit"] == PROXY_LINE_LIMIT  # the others keep their value
    assert requests.get(sandbox.url + "/_sandbox/modes", timeout=5).json() == sandbox.modes_state()
    bad = requests.post(sandbox.url + "/_sandbox/modes", json={"tag_edit_mode": "x"}, timeout=5)
    assert bad.status_code == 400 and "tag_edit_mode" in bad.json()["error"]
    with PlexSandbox(modes={"idless_edit": "reject"}) as sb:
        assert sb.modes.idless_edit == "reject"


# -- request line limit (row 114) -----------------------------------------------------------------

def test_a_request_line_over_the_proxy_limit_gets_414_html(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    fits = _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"summary.value": "x" * 7_900})
    assert fits.status_code == 200
    for size in (8_300, 200_000):  # one over the bound, one far beyond Python's own 64 KiB
        resp = _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"summary.value": "y" * size})
        assert resp.status_code == 414 and resp.headers["Connection"] == "close"
        assert resp.text.startswith("<html>") and "414" in resp.text and len(resp.content) < 200
    assert len(sandbox.rejected_lines) == 2 and min(sandbox.rejected_lines) > PROXY_LINE_LIMIT
    assert sandbox.item_state(rk)["fields"]["summary"] == "x" * 7_900
    assert not [r for r in sandbox.requests() if "y" * 10 in str(r["query"])]  # Plex never saw them
    with pytest.raises(BadRequest, match="414"):
        plex.fetchItem(int(rk)).editSummary("長" * 1_000)  # 9 encoded bytes per character


def test_no_proxy_mode_accepts_64_kib_lines(sandbox):
    sandbox.set_modes(request_line_limit=NO_PROXY_LINE_LIMIT)
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    assert _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"summary.value": "z" * 60_000}).ok
    assert _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"summary.value": "z" * 70_000}).status_code == 414


# -- an edit without id (row 104) -----------------------------------------------------------------

def test_an_edit_without_id_edits_every_movie_of_the_section(sandbox):
    a, b = sandbox.add_items([{"section": "Movies", "file": f"/media/movies/{n}.mkv"} for n in "ab"])
    other = sandbox.add_item("Other Videos", "/media/other/c.mp4")
    assert _put(sandbox, "/library/sections/1/all", type=1, **{"title.value": "Everything"}).ok
    assert [sandbox.item_state(k)["fields"]["title"] for k in (a, b, other)] == ["Everything", "Everything", "c"]
    assert _put(sandbox, "/library/sections/1/all", type=18, **{"title.value": "Collections only"}).ok
    assert sandbox.item_state(a)["fields"]["title"] == "Everything"  # no other type is modelled
    sandbox.set_modes(idless_edit="reject")
    assert _put(sandbox, "/library/sections/1/all", type=1, **{"title.value": "No"}).status_code == 400
    assert sandbox.item_state(a)["fields"]["title"] == "Everything"


# -- indexed tag lists (row 106) ------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["replace", "add"])
def test_indexed_tag_list_replaces_or_adds_and_removal_always_removes(sandbox, plex, mode):
    sandbox.set_modes(tag_edit_mode=mode)
    rk = sandbox.add_item("Movies", "/media/movies/x.mkv", tags={"genre": ["Old"]})
    _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"genre[0].tag.tag": "New"})
    assert sandbox.item_state(rk)["tags"]["genre"] == (["New"] if mode == "replace" else ["Old", "New"])
    _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"genre[].tag.tag-": "Old", "genre[0].tag.tag": "New"})
    assert sandbox.item_state(rk)["tags"]["genre"] == ["New"]
    movie = plex.fetchItem(int(rk))
    movie.addGenre("Third")  # plexapi sends the current list plus the new one: right under both
    assert sandbox.item_state(rk)["tags"]["genre"] == ["New", "Third"]
    movie.reload().removeGenre("New")
    assert sandbox.item_state(rk)["tags"]["genre"] == ["Third"]


# -- the actor photo (row 111) --------------------------------------------------------------------

def test_the_actor_photo_is_shared_by_every_item_and_the_role_is_not(sandbox, plex):
    a, b = sandbox.add_items([
        {"section": "Movies", "file": "/media/movies/a.mkv", "tags": {"actor": [{"tag": "Jane", "role": "Hero"}]}},
        {"section": "Movies", "file": "/media/movies/b.mkv", "tags": {"actor": [{"tag": "Jane", "role": "Villain"}]}}])
    _put(sandbox, "/library/sections/1/all", type=1, id=a,
         **{"actor[0].tag.tag": "Jane", "actor[0].tag.thumb": "http://stash:9999/performer/1/image",
            "actor[0].tagging.text": "Lead"})
    roles = {rk: plex.fetchItem(int(rk)).roles[0] for rk in (a, b)}
    assert roles[a].thumb == roles[b].thumb == "http://stash:9999/performer/1/image"
    assert (roles[a].role, roles[b].role) == ("Lead", "Villain")
    assert roles[a].id == roles[b].id
    _put(sandbox, "/library/sections/1/all", type=1, id=b, **{"actor[0].tag.tag": "Jane"})  # no thumb: kept
    assert sandbox.item_state(a)["actors"][0]["thumb"] == "http://stash:9999/performer/1/image"
    _put(sandbox, "/library/sections/1/all", type=1, id=b,
         **{"actor[0].tag.tag": "Jane", "actor[0].tag.thumb": "http://elsewhere/j.jpg"})  # last write wins
    assert sandbox.item_state(a)["actors"][0]["thumb"] == "http://elsewhere/j.jpg"


# -- uploads (rows 118, 119) ----------------------------------------------------------------------

@pytest.mark.parametrize("body", [b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
                                  b"<!DOCTYPE html><html>Login</html>", b"", b"\xff\xd8 not quite"])
def test_an_upload_that_is_no_picture_is_refused(sandbox, plex, body):
    rk = sandbox.add_item("Other Videos", "/media/other/p.mp4")
    movie = plex.fetchItem(int(rk))
    movie.uploadPoster(filepath=PNG)
    before = sandbox.item_state(rk)
    resp = requests.post(f"{sandbox.url}/library/metadata/{rk}/posters", data=body,
                         headers={"X-Plex-Token": sandbox.token}, timeout=5)
    assert resp.status_code == 400
    assert sandbox.item_state(rk) == before


@pytest.fixture
def web():
    """A loopback web server: /image.png is a picture, /login is HTML, /moved redirects to the picture."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/image.png")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, ctype = (PNG, "image/png") if self.path == "/image.png" else (b"<html>login</html>", "text/html")
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_upload_never_follows_a_redirect_nor_keeps_a_page(sandbox, plex, web):
    rk = sandbox.add_item("Other Videos", "/media/other/p.mp4")
    movie = plex.fetchItem(int(rk))
    for url in (f"{web}/moved", f"{web}/login"):
        movie.uploadPoster(url=url)
        assert sandbox.item_state(rk)["poster"] is None, url
    movie.uploadPoster(url=f"{web}/image.png")
    assert sandbox.item_state(rk)["poster"] is not None


# -- scans and item refresh (rows 121, 122) -------------------------------------------------------

def _sections_xml(sb: PlexSandbox) -> str:
    return requests.get(sb.url + "/library/sections", headers={"X-Plex-Token": sb.token}, timeout=5).text


def test_scans_run_in_the_background_by_default(sandbox, plex):
    assert sandbox.modes.scan_delay_ms > 0
    sandbox.set_modes(scan_delay_ms=500)  # same mechanism, more room for a loaded machine
    rk = sandbox.add_item("Other Videos", "/media/other/new/a.mp4", scanned=False)
    section = plex.library.section("Other Videos")
    section.update(path="/media/other/new")
    assert sandbox.item_state(rk)["scanned"] is False  # the answer came before the scan
    assert 'refreshing="1"' in _sections_xml(sandbox)  # plexapi's library.sections() is cached
    assert wait_until(lambda: sandbox.item_state(rk)["scanned"])
    assert 'refreshing="1"' not in _sections_xml(sandbox)
    sandbox.set_modes(scan_delay_ms=0)
    later = sandbox.add_item("Other Videos", "/media/other/later/b.mp4", scanned=False)
    section.update(path="/media/other/later")
    assert sandbox.item_state(later)["scanned"] is True


def test_item_refresh_runs_the_agent_which_respects_locks(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/file name.mkv", title="Typed", fields={"summary": "mine"},
                          agent={"fields": {"summary": "From the agent", "studio": "Agent Studio"},
                                 "tags": {"genre": ["Agent Genre"]}})
    movie = plex.fetchItem(int(rk))
    movie.editSummary("Locked summary")  # plexapi locks what it edits
    movie.refresh()
    assert wait_until(lambda: sandbox.item_state(rk)["fields"].get("studio") == "Agent Studio")
    state = sandbox.item_state(rk)
    assert state["fields"]["summary"] == "Locked summary" and state["tags"]["genre"] == ["Agent Genre"]
    plain = sandbox.add_item("Movies", "/media/movies/plain file.mkv", title="Renamed by a user")
    sandbox.set_modes(scan_delay_ms=0)
    plex.fetchItem(int(plain)).refresh()
    assert sandbox.item_state(plain)["fields"]["title"] == "plain file"  # default agent: the file name


# -- the smaller unknowns (rows 86, 98, 99, 112, 113, 93) -----------------------------------------

def test_identity_with_or_without_the_token(sandbox):
    assert requests.get(sandbox.url + "/identity", timeout=5).status_code == 200
    sandbox.set_modes(identity_auth="token")
    assert requests.get(sandbox.url + "/identity", timeout=5).status_code == 401
    assert requests.get(sandbox.url + "/identity", headers={"X-Plex-Token": sandbox.token}, timeout=5).ok


def test_multi_fetch_with_a_missing_key(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    with pytest.raises(NotFound):
        plex.fetchItems([int(rk), 999_999])
    sandbox.set_modes(multi_fetch_missing="skip")
    assert [m.ratingKey for m in plex.fetchItems([int(rk), 999_999])] == [int(rk)]


def test_rating_moves_updated_at_only_in_that_mode(sandbox, plex):
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    before = sandbox.item_state(rk)["updatedAt"]
    plex.fetchItem(int(rk)).rate(6.0)
    assert sandbox.item_state(rk)["updatedAt"] == before
    sandbox.set_modes(rating_bumps_updated_at=True)
    plex.fetchItem(int(rk)).rate(7.0)
    assert sandbox.item_state(rk)["updatedAt"] > before and sandbox.item_state(rk)["userRating"] == 7.0


def test_unknown_edit_keys_and_bad_values_either_way(sandbox):
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv")
    assert _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"bogus.value": "x", "title.value": "T"}).ok
    assert _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"year.value": "soon"}).status_code == 400
    sandbox.set_modes(unknown_edit_keys="reject", bad_edit_value=500)
    assert _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"bogus.value": "x", "title.value": "U"}
                ).status_code == 400
    assert _put(sandbox, "/library/sections/1/all", type=1, id=rk, **{"year.value": "soon"}).status_code == 500
    assert sandbox.item_state(rk)["fields"]["title"] == "T"


def test_unknown_listing_filter_refused_or_ignored(sandbox):
    sandbox.add_item("Movies", "/media/movies/a.mkv")
    url, auth = sandbox.url + "/library/sections/1/all", {"X-Plex-Token": sandbox.token}
    assert requests.get(url, params={"bogusField": "1"}, headers=auth, timeout=5).status_code == 400
    sandbox.set_modes(unknown_filter="ignore")
    resp = requests.get(url, params={"bogusField": "1"}, headers=auth, timeout=5)
    assert resp.ok and resp.text.count("<Video ") == 1


def test_alternatives_still_serve_plexapi(sandbox):
    sandbox.set_modes(**ALTERNATIVES)
    rk = sandbox.add_item("Movies", "/media/movies/a.mkv", tags={"genre": ["G"]})
    plex = PlexServer(sandbox.url, sandbox.token, timeout=5)
    assert [m.ratingKey for m in plex.library.section("Movies").all()] == [int(rk)]
    with pytest.raises(Unauthorized):
        PlexServer(sandbox.url, "wrong", timeout=5)
