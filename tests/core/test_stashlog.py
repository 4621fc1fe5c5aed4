"""Stash log protocol: prefixed lines, secrets redacted, paths hidden when the user asks."""

import io

from core import stashlog
from core.redact import register_secret


def _capture(fn, **config) -> str:
    buf = io.StringIO()
    stashlog.configure(stream=buf, **config)
    try:
        fn()
    finally:
        stashlog.configure()
    return buf.getvalue()


def test_every_line_is_prefixed_and_multiline_is_split():
    out = _capture(lambda: stashlog.info("one\ntwo"))
    assert out == "\x01i\x02one\n\x01i\x02two\n"


def test_debug_lines_only_when_enabled():
    assert _capture(lambda: stashlog.debug("x")) == ""
    assert _capture(lambda: stashlog.debug("x"), debug=True) == "\x01d\x02x\n"


def test_secrets_are_redacted():
    register_secret("tok-SECRET-value")
    out = _capture(lambda: stashlog.error("GET http://plex/?X-Plex-Token=tok-SECRET-value failed"))
    assert "tok-SECRET-value" not in out


def test_long_lines_stay_under_stash_reader_limit():
    out = _capture(lambda: stashlog.info("x" * 200_000))
    assert all(len(line.encode()) < 64 * 1024 for line in out.splitlines())


def test_obfuscate_paths_hides_file_paths_but_not_urls():
    msg = "not in Plex: /stash/media/Secret Folder/movie.mp4 (mapped D:\\Videos\\Secret\\movie.mp4) via http://plex:32400/library/sections"
    plain = _capture(lambda: stashlog.warning(msg))
    hidden = _capture(lambda: stashlog.warning(msg), obfuscate_paths=True)
    assert "Secret Folder" in plain
    assert "Secret" not in hidden and "movie.mp4" not in hidden
    assert "<path:" in hidden and ".mp4" in hidden
    assert "http://plex:32400/library/sections" in hidden
    # stable: the same path gives the same token
    assert stashlog.hide_path("/a/b.mp4") == stashlog.hide_path("/a/b.mp4")


def test_progress_is_clamped_fraction():
    out = _capture(lambda: stashlog.progress(1.7))
    assert out == "\x01p\x021.0000\n"


def test_no_line_stash_would_log_raw_at_error_level():
    """pkg/logger/plugin.go: a message empty after the prefix is logged raw at error level, so
    blank messages and blank lines are never written; messages are trimmed like Stash trims."""
    assert _capture(lambda: stashlog.info("")) == ""
    assert _capture(lambda: stashlog.info("  one \n\n \r\ntwo\u2028three ")) == (
        "\x01i\x02one\n\x01i\x02two\n\x01i\x02three\n")


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_stderr_never_breaks_the_run():
    stashlog.configure(stream=_ClosedPipe())
    try:
        stashlog.error("Stash stopped reading")
        stashlog.progress(0.5)
    finally:
        stashlog.configure()
