/* Test host: window.PluginApi as Stash's ui/v2.5/src/pluginApi.tsx defines it, with the patch
 * semantics of ui/v2.5/src/patch.tsx (before returns new args; instead gets `next` last and may
 * stop the chain; after gets the result last and returns the new one), over the real React 17,
 * react-dom 17, react-router-dom 5 and react-bootstrap 1 UMD builds (globals React, ReactDOM,
 * ReactRouterDOM, ReactBootstrap). Written from the behaviour, not copied. */
(function () {
  "use strict";
  var h = React.createElement;
  var components = {};
  var beforeFns = {};
  var insteadFns = {};
  var afterFns = {};

  function add(table, name, fn) {
    (table[name] = table[name] || []).push(fn);
  }

  function registerComponent(name, fn) {
    if (components[name]) throw new Error("Component " + name + " has already been registered");
    components[name] = fn;
    return fn;
  }

  /* instead functions run as a chain: each receives the args plus `next`, the following
   * function (or the original when none is left). */
  function runInstead(fns, target, self, args) {
    var i = 1;
    function next() {
      if (i >= fns.length) return target;
      var fn = fns[i++];
      return function () {
        return fn.apply(this, Array.prototype.slice.call(arguments).concat(next()));
      };
    }
    return fns[0].apply(self, args.concat(next()));
  }

  function patchFunction(name, fn) {
    return new Proxy(fn, {
      apply: function (target, self, args) {
        (beforeFns[name] || []).forEach(function (b) {
          args = b.apply(self, args);
        });
        var result = insteadFns[name] ? runInstead(insteadFns[name], target, self, args) : target.apply(self, args);
        (afterFns[name] || []).forEach(function (a) {
          result = a.apply(self, args.concat(result));
        });
        return result;
      },
    });
  }

  function patchComponent(name, fn) {
    return registerComponent(name, patchFunction(name, fn));
  }

  function patchContainer(name) {
    return patchComponent(name, function (props) {
      return h(React.Fragment, null, props.children);
    });
  }

  function registerRoute(path, component) {
    add(beforeFns, "PluginRoutes", function (props) {
      return [{ children: h(React.Fragment, null, props.children, h(ReactRouterDOM.Route, { path: path, component: component })) }];
    });
  }

  window.PluginApi = {
    React: React,
    ReactDOM: ReactDOM,
    GQL: {},
    libraries: { ReactRouterDOM: ReactRouterDOM, Bootstrap: ReactBootstrap },
    register: { route: registerRoute, component: registerComponent },
    components: components,
    utils: {},
    hooks: {},
    patch: {
      before: function (n, f) { add(beforeFns, n, f); },
      instead: function (n, f) { add(insteadFns, n, f); },
      after: function (n, f) { add(afterFns, n, f); },
    },
    Event: new EventTarget(),
  };
  /* The host's own patch points, created the way Stash creates them (used by app.js). */
  window.StashHost = { patchContainer: patchContainer, patchComponent: patchComponent, patchFunction: patchFunction };
})();
