"""The test host's window.PluginApi keeps the semantics of Stash's ui/v2.5/src/patch.tsx and
pluginApi.tsx (checked in the browser, on the real React UMD builds): `before` returns the new
arguments, `instead` functions chain through `next` (the last one gets the original), `after`
gets the result as its last argument, `register.route` adds a Route inside PluginRoutes, and a
second registration of a component name throws."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.host_server import HostServer

SCRIPTS = ["vendor/react/umd/react.production.min.js", "vendor/react-dom/umd/react-dom.production.min.js",
           "vendor/react-router-dom/umd/react-router-dom.min.js", "vendor/react-bootstrap/dist/react-bootstrap.min.js",
           "host/pluginapi.js"]

CHECKS = """() => {
  const api = window.PluginApi, S = window.StashHost, out = {};
  const f = S.patchFunction("Probe", (a, b) => "orig:" + a + b);
  api.patch.before("Probe", (a, b) => [a + "!", b]);
  api.patch.instead("Probe", (a, b, next) => "i1(" + next(a, b) + ")");
  api.patch.instead("Probe", (a, b, next) => "i2(" + next(a, b) + ")");
  api.patch.after("Probe", (a, b, result) => result + "+after:" + a);
  out.chain = f("x", "y");
  const g = S.patchFunction("Stop", () => "orig");
  api.patch.instead("Stop", () => "stopped");
  out.stop = g();
  S.patchComponent("Once", () => null);
  try { api.register.component("Once", () => null); out.dup = "no error"; } catch (e) { out.dup = e.message; }
  const h = React.createElement, R = ReactRouterDOM;
  const Routes = S.patchFunction("PluginRoutes", (p) => h(React.Fragment, null, p.children));
  api.register.route("/plugin/probe", () => h("b", { id: "probe" }, "probe page"));
  const root = document.createElement("div"); document.body.appendChild(root);
  ReactDOM.render(h(R.MemoryRouter, { initialEntries: ["/plugin/probe"] }, h(R.Switch, null, h(Routes))), root);
  out.route = (document.getElementById("probe") || {}).textContent || null;
  out.react = React.version;
  return out;
}"""


def test_plugin_api_semantics_match_stash(modules: Path, browser: Any) -> None:
    with HostServer("http://127.0.0.1:9", modules) as host:
        page = browser.new_page()
        try:
            tags = "".join(f'<script src="{host.url}{s}"></script>' for s in SCRIPTS)
            page.goto(host.url + "host/host.css")  # same origin for the scripts below
            page.set_content(f"<html><body>{tags}</body></html>")
            out = page.evaluate(CHECKS)
        finally:
            page.close()
    assert out["chain"] == "i1(i2(orig:x!y))+after:x!"
    assert out["stop"] == "stopped"
    assert out["dup"] == "Component Once has already been registered"
    assert out["route"] == "probe page"
    assert out["react"].startswith("17.")
