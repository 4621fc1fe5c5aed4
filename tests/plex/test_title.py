"""The title template (plex.title): examples, the rules as properties, and Health Check's line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.settings import defaults
from plex.desired import desired_state, parse_date, render_title
from plex.title import PLACEHOLDERS, check_template, file_stem, fill, unknown_placeholders
from tests.plex.scenes import scene

S = defaults()


@pytest.mark.parametrize("template,over,expected", [
    ("{title} ({year})", {"date": None}, "Scene 1"),
    ("{title} ({year})", {}, "Scene 1 (2021)"),
    ("{studio} - {title}", {"studio": None}, "Scene 1"),
    ("{title} - {studio} - {year}", {"studio": None}, "Scene 1 - 2021"),
    ("{title} [{code}]", {"code": ""}, "Scene 1"),
    ("{title} ({studio}, {year})", {"date": None}, "Scene 1 (Studio Five)"),
    ("{title} ({year} {code})", {"date": None, "code": None}, "Scene 1"),
    ("{performers} - {title}", {}, "Ann Actor, Bob Actor - Scene 1"),
    ("{performers} - {title}", {"performers": []}, "Scene 1"),
    ("{parent_studio} / {studio}: {title}", {}, "Parent Six / Studio Five: Scene 1"),
    ("{parent_studio} / {studio}: {title}", {"studio": {"id": "5", "name": "Solo"}}, "Solo: Scene 1"),
    ("{filename}", {}, "scene1"),
    ("{title} {titel}", {}, "Scene 1"),
    ("{titel}", {}, "Scene 1"),  # renders nothing: the Stash title, never an empty title
    ("{studio}", {"studio": None}, "Scene 1"),
    ("", {}, "Scene 1"),
    ("{title} ()", {}, "Scene 1"),
])
def test_examples(template: str, over: dict[str, object], expected: str) -> None:
    assert render_title(template, scene(**over)) == expected


def test_values_keep_their_own_brackets_and_dashes() -> None:
    assert render_title("{title} ({year})", scene(title="Part (1) - Intro -", date=None)) == "Part (1) - Intro -"
    assert render_title("{studio} - {title}", scene(title="[Hidden]")) == "Studio Five - [Hidden]"


def test_untitled_scene_is_titled_only_by_its_file_name_when_the_template_asks() -> None:
    untitled = scene(title="")
    assert render_title("{title} ({year})", untitled) == ""  # design F11: Plex keeps its title
    assert render_title("{filename} ({year})", untitled) == "scene1 (2021)"
    assert render_title("{filename}", scene(title="", files=[])) == ""
    d = desired_state(untitled, S.replace(title_template="{studio} - {filename}"))
    assert d is not None and d.fields["title"] == "Studio Five - scene1"


@pytest.mark.parametrize("files,stem", [
    ([{"path": "/a/b/My Clip.final.mp4", "basename": "My Clip.final.mp4"}], "My Clip.final"),
    ([{"path": "C:\\v\\clip.mkv", "basename": ""}], "clip"),
    ([{"path": "/a/noext", "basename": "noext"}], "noext"),
    ([{"path": "/a/x.mp4", "basename": "x.mp4"}, {"path": "/b/y.mp4", "basename": "y.mp4"}], "x"),
    ([], ""),
])
def test_file_stem(files: list[dict[str, str]], stem: str) -> None:
    assert file_stem({"files": files}) == stem


def test_unknown_placeholders_and_health_line() -> None:
    assert unknown_placeholders("{title} {Title} {yaer} {title} {yaer}") == ["Title", "yaer"]
    assert unknown_placeholders("{title} {performers} {filename} {parent_studio}") == []
    oks: list[str] = []
    problems: list[str] = []
    check_template("{studio} - {titel}", oks.append, problems.append)
    assert not oks and len(problems) == 1 and "{titel}" in problems[0] and "{filename}" in problems[0]
    check_template("{title}", oks.append, problems.append)
    assert len(oks) == 1 and len(problems) == 1


# ---- properties ------------------------------------------------------------------------------
_SEPS = [" ", " - ", ": ", " | ", ", ", " / ", "", " – ", "_", " (", ") ", " [", "] ", "(", ")", "[", "]"]
_KNOWN = sorted(PLACEHOLDERS)
_piece = st.one_of(st.sampled_from(["{" + n + "}" for n in _KNOWN]), st.sampled_from(_SEPS),
                   st.sampled_from(["{nope}", "{}", "HD", "x"]))
_templates = st.lists(_piece, max_size=9).map("".join)
_value = st.one_of(st.just(""), st.text(st.characters(categories=("L", "N"), max_codepoint=0x2FF),
                                        min_size=1, max_size=6))
_values = st.fixed_dictionaries({n: _value for n in _KNOWN})
_BRACES = re.compile(r"\{(" + "|".join(_KNOWN) + r")\}")
_EMPTY_PAIR = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")
_EDGE_SEP = re.compile(r"^[\s\-–—:|,·/;_~+&.]|[\s\-–—:|,·/;_~+&.]$")


@hsettings(max_examples=400, deadline=None)
@given(_templates, _values)
def test_property_structure(template: str, values: dict[str, str]) -> None:
    """No placeholder braces left, no empty bracket pair, no separator at either end, every
    non-empty value of a placeholder the template uses appears whole."""
    out = fill(template, values)
    assert not _BRACES.search(out) and "{nope}" not in out
    assert not _EMPTY_PAIR.search(out)
    assert not _EDGE_SEP.search(out)
    for name in re.findall(r"\{(\w+)\}", template):
        if name in values and values[name]:
            assert values[name] in out


@hsettings(max_examples=300, deadline=None)
@given(_templates, st.one_of(st.just(""), st.text(min_size=1, max_size=20)), st.booleans())
def test_property_never_empty_when_the_scene_has_a_name(template: str, title: str, has_file: bool) -> None:
    """A titled scene always gets a title; an untitled one gets one when the template uses
    {filename} and the scene has a file; otherwise "" (Plex keeps its own title)."""
    files = [{"path": "/m/clip one.mp4", "basename": "clip one.mp4"}] if has_file else []
    sc = scene(title=title, files=files)
    out = render_title(template, sc)
    titled = bool(render_title("{title}", sc))
    if titled or (has_file and "{filename}" in (template or "{title}")):
        assert out
    else:
        assert out == ""


def test_parse_date_is_the_desired_one() -> None:
    assert render_title("{date}", scene(date="2020-07")) == "2020-07-01" == parse_date("2020-07")[0]
