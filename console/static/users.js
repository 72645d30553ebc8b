// The console's users and tokens page (admins): accounts and API tokens
// over /api/v1/users and /api/v1/tokens. A password the server makes and a
// new token's string are shown once, in a box that stays until the next
// action or until the admin leaves the page; they are never in a list.
"use strict";
(function () {
  window.CAMWATCH_PAGES = window.CAMWATCH_PAGES || {};
  window.CAMWATCH_PAGES.users = function (view, c) {
    const { h, t, fmtTime, getJSON, send, can, progName, wardName, camName, programs, wards, me } = c;
    const roles = ["viewer", "operator", "technician", "investigator", "admin"];
    let users = null, tokens = null, err = null, msg = "", secret = null, editing = null;

    async function load() {
      try {
        const [u, k] = await Promise.all([
          can("users.manage") ? getJSON("/api/v1/users") : null,
          can("tokens.manage") ? getJSON("/api/v1/tokens") : null]);
        users = u ? u.users : null;
        tokens = k ? k.tokens : null;
        err = null;
      } catch (e) { err = e.message; }
      render();
    }
    // act runs one change; what it answers may carry a secret to show once.
    async function act(fn, done) {
      secret = null;
      try { const ans = await fn(); msg = done(ans); } catch (e) { msg = t("manage.failed", e.message); }
      await load();
    }

    function scopeText(s) {
      if (!s || s.all) return t("users.scope.all");
      return [].concat((s.programs || []).map(progName), (s.wards || []).map(wardName), (s.cameras || []).map((x) => camName(x))).join(", ");
    }
    // scopeFields is the role's reach: everything, some programs or some
    // wards, chosen by name.
    function scopeFields(prefix, cur) {
      const kind0 = !cur || cur.all ? "all" : (cur.wards || []).length ? "wards" : "programs";
      const items = h("select", { id: prefix + "-scope-items", multiple: true, size: 4 });
      function fill(kind) {
        const src = kind === "wards" ? wards() : kind === "programs" ? programs() : [];
        const chosen = new Set(cur ? (kind === "wards" ? cur.wards : cur.programs) || [] : []);
        items.replaceChildren(...src.map((x) => h("option", { value: x.id, selected: chosen.has(x.id) }, x.label)));
        items.disabled = kind === "all";
        items.required = kind !== "all";
      }
      const kind = h("select", { id: prefix + "-scope-kind", onchange: (e) => fill(e.target.value) },
        ["all", "programs", "wards"].map((k) => h("option", { value: k, selected: k === kind0 }, t("users.scope." + k))));
      fill(kind0);
      return {
        nodes: [h("label", { for: prefix + "-scope-kind" }, t("users.scope"), kind), h("label", { for: prefix + "-scope-items" }, t("users.scopeItems"), items)],
        value() {
          const chosen = [...items.selectedOptions].map((o) => o.value);
          if (kind.value === "all") return { all: true };
          return kind.value === "wards" ? { wards: chosen } : { programs: chosen };
        },
      };
    }
    function roleSelect(id, cur) {
      return h("select", { id }, roles.map((r) => h("option", { value: r, selected: r === (cur || "viewer") }, t("role." + r))));
    }

    function secretBox() {
      if (!secret) return null;
      return h("div", { class: "secret", id: "secret", role: "alert" },
        h("p", {}, secret.label), h("code", { id: "secret-value" }, secret.value));
    }

    function usersSection() {
      const ed = editing && users.find((u) => u.name === editing);
      const name = h("input", { id: "u-name", required: true, maxlength: 64, pattern: "[a-z0-9][a-z0-9._\\-]*", autocapitalize: "none", value: ed ? ed.name : "", readonly: !!ed });
      const role = roleSelect("u-role", ed && ed.role);
      const scope = scopeFields("u", ed && ed.scope);
      const form = h("form", { class: "filters", id: "user-form", onsubmit: (e) => {
        e.preventDefault();
        const body = { role: role.value, scope: scope.value() };
        if (ed) {
          editing = null;
          act(() => send("POST", "/api/v1/users/" + encodeURIComponent(ed.name) + "/role", body), () => t("users.saved", ed.name));
          return;
        }
        const n = name.value.trim();
        act(() => send("POST", "/api/v1/users", Object.assign({ name: n }, body)), (ans) => {
          if (ans && ans.password) secret = { label: t("users.secretPassword", n), value: ans.password };
          return t("users.added", n);
        });
      } },
      h("label", { for: "u-name" }, t("users.name"), name),
      h("label", { for: "u-role" }, t("users.role"), role), ...scope.nodes,
      h("button", { type: "submit", class: "primary" }, ed ? t("users.save") : t("users.add")),
      ed ? h("button", { type: "button", class: "cancel", onclick: () => { editing = null; render(); } }, t("users.cancel")) : null);
      const rows = users.map((u) => {
        const self = me() && me().kind === "user" && me().name === u.name;
        return h("li", { class: "item" + (u.disabled ? " disabled" : ""), "data-user": u.name },
          h("strong", {}, u.name), self ? " " + t("users.you") : "", " · ", t("role." + u.role), " · ", scopeText(u.scope),
          u.disabled ? h("span", { class: "badge st-offline" }, t("users.state.disabled")) : null,
          h("div", { class: "sub" }, fmtTime(u.created), u.created_by ? " · " + t("users.createdBy", u.created_by) : ""),
          h("div", { class: "buttons" },
            h("button", { type: "button", class: "edit", onclick: () => { editing = u.name; secret = null; render(); } }, t("users.edit")),
            u.disabled
              ? h("button", { type: "button", class: "enable", onclick: () => act(() => send("POST", "/api/v1/users/" + encodeURIComponent(u.name) + "/enable"), () => t("users.enabled", u.name)) }, t("users.enable"))
              : h("button", { type: "button", class: "disable", onclick: () => act(() => send("POST", "/api/v1/users/" + encodeURIComponent(u.name) + "/disable"), () => t("users.disabled", u.name)) }, t("users.disable")),
            h("button", { type: "button", class: "reset", onclick: () => act(() => send("POST", "/api/v1/users/" + encodeURIComponent(u.name) + "/password", {}), (ans) => {
              if (ans && ans.password) secret = { label: t("users.secretPassword", u.name), value: ans.password };
              return t("users.resetDone", u.name);
            }) }, t("users.reset"))));
      });
      return h("section", { class: "manage", id: "users" }, h("h2", {}, t("users.users")), form, h("ul", { class: "items" }, rows));
    }

    function tokensSection() {
      const name = h("input", { id: "k-name", required: true, maxlength: 64, pattern: "[a-z0-9][a-z0-9._\\-]*", autocapitalize: "none" });
      const role = roleSelect("k-role");
      const scope = scopeFields("k");
      const days = h("select", { id: "k-days" }, [30, 90, 180, 365].map((n) => h("option", { value: n, selected: n === 90 }, t("users.daysN", n))));
      const form = h("form", { class: "filters", id: "token-form", onsubmit: (e) => {
        e.preventDefault();
        const n = name.value.trim();
        act(() => send("POST", "/api/v1/tokens", { name: n, role: role.value, scope: scope.value(), expires_in_days: Number(days.value) }), (ans) => {
          if (ans && ans.token) secret = { label: t("users.secretToken", n), value: ans.token };
          return t("users.tokenMade", n);
        });
      } },
      h("label", { for: "k-name" }, t("users.tokenName"), name),
      h("label", { for: "k-role" }, t("users.role"), role), ...scope.nodes,
      h("label", { for: "k-days" }, t("users.days"), days),
      h("button", { type: "submit", class: "primary" }, t("users.createToken")));
      const rows = tokens.map((k) => h("li", { class: "item", "data-token": k.id, "data-state": k.state },
        h("strong", {}, k.name), " · ", t("role." + k.role), " · ", scopeText(k.scope), " · ", t("users.tokenState." + k.state),
        h("div", { class: "sub" }, t("users.expires", fmtTime(k.expires)), k.created_by ? " · " + t("users.createdBy", k.created_by) : "", " · id ", k.id),
        k.state === "active" ? h("div", { class: "buttons" },
          h("button", { type: "button", class: "revoke", onclick: () => act(() => send("DELETE", "/api/v1/tokens/" + encodeURIComponent(k.id)), () => t("users.revoked", k.name)) }, t("users.revoke"))) : null));
      return h("section", { class: "manage", id: "tokens" }, h("h2", {}, t("users.tokens")), form,
        rows.length ? h("ul", { class: "items" }, rows) : h("p", {}, t("users.noTokens")));
    }

    function render() {
      view.replaceChildren(...[h("h1", {}, t("users.title")),
        h("p", { role: "status", id: "users-msg", class: "ok" }, msg),
        err ? h("p", { class: "error", role: "alert" }, t("common.error", err)) : null,
        secretBox(),
        users ? usersSection() : null,
        tokens ? tokensSection() : null,
        !users && !tokens && !err ? h("p", {}, t("common.loading")) : null].filter(Boolean));
    }
    c.setRerender(render);
    render();
    load();
    return null;
  };
})();
