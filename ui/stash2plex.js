/* Stash2Plex inside Stash's UI: a status page at /plugin/stash2plex, a navbar link to it and a
 * sync badge on every scene page.
 *
 * Plain JavaScript with no build step and no imports: Stash loads this file through the manifest's
 * `ui.javascript` before its app renders, and everything comes from window.PluginApi (Stash's own
 * React 17, react-router-dom 5, react-bootstrap 1). Data comes from the plugin itself through
 * Stash's GraphQL (`runPluginOperation` answers from the plugin's local database; long work is a
 * Stash task via `runPluginTask`, so its progress shows in Stash's task list). No request leaves
 * Stash: the Plex token stays server-side.
 */
(function () {
  "use strict";

  var api = window.PluginApi;
  if (!api || !api.React || !api.patch) {
    return; // not inside Stash's UI: nothing to attach to
  }
  var React = api.React;
  var h = React.createElement;
  var Router = (api.libraries && api.libraries.ReactRouterDOM) || {};
  var Bootstrap = (api.libraries && api.libraries.Bootstrap) || null;

  var PLUGIN_ID = "Stash2Plex";
  var ROUTE = "/plugin/stash2plex";
  var TAB_KEY = "stash2plex-panel";
  var POLL_BUSY_MS = 3000; // while work is in progress (or a task was just started)
  var POLL_IDLE_MS = 30000; // otherwise: still fresh, but cheap
  var STARTED_GRACE_MS = 60000; // keep polling fast this long after starting a task
  var TASKS = [
    { label: "Sync All", task: "Sync All Scenes" },
    { label: "Reconcile", task: "Reconcile (Recent)" },
    { label: "Process Queue", task: "Process Queue" },
    { label: "Health Check", task: "Health Check" },
  ];

  var OPERATION =
    "mutation Stash2PlexOperation($plugin_id: ID!, $args: Map) {" +
    " runPluginOperation(plugin_id: $plugin_id, args: $args) }";
  // Written here on purpose: StashService.mutateRunPluginTask sends `args` while its document
  // declares `args_map`, so any arguments passed through it are silently dropped.
  var RUN_TASK =
    "mutation Stash2PlexTask($plugin_id: ID!, $task_name: String!, $args_map: Map) {" +
    " runPluginTask(plugin_id: $plugin_id, task_name: $task_name, args_map: $args_map) }";

  // ---- GraphQL: same origin, under Stash's base URL --------------------------------------------

  /* Stash serves its UI under a sub-path by rewriting <base href>; its own client builds the
   * GraphQL URL from that tag, so this does the same (falls back to "/"). */
  function graphqlUrl() {
    var base = document.querySelector("base");
    var href = (base && base.getAttribute("href")) || "/";
    var url = new URL(href, window.location.origin);
    url.pathname = url.pathname.replace(/\/?$/, "/") + "graphql";
    return url.toString();
  }

  function errorText(errors) {
    return errors
      .map(function (e) {
        return (e && e.message) || String(e);
      })
      .join("; ");
  }

  function graphql(query, variables) {
    return fetch(graphqlUrl(), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: query, variables: variables }),
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        try {
          body = JSON.parse(text);
        } catch (e) {
          body = null;
        }
        if (body && body.errors && body.errors.length) {
          throw new Error(errorText(body.errors));
        }
        if (!resp.ok || !body) {
          throw new Error("Stash answered HTTP " + resp.status + (resp.ok ? " (not JSON)" : ""));
        }
        return body.data;
      });
    });
  }

  /* One plugin operation → its output object (a plugin error arrives as a GraphQL error). */
  function operation(args) {
    return graphql(OPERATION, { plugin_id: PLUGIN_ID, args: args }).then(function (data) {
      var out = data && data.runPluginOperation;
      if (typeof out === "string") {
        try {
          out = JSON.parse(out);
        } catch (e) {
          /* keep the string: the caller shows it */
        }
      }
      if (out === null || out === undefined || typeof out !== "object") {
        throw new Error("Stash2Plex gave no answer" + (out ? ": " + String(out) : ""));
      }
      return out;
    });
  }

  function runTask(taskName, argsMap) {
    var vars = { plugin_id: PLUGIN_ID, task_name: taskName, args_map: argsMap || {} };
    return graphql(RUN_TASK, vars).then(function (data) {
      return data && data.runPluginTask;
    });
  }

  // ---- small helpers -----------------------------------------------------------------------------

  /* Timestamps may come as epoch seconds, epoch milliseconds or ISO text. */
  function toDate(value) {
    if (value === null || value === undefined || value === "") return null;
    var d = typeof value === "number" ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
    return isNaN(d.getTime()) ? null : d;
  }

  function ago(value) {
    var d = toDate(value);
    if (!d) return "—";
    var s = Math.round((Date.now() - d.getTime()) / 1000);
    var rel = s < 0 ? "in " + span(-s) : span(s) + " ago";
    return rel + " (" + d.toLocaleString() + ")";
  }

  function span(s) {
    if (s < 90) return s + " s";
    if (s < 5400) return Math.round(s / 60) + " min";
    if (s < 129600) return Math.round(s / 3600) + " h";
    return Math.round(s / 86400) + " d";
  }

  function text(value) {
    if (value === null || value === undefined || value === "") return "—";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function sceneHref(sceneId) {
    return "/scenes/" + encodeURIComponent(String(sceneId));
  }

  /* A scene's title linking to its page; other targets (a performer's job...) as plain text. */
  function sceneLink(sceneId, title) {
    var label = text(title || (sceneId ? "scene " + sceneId : ""));
    return sceneId === null || sceneId === undefined ? label : link(sceneHref(sceneId), label, "s2p-scene");
  }

  function link(to, children, className) {
    if (Router.Link) return h(Router.Link, { to: to, className: className }, children);
    return h("a", { href: to, className: className }, children);
  }

  function usePoll(load, intervalFor) {
    var st = React.useState({ data: null, error: null, loading: true });
    var state = st[0];
    var setState = st[1];
    var tick = React.useState(0);
    var refresh = React.useCallback(function () {
      tick[1](function (n) {
        return n + 1;
      });
    }, []);
    React.useEffect(
      function () {
        var alive = true;
        var timer = null;
        load().then(
          function (data) {
            if (alive) setState({ data: data, error: null, loading: false });
            if (alive) timer = setTimeout(refresh, intervalFor(data));
          },
          function (err) {
            if (alive) setState({ data: null, error: String((err && err.message) || err), loading: false });
            if (alive) timer = setTimeout(refresh, POLL_IDLE_MS);
          }
        );
        return function () {
          alive = false;
          if (timer) clearTimeout(timer);
        };
      },
      [tick[0]]
    );
    return { data: state.data, error: state.error, loading: state.loading, refresh: refresh };
  }

  function ErrorBox(props) {
    return h(
      "div",
      { className: "alert alert-danger s2p-error", role: "alert" },
      h("strong", null, props.title || "Stash2Plex could not answer. "),
      " ",
      props.message
    );
  }

  // ---- the status page ---------------------------------------------------------------------------

  function Card(props) {
    return h(
      "section",
      { className: "card s2p-card " + (props.className || ""), "data-s2p": props.id },
      h("div", { className: "card-header" }, props.title, props.extra || null),
      h("div", { className: "card-body" }, props.children)
    );
  }

  function Facts(props) {
    return h(
      "dl",
      { className: "s2p-facts" },
      props.rows.map(function (row) {
        return [h("dt", { key: row[0] + "-k" }, row[0]), h("dd", { key: row[0] + "-v", "data-s2p": row[2] }, row[1])];
      })
    );
  }

  function StateChip(props) {
    var good = { running: 1, closed: 1, ok: 1 };
    var bad = { open: 1, frozen: 1, problem: 1 };
    var kind = good[props.value] ? "ok" : bad[props.value] ? "bad" : "warn";
    return h("span", { className: "s2p-chip s2p-chip-" + kind, "data-s2p": props.id }, text(props.value));
  }

  function QueueCard(props) {
    var q = props.status.queue || {};
    var w = props.status.worker || {};
    var c = props.status.circuit || {};
    return h(
      Card,
      { id: "queue", title: "Queue and worker" },
      h(Facts, {
        rows: [
          ["Waiting", text(q.waiting), "queue-waiting"],
          ["Due now", text(q.due), "queue-due"],
          ["In progress", text(q.in_progress), "queue-in-progress"],
          ["Failed", text(q.failed), "queue-failed"],
          ["Next due", q.next_due_at ? ago(q.next_due_at) : "—", "queue-next"],
          ["Worker", h(StateChip, { value: w.state, id: "worker-state" }), "worker"],
          ["Heartbeat", w.heartbeat_age_s === null || w.heartbeat_age_s === undefined ? "—" : span(Math.round(w.heartbeat_age_s)) + " ago", "heartbeat"],
          ["Plex circuit", h(StateChip, { value: c.state, id: "circuit-state" }), "circuit"],
        ],
      })
    );
  }

  function LastCard(props) {
    var s = props.status;
    var push = s.last_push;
    var err = s.last_error;
    var rec = s.last_reconcile;
    return h(
      Card,
      { id: "last", title: "Recent activity" },
      h(Facts, {
        rows: [
          ["Last push", push ? [sceneLink(push.scene_id, push.title), " · ", ago(push.at)] : "none yet", "last-push"],
          ["Last error", err ? [text(err.message), err.blame ? " (" + text(err.blame) + ")" : "", " · ", ago(err.at)] : "none", "last-error"],
          ["Last reconcile", rec ? [text(rec.scope), " · ", ago(rec.at), h(ReconcileLines, { key: "sum", report: rec })] : "never", "last-reconcile"],
        ],
      })
    );
  }

  function ReconcileLines(props) {
    var lines = props.report.lines;
    if (!lines || !lines.length) return h("div", { className: "s2p-summary" }, summaryText(props.report.summary));
    return h("ul", { className: "s2p-summary" }, lines.map(function (line, i) { return h("li", { key: i }, text(line)); }));
  }

  function summaryText(summary) {
    if (!summary) return "";
    if (typeof summary !== "object") return String(summary);
    return Object.keys(summary)
      .map(function (k) {
        return k.replace(/_/g, " ") + ": " + text(summary[k]);
      })
      .join(" · ");
  }

  function Button(props) {
    return h(
      "button",
      {
        type: "button",
        className: "btn btn-sm " + (props.variant || "btn-secondary") + " s2p-btn",
        disabled: !!props.disabled,
        onClick: props.onClick,
        "data-s2p": props.id,
      },
      props.children
    );
  }

  function FailedCard(props) {
    var failed = props.status.failed || [];
    var total = props.status.failed_total || failed.length;
    var act = props.act;
    var extra = failed.length
      ? h(
          "span",
          { className: "s2p-header-actions" },
          h(Button, { id: "retry-all", variant: "btn-primary", onClick: function () { act("ui_retry", null); } }, "Retry all"),
          h(Button, { id: "clear-all", variant: "btn-danger", onClick: function () { act("ui_clear", null); } }, "Clear all")
        )
      : null;
    var body = failed.length
      ? h(
          "table",
          { className: "table table-sm s2p-table" },
          h("thead", null, h("tr", null, ["Scene", "Reason", "Error", "Failed", "Attempts", ""].map(function (c) { return h("th", { key: c }, c); }))),
          h("tbody", null, failed.map(function (job) { return h(FailedRow, { key: job.job_id, job: job, act: act }); }))
        )
      : h("p", { className: "s2p-empty" }, "No failed jobs.");
    return h(Card, { id: "failed", title: "Failed jobs (" + total + ")", extra: extra }, body);
  }

  function FailedRow(props) {
    var job = props.job;
    var act = props.act;
    return h(
      "tr",
      { "data-s2p": "failed-job", "data-job-id": job.job_id, "data-scene-id": job.scene_id },
      h("td", null, sceneLink(job.scene_id, job.title)),
      h("td", null, text(job.reason)),
      h("td", { className: "s2p-errtext" }, text(job.error)),
      h("td", null, ago(job.failed_at)),
      h("td", null, text(job.attempts)),
      h(
        "td",
        { className: "s2p-row-actions" },
        h(Button, { id: "retry", variant: "btn-primary", onClick: function () { act("ui_retry", job.job_id); } }, "Retry"),
        h(Button, { id: "clear", variant: "btn-danger", onClick: function () { act("ui_clear", job.job_id); } }, "Clear")
      )
    );
  }

  function NotFoundCard(props) {
    var rows = props.status.not_found || [];
    var total = props.status.not_found_total || rows.length;
    var body = rows.length
      ? h(
          "table",
          { className: "table table-sm s2p-table" },
          h("thead", null, h("tr", null, ["Scene", "Paths in Stash", "Missing since", "Suggested path mapping"].map(function (c) { return h("th", { key: c }, c); }))),
          h("tbody", null, rows.map(function (row) {
            return h(
              "tr",
              { key: row.scene_id, "data-s2p": "not-found", "data-scene-id": row.scene_id },
              h("td", null, sceneLink(row.scene_id, row.title)),
              h("td", null, (row.paths || []).map(function (p) { return h("code", { key: p, className: "s2p-path" }, p); })),
              h("td", null, ago(row.since)),
              h("td", null, row.suggested_path_map ? h("code", { className: "s2p-path" }, text(row.suggested_path_map)) : "—")
            );
          }))
        )
      : h("p", { className: "s2p-empty" }, "Plex has every synced scene.");
    return h(Card, { id: "not-found", title: "Not in Plex (" + total + ")" }, body);
  }

  function HealthCard(props) {
    var health = props.status.health;
    var body = health && health.lines && health.lines.length
      ? h(
          "ul",
          { className: "s2p-health" },
          health.lines.map(function (line, i) {
            return h("li", { key: i, className: "s2p-health-" + line.level, "data-s2p": "health-line" }, h(StateChip, { value: line.level }), " ", text(line.text));
          })
        )
      : h("p", { className: "s2p-empty" }, "No Health Check has run yet: press Health Check above.");
    var when = health && health.at ? h("span", { className: "s2p-when" }, "ran " + ago(health.at)) : null;
    return h(Card, { id: "health", title: "Health Check", extra: when }, body);
  }

  function TaskButtons(props) {
    return h(
      "div",
      { className: "s2p-tasks" },
      TASKS.map(function (t) {
        return h(Button, { key: t.task, id: "task-" + t.label.toLowerCase().replace(/ /g, "-"), onClick: function () { props.start(t); } }, t.label);
      }),
      h(Button, { id: "refresh", variant: "btn-outline-secondary", onClick: props.refresh }, "Refresh")
    );
  }

  function Notice(props) {
    if (!props.notice) return null;
    var cls = props.notice.error ? "alert-danger" : "alert-info";
    return h("div", { className: "alert " + cls + " s2p-notice", role: "status", "data-s2p": "notice" }, props.notice.text);
  }

  function useActions(refresh, setNotice, markStarted) {
    var act = function (mode, jobId) {
      var args = { mode: mode };
      if (jobId !== null && jobId !== undefined) args.job_id = jobId;
      operation(args).then(
        function (out) {
          var n = mode === "ui_retry" ? out.retried : out.cleared;
          setNotice({ text: (mode === "ui_retry" ? "Retried " : "Cleared ") + text(n) + " job(s)." });
          refresh();
        },
        function (err) {
          setNotice({ error: true, text: "Could not " + (mode === "ui_retry" ? "retry" : "clear") + ": " + err.message });
        }
      );
    };
    var start = function (t) {
      runTask(t.task, {}).then(
        function (jobId) {
          markStarted();
          setNotice({ text: t.label + " started (Stash job " + text(jobId) + "): its progress shows in Stash's task list." });
          refresh();
        },
        function (err) {
          setNotice({ error: true, text: "Could not start " + t.label + ": " + err.message });
        }
      );
    };
    return { act: act, start: start };
  }

  function StatusPage() {
    var started = React.useRef(0);
    var noticeState = React.useState(null);
    var poll = usePoll(
      function () {
        return operation({ mode: "ui_status" });
      },
      function (status) {
        var recent = Date.now() - started.current < STARTED_GRACE_MS;
        return status && (status.busy || recent) ? POLL_BUSY_MS : POLL_IDLE_MS;
      }
    );
    var actions = useActions(poll.refresh, noticeState[1], function () {
      started.current = Date.now();
    });
    var status = poll.data;
    var content;
    if (poll.error) {
      content = h(ErrorBox, { message: poll.error });
    } else if (!status) {
      content = h("p", { className: "s2p-loading" }, "Loading Stash2Plex status…");
    } else {
      content = h(
        "div",
        { className: "s2p-grid" },
        h(QueueCard, { status: status }),
        h(LastCard, { status: status }),
        h(FailedCard, { status: status, act: actions.act }),
        h(NotFoundCard, { status: status }),
        h(HealthCard, { status: status })
      );
    }
    var busy = status && status.busy ? h("span", { className: "s2p-busy", "data-s2p": "busy" }, "working…") : null;
    return h(
      "div",
      { className: "s2p-page container-fluid", "data-s2p": "page" },
      h("h2", { className: "s2p-title" }, "Stash2Plex ", busy),
      h(TaskButtons, { start: actions.start, refresh: poll.refresh }),
      h(Notice, { notice: noticeState[0] }),
      content
    );
  }

  // ---- the scene badge ---------------------------------------------------------------------------

  var BADGES = {
    in_plex: { label: "In Plex", kind: "ok" },
    not_in_plex: { label: "Not in Plex", kind: "bad" },
    failed: { label: "Sync failed", kind: "bad" },
    waiting: { label: "Waiting", kind: "warn" },
    in_progress: { label: "Syncing…", kind: "warn" },
    never: { label: "Not synced yet", kind: "idle" },
  };

  /* One fetch per scene shared by the tab label and the tab pane (each op is a plugin process). */
  var sceneCache = {};

  function loadScene(sceneId, force) {
    var hit = sceneCache[sceneId];
    if (hit && !force && Date.now() - hit.at < 2000) return hit.promise;
    var promise = operation({ mode: "ui_scene", scene_id: Number(sceneId) || sceneId });
    sceneCache[sceneId] = { at: Date.now(), promise: promise };
    return promise;
  }

  function useSceneState(sceneId) {
    return usePoll(
      function () {
        return loadScene(sceneId, false);
      },
      function (out) {
        return out && (out.state === "waiting" || out.state === "in_progress") ? POLL_BUSY_MS : POLL_IDLE_MS;
      }
    );
  }

  function badgeDetail(out) {
    if (out.state === "in_plex") return [out.library ? "in " + out.library : "", out.at ? "synced " + ago(out.at) : ""].filter(Boolean).join(", ");
    if (out.state === "never") return "Stash2Plex has not pushed this scene yet";
    return [text(out.reason) === "—" ? "" : text(out.reason), out.at ? ago(out.at) : ""].filter(Boolean).join(" · ");
  }

  function Badge(props) {
    var poll = useSceneState(props.sceneId);
    if (poll.error) {
      return h("span", { className: "s2p-badge s2p-badge-bad", title: poll.error, "data-s2p": "badge", "data-state": "error" }, "Plex: unavailable");
    }
    if (!poll.data) return h("span", { className: "s2p-badge s2p-badge-idle", "data-s2p": "badge", "data-state": "loading" }, "Plex…");
    var b = BADGES[poll.data.state] || { label: text(poll.data.state), kind: "idle" };
    return h("span", { className: "s2p-badge s2p-badge-" + b.kind, title: badgeDetail(poll.data), "data-s2p": "badge", "data-state": poll.data.state }, b.label);
  }

  function OpenInPlex(props) {
    var poll = useSceneState(props.sceneId);
    var url = poll.data && poll.data.plex_web_url;
    if (!url) return null;
    return h("a", { className: "nav-link s2p-open", href: url, target: "_blank", rel: "noopener noreferrer", "data-s2p": "open-in-plex" }, "Open in Plex ↗");
  }

  function ScenePanel(props) {
    var poll = useSceneState(props.sceneId);
    if (poll.error) return h(ErrorBox, { title: "Stash2Plex could not tell this scene's state. ", message: poll.error });
    if (!poll.data) return h("p", { className: "s2p-loading" }, "Loading…");
    var out = poll.data;
    var b = BADGES[out.state] || { label: text(out.state) };
    return h(
      "div",
      { className: "s2p-scene-panel", "data-s2p": "scene-panel" },
      h(Facts, {
        rows: [
          ["State", b.label, "scene-state"],
          ["Library", text(out.library), "scene-library"],
          ["When", out.at ? ago(out.at) : "—", "scene-at"],
          ["Reason", text(out.reason), "scene-reason"],
        ],
      }),
      out.plex_web_url ? h("a", { className: "btn btn-sm btn-primary", href: out.plex_web_url, target: "_blank", rel: "noopener noreferrer" }, "Open in Plex") : null,
      " ",
      link(ROUTE, "Stash2Plex status", "btn btn-sm btn-secondary")
    );
  }

  function navItem(children, key) {
    if (Bootstrap && Bootstrap.Nav) return h(Bootstrap.Nav.Item, { key: key }, children);
    return h("div", { key: key, className: "nav-item" }, children);
  }

  function SceneTabs(props) {
    var sceneId = props.sceneId;
    var label = [h("span", { key: "l" }, "Plex "), h(Badge, { key: "b", sceneId: sceneId })];
    var tab = Bootstrap && Bootstrap.Nav
      ? h(Bootstrap.Nav.Link, { eventKey: TAB_KEY, "data-s2p": "scene-tab" }, label)
      : h("span", { className: "nav-link", "data-s2p": "scene-tab" }, label);
    return h(React.Fragment, null, navItem(tab, "s2p-tab"), navItem(h(OpenInPlex, { sceneId: sceneId }), "s2p-open"));
  }

  function ScenePane(props) {
    var panel = h(ScenePanel, { sceneId: props.sceneId });
    if (Bootstrap && Bootstrap.Tab && Bootstrap.Tab.Pane) return h(Bootstrap.Tab.Pane, { eventKey: TAB_KEY }, panel);
    return null;
  }

  // ---- wiring into Stash -------------------------------------------------------------------------

  /* A bug in this file must never take Stash's page down with it: show a message instead. */
  class Boundary extends React.Component {
    constructor(props) {
      super(props);
      this.state = { error: null };
    }
    static getDerivedStateFromError(error) {
      return { error: error };
    }
    render() {
      if (!this.state.error) return this.props.children;
      var msg = String((this.state.error && this.state.error.message) || this.state.error);
      return this.props.inline
        ? h("span", { className: "s2p-badge s2p-badge-bad", title: msg }, "Stash2Plex error")
        : h(ErrorBox, { title: "Stash2Plex page error. ", message: msg });
    }
  }

  function guarded(component, inline) {
    return function Guarded(props) {
      return h(Boundary, { inline: inline }, h(component, props));
    };
  }

  function NavLink() {
    return link(ROUTE, h("span", { className: "s2p-nav-label" }, "Stash2Plex"), "nav-link s2p-nav");
  }

  /* Container patch: keep what Stash (and other plugins) put there, then add ours. */
  function appendChild(name, extra) {
    api.patch.before(name, function (props) {
      var rest = Array.prototype.slice.call(arguments, 1);
      var added = extra(props || {});
      if (!added) return [props].concat(rest);
      var next = Object.assign({}, props, { children: h(React.Fragment, null, props && props.children, added) });
      return [next].concat(rest);
    });
  }

  function sceneIdOf(props) {
    return props && props.scene && props.scene.id;
  }

  var GuardedTabs = guarded(SceneTabs, true);
  var GuardedPane = guarded(ScenePane, false);
  var GuardedNav = guarded(NavLink, true);

  api.register.route(ROUTE, guarded(StatusPage, false));
  appendChild("MainNavBar.UtilityItems", function () {
    return h(GuardedNav, { key: "s2p-nav" });
  });
  appendChild("ScenePage.Tabs", function (props) {
    var id = sceneIdOf(props);
    return id ? h(GuardedTabs, { key: "s2p-tabs", sceneId: id }) : null;
  });
  appendChild("ScenePage.TabContent", function (props) {
    var id = sceneIdOf(props);
    return id ? h(GuardedPane, { key: "s2p-pane", sceneId: id }) : null;
  });
})();
