/* Test host app: the parts of Stash's UI the plugin attaches to — a BrowserRouter on the <base>
 * href (Stash's basename), a navbar with MainNavBar.MenuItems / MainNavBar.UtilityItems, a Switch
 * whose last routes are PluginRoutes, and a scene page whose tabs are a react-bootstrap
 * Tab.Container with the ScenePage.Tabs / ScenePage.TabContent containers. */
(function () {
  "use strict";
  var h = React.createElement;
  var RR = ReactRouterDOM;
  var B = ReactBootstrap;
  var S = window.StashHost;
  var baseURL = (document.querySelector("base") || {}).getAttribute ? document.querySelector("base").getAttribute("href") : "/";

  var MenuItems = S.patchComponent("MainNavBar.MenuItems", function (props) {
    return h(B.Nav, { className: "mr-auto" }, props.children);
  });
  var UtilityItems = S.patchComponent("MainNavBar.UtilityItems", function (props) {
    return h(React.Fragment, null, props.children);
  });
  var PluginRoutes = S.patchFunction("PluginRoutes", function (props) {
    return h(React.Fragment, null, props.children);
  });
  var Tabs = S.patchContainer("ScenePage.Tabs");
  var TabContent = S.patchContainer("ScenePage.TabContent");

  function gql(query, variables) {
    return fetch(new URL("graphql", document.baseURI).toString(), {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    }).then(function (r) { return r.json(); });
  }

  function Navbar() {
    return h("nav", { className: "navbar navbar-expand navbar-dark bg-dark top-nav" },
      h(RR.Link, { to: "/", className: "navbar-brand" }, "Stash"),
      h(MenuItems, null, h(RR.Link, { to: "/scenes", className: "nav-link" }, "Scenes")),
      h(B.Nav, { className: "ml-auto" },
        h(UtilityItems, null, h(RR.Link, { to: "/settings", className: "nav-link" }, "Settings"))));
  }

  function Scenes() {
    var st = React.useState(null);
    React.useEffect(function () {
      gql("{ findScenes(filter: {per_page: 40, sort: \"id\", direction: ASC}) { scenes { id title } } }").then(function (r) {
        st[1](r.data ? r.data.findScenes.scenes : []);
      });
    }, []);
    if (!st[0]) return h("p", null, "Loading scenes…");
    return h("ul", { className: "host-scenes" }, st[0].map(function (s) {
      return h("li", { key: s.id }, h(RR.Link, { to: "/scenes/" + s.id, "data-host": "scene-link" }, s.title || "scene " + s.id));
    }));
  }

  function ScenePage(props) {
    var id = props.match.params.id;
    var st = React.useState(null);
    var tab = React.useState("scene-details-panel");
    React.useEffect(function () {
      gql("query($id: ID!) { findScene(id: $id) { id title files { path } } }", { id: id }).then(function (r) {
        st[1](r.data && r.data.findScene ? r.data.findScene : { id: id, title: "(missing)", files: [] });
      });
    }, [id]);
    var scene = st[0];
    if (!scene) return h("p", null, "Loading scene…");
    var pageProps = { scene: scene, queueScenes: [], setTimestamp: function () {} };
    return h("div", { className: "host-scene container-fluid", "data-host": "scene-page" },
      h("h3", { className: "host-scene-title" }, scene.title || "scene " + scene.id),
      h(B.Tab.Container, { activeKey: tab[0], onSelect: function (k) { if (k) tab[1](k); } },
        h(B.Nav, { variant: "tabs", className: "mr-auto" },
          h(Tabs, pageProps,
            h(B.Nav.Item, null, h(B.Nav.Link, { eventKey: "scene-details-panel" }, "Details")),
            h(B.Nav.Item, null, h(B.Nav.Link, { eventKey: "scene-file-info-panel" }, "File Info")))),
        h(B.Tab.Content, null,
          h(TabContent, pageProps,
            h(B.Tab.Pane, { eventKey: "scene-details-panel" }, h("p", { className: "host-details" }, "Scene " + scene.id)),
            h(B.Tab.Pane, { eventKey: "scene-file-info-panel" },
              (scene.files || []).map(function (f) { return h("code", { key: f.path }, f.path); }))))));
  }

  function Front() {
    return h("p", null, "Stash test host");
  }

  function App() {
    return h(React.Fragment, null, h(Navbar),
      h("div", { className: "main container-fluid" },
        h(RR.Switch, null,
          h(RR.Route, { exact: true, path: "/", component: Front }),
          h(RR.Route, { exact: true, path: "/scenes", component: Scenes }),
          h(RR.Route, { path: "/scenes/:id", component: ScenePage }),
          h(PluginRoutes),
          h(RR.Route, { render: function () { return h("p", null, "Page not found"); } }))));
  }

  ReactDOM.render(h(RR.BrowserRouter, { basename: baseURL }, h(App)), document.getElementById("root"));
})();
