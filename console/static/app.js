// The camwatch console: a hash-routed page app over the aggregator's JSON
// API. Data is put on the page with textContent only (never as HTML), so a
// camera label cannot inject markup.
"use strict";
(function () {
  const dicts = window.CAMWATCH_I18N;
  const LANG_KEY = "camwatch.lang";
  let lang = dicts[localStorage.getItem(LANG_KEY)] ? localStorage.getItem(LANG_KEY) : "vi";
  let timeZone = "Asia/Ho_Chi_Minh";
  let stopView = null; // cleanup of the current page (timers, feeds)
  let rerender = null; // re-renders the current page after a language switch
  let me = null; // the signed-in actor (GET /api/v1/session): what to show
  let notice = null; // the server's banner for every page ({vi, en}), if any
  // dir holds the display names (GET /api/v1/programs): pages show these,
  // never the ids the cameras carry in their labels.
  let dir = { programs: {}, wards: {}, cameras: {}, kinds: {} };
  // can says whether the signed-in role holds permission p; the server
  // checks every request anyway, this only hides what would be refused.
  function can(p) { return !!(me && me.permissions && me.permissions.includes(p)); }

  // t returns the string of key in the current language with {0}, {1}… filled.
  function t(key, ...args) {
    let s = dicts[lang][key];
    if (s === undefined) s = dicts.vi[key] !== undefined ? dicts.vi[key] : key;
    return s.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ""));
  }
  function has(key) { return dicts[lang][key] !== undefined; }
  // canManage: the management page is for roles that change something
  // there or read the alert rules in force (a viewer may read maintenance
  // windows, but manages nothing and reads no rules).
  function canManage() { return can("silences.write") || can("maintenance.write") || can("programs.arm") || can("alerts.read"); }

  // h builds an element; attrs starting with "on" are listeners.
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "text") el.textContent = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of kids.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // nm picks the current language of a {vi, en} name.
  function nm(n) { return n ? (n[lang] || n.vi || n.en || "") : ""; }
  function progName(id) { return id ? (dir.programs[id] ? nm(dir.programs[id].name) : id) : ""; }
  function wardName(id) { return id ? (dir.wards[id] ? nm(dir.wards[id].name) : id) : ""; }
  function kindName(k) { return dir.kinds[k] ? nm(dir.kinds[k]) : k || ""; }
  // camName is a camera's configured name (for "<site>/<camera>", else
  // for its id), else its location, else its id. id may itself be a
  // "<site>/<camera>" (a scope or a rule naming one site's camera).
  function camName(id, labels, site) {
    const key = site ? site + "/" + id : id;
    if (dir.cameras[key]) return nm(dir.cameras[key]);
    if (id && id.includes("/") && dir.cameras[id.slice(id.indexOf("/") + 1)]) return nm(dir.cameras[id.slice(id.indexOf("/") + 1)]);
    if (dir.cameras[id]) return nm(dir.cameras[id]);
    return (labels && labels.location) || id || "";
  }
  // camHref is the console link of a camera: a camera is (site, camera),
  // ids are unique per site only. Without a site (an old link) the bare
  // id is kept; the API resolves it when one site has it.
  function camHref(site, id) {
    return "#/camera/" + (site ? encodeURIComponent(site) + "/" : "") + encodeURIComponent(id);
  }
  // camEventsURL is the events API of the camera a console route names:
  // "<site>/<camera>" or a bare id.
  function camEventsURL(ref) {
    const i = ref.indexOf("/");
    return i < 0 ? "/api/v1/cameras/" + encodeURIComponent(ref) + "/events"
      : "/api/v1/sites/" + encodeURIComponent(ref.slice(0, i)) + "/cameras/" + encodeURIComponent(ref.slice(i + 1)) + "/events";
  }
  // reused lists the camera ids that more than one site has, so those
  // cameras say their site wherever they are listed.
  function reused(list, site, id) {
    const sites = new Map();
    for (const c of list) (sites.get(id(c)) || sites.set(id(c), new Set()).get(id(c))).add(site(c));
    return new Set([...sites].filter(([, s]) => s.size > 1).map(([k]) => k));
  }
  async function loadNames() {
    try {
      const d = await getJSON("/api/v1/programs");
      const next = { programs: {}, wards: {}, cameras: d.cameras || {}, kinds: d.kinds || {} };
      for (const p of d.programs || []) next.programs[p.id] = p;
      for (const w of d.wards || []) next.wards[w.id] = w;
      dir = next;
    } catch (_) { /* ids are shown until names load */ }
  }

  function locale() { return lang === "vi" ? "vi-VN" : "en-GB"; }
  // collate compares names in the page's language; one Intl.Collator per
  // language (localeCompare with a locale builds one per call: a 1,000
  // camera sort spent most of its time there).
  const collators = {};
  function collate(a, b) { return (collators[lang] || (collators[lang] = new Intl.Collator(locale()))).compare(a, b); }
  function fmtTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return "";
    return formatter("t", () => new Intl.DateTimeFormat(locale(), { timeZone, dateStyle: "short", timeStyle: "medium" })).format(d);
  }
  function fmtNum(n, digits) {
    return formatter("n" + (digits ?? 1), () => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits ?? 1 })).format(n || 0);
  }
  // formatter keeps one Intl formatter per kind, language and zone: making
  // one costs far more than formatting (the investigation page formats
  // thousands of times per drawing).
  const formatters = new Map();
  function formatter(kind, make) {
    const key = kind + "|" + locale() + "|" + timeZone;
    let f = formatters.get(key);
    if (!f) formatters.set(key, f = make());
    return f;
  }
  function fmtDur(sec) {
    sec = Math.max(0, Math.round(sec || 0));
    if (sec < 60) return t("dur.s", sec);
    if (sec < 3600) return t("dur.m", Math.round(sec / 60));
    if (sec < 86400) return t("dur.h", Math.floor(sec / 3600), Math.floor(sec % 3600 / 60));
    return t("dur.d", Math.floor(sec / 86400), Math.floor(sec % 86400 / 3600));
  }
  function reasonText(r) {
    if (!r) return "";
    return has("reason." + r) ? t("reason." + r) : t("reason.other", r);
  }

  // zoneOffset is the offset of timeZone at instant ms, in ms.
  function zoneOffset(ms) {
    const p = {};
    for (const x of new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms))) p[x.type] = x.value;
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  }
  // fromLocalInput reads a datetime-local value as a time in the site's zone.
  function fromLocalInput(v) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v || "");
    if (!m) return null;
    const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let ms = guess - zoneOffset(guess);
    ms = guess - zoneOffset(ms);
    return new Date(ms);
  }
  // toLocalInput writes d as a datetime-local value in the site's zone.
  function toLocalInput(d) {
    return new Date(d.getTime() + zoneOffset(d.getTime())).toISOString().slice(0, 16);
  }

  // inflight counts the API requests under way; while any is, the page
  // says it is busy (aria-busy), for screen readers and for tests that
  // must know every answer has been drawn.
  let inflight = 0;
  function busy(d) {
    inflight += d;
    const root = document.getElementById("view");
    if (inflight > 0) root.setAttribute("aria-busy", "true"); else root.removeAttribute("aria-busy");
  }
  async function getJSON(url, init) {
    busy(1);
    let res, body = null;
    try {
      res = await fetch(url, Object.assign({ headers: { "Accept": "application/json" }, credentials: "same-origin" }, init));
      try { body = await res.json(); } catch (_) { /* empty or not JSON */ }
    } finally { busy(-1); }
    if (res.status === 401 && me) { me = null; showLogin(t("login.expired")); }
    if (!res.ok) { const e = new Error((body && body.error) || res.status + " " + res.statusText); e.status = res.status; throw e; }
    return body;
  }
  // pageView gives a page its own element inside #view: a page the user
  // has left (an answer arriving late, a timer) draws into a detached
  // element, never over the page the user moved to.
  function pageView() {
    const el = h("div", { class: "page" });
    document.getElementById("view").replaceChildren(el);
    return el;
  }
  // send makes a change: JSON body, so a cross-site form cannot forge it.
  function send(method, url, body) {
    return getJSON(url, { method, headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body) });
  }

  // ---- static labels and language ----
  function applyStatic() {
    document.documentElement.lang = lang;
    document.title = t("app.title");
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    const banner = document.getElementById("notice");
    banner.hidden = !notice;
    banner.textContent = notice ? notice[lang] || notice.vi || notice.en : "";
    const who = document.getElementById("who"), out = document.getElementById("logout"), pw = document.getElementById("password");
    who.hidden = out.hidden = !me;
    pw.hidden = !me || me.kind !== "user";
    if (me) { who.textContent = t("who", me.name, t("role." + me.role)); who.dataset.role = me.role; }
    for (const a of document.querySelectorAll("nav a")) {
      const need = { alerts: "alerts.read", uptime: "uptime.read", cameras: "cameras.read", review: "uptime.read", investigate: "timeline.read", users: "users.manage" }[a.dataset.route];
      a.hidden = !me || (need && !can(need)) || (a.dataset.route === "manage" && !canManage());
    }
  }

  // ---- sign-in ----
  function showLogin(msg) {
    if (stopView) stopView();
    stopView = null; rerender = () => showLogin(msg);
    applyStatic();
    const view = pageView();
    const err = h("p", { class: "error", role: "alert", id: "login-error" }, msg || "");
    const form = h("form", { class: "login", id: "login", onsubmit: async (e) => {
      e.preventDefault();
      const user = form.querySelector("#login-user").value.trim(), password = form.querySelector("#login-password").value;
      try {
        me = await send("POST", "/api/v1/session", { user, password });
        form.querySelector("#login-password").value = "";
        if (can("cameras.read")) await loadNames();
        applyStatic();
        route();
      } catch (x) {
        err.textContent = x.status === 401 ? t("login.failed") : x.status === 429 ? t("login.limited") : t("login.unavailable", x.message);
      }
    } },
    h("label", { for: "login-user" }, t("login.user"), h("input", { id: "login-user", name: "user", autocomplete: "username", required: true, autocapitalize: "none" })),
    h("label", { for: "login-password" }, t("login.password"), h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "primary" }, t("login.submit")), err);
    view.replaceChildren(h("h1", {}, t("login.title")), form);
    document.body.dataset.page = "login";
  }
  // ---- own password ----
  function showPassword() {
    if (stopView) stopView();
    stopView = null; rerender = showPassword;
    const view = pageView();
    const msg = h("p", { role: "status", id: "password-msg" });
    const form = h("form", { class: "login", id: "password-form", onsubmit: async (e) => {
      e.preventDefault();
      try {
        me = await send("POST", "/api/v1/session/password", { old: form.querySelector("#pw-old").value, new: form.querySelector("#pw-new").value });
        form.reset();
        msg.className = "ok"; msg.textContent = t("password.done");
      } catch (x) {
        msg.className = "error";
        msg.textContent = x.status === 403 ? t("password.wrongOld") : t("password.failed", x.message);
      }
    } },
    h("label", { for: "pw-old" }, t("password.old"), h("input", { id: "pw-old", type: "password", autocomplete: "current-password", required: true })),
    h("label", { for: "pw-new" }, t("password.new"), h("input", { id: "pw-new", type: "password", autocomplete: "new-password", required: true, minlength: 10 })),
    h("button", { type: "submit", class: "primary" }, t("password.submit")), msg);
    view.replaceChildren(h("h1", {}, t("password.title")), form);
  }
  document.getElementById("password").addEventListener("click", showPassword);
  document.getElementById("logout").addEventListener("click", async () => {
    try { await send("DELETE", "/api/v1/session"); } catch (_) { /* ended anyway below */ }
    me = null;
    showLogin("");
  });
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem(LANG_KEY, lang);
    applyStatic();
    if (rerender) rerender();
  });

  // ---- cameras ----
  function cameraState(c) {
    if (c.status === "online" && c.reason) return "degraded";
    return c.status || "unknown";
  }
  const stateRank = { offline: 0, unknown: 1, degraded: 2, online: 3 };

  function statusBadge(state) {
    return h("span", { class: "badge st-" + state, "data-status": state }, t("status." + state));
  }

  function camerasPage(view, params) {
    let cams = null, err = null, at = null;
    const filters = { program: params.get("program") || "", ward: params.get("ward") || "", status: params.get("status") || "", reason: params.get("reason") || "" };
    let dup = new Set(); // ids more than one site has: those cards name their site
    async function load() {
      try { cams = (await getJSON("/api/v1/cameras")).cameras; err = null; at = new Date(); }
      catch (e) { err = e.message; }
      render();
    }
    function select(name, values, label) {
      const id = "f-" + name;
      return h("label", { for: id }, label,
        h("select", { id, name, onchange: (e) => { filters[name] = e.target.value; render(); } },
          h("option", { value: "" }, t("common.all")),
          values.map(([v, text]) => h("option", { value: v, selected: filters[name] === v }, text))));
    }
    // thumb is the camera's latest picture (a motion start, a picture
    // fault or the edge's periodic thumbnail), for those who may see it.
    function thumb(c) {
      const alt = t("cameras.thumbAlt", camName(c.id, c.labels, c.site));
      if (c.snapshot && can("snapshots.read")) {
        return h("img", { class: "thumb", src: "/api/v1/events/" + encodeURIComponent(c.snapshot.id) + "/snapshot", alt,
          width: 320, height: 180, loading: "lazy", decoding: "async", title: c.snapshot.at ? t("cameras.thumbAt", fmtTime(c.snapshot.at)) : null });
      }
      return h("div", { class: "thumb none", role: "img", "aria-label": alt }, can("snapshots.read") ? t("cameras.noThumb") : "");
    }
    function card(c) {
      const st = cameraState(c);
      const lab = c.labels || {};
      const name = camName(c.id, lab, c.site);
      const title = can("events.read") ? h("a", { href: camHref(c.site, c.id), title: t("cameras.timeline"), class: "name" }, name) : h("span", { class: "name" }, name);
      const figures = st === "online" || st === "degraded"
        ? [fmtNum(c.fps, 1) + " " + t("cameras.fpsUnit"), fmtNum(c.bitrate_kbps, 0) + " kb/s", c.width ? c.width + "×" + c.height + (c.codec ? " " + c.codec : "") : ""].filter(Boolean).join(" · ")
        : (c.last_frame_age_ms >= 0 && c.frames > 0 ? t("cameras.lastFrame", fmtDur(c.last_frame_age_ms / 1000)) : t("cameras.noFrame"));
      return h("li", { class: "cam row-" + st, "data-camera": c.id, "data-site": c.site, "data-status": st },
        thumb(c),
        h("div", { class: "body" },
          h("div", { class: "head" }, title, statusBadge(st)),
          c.reason ? h("div", { class: "reason" }, reasonText(c.reason)) : null,
          c.since && st !== "online" ? h("div", { class: "sub" }, t("cameras.since", fmtTime(c.since))) : null,
          h("div", { class: "sub where" }, [dup.has(c.id) ? t("cameras.site", c.site) : "", progName(lab.program), wardName(lab.ward)].filter(Boolean).join(" · ")),
          lab.location && lab.location !== name ? h("div", { class: "sub" }, lab.location) : null,
          h("div", { class: "sub figures" }, figures),
          c.motion ? h("div", { class: "motion" }, t("cameras.motion.now")) : null));
    }
    function render() {
      const body = [h("h1", {}, t("cameras.title"))];
      if (err) body.push(h("p", { class: "error", role: "alert" }, t("common.error", err)));
      if (!cams) { body.push(h("p", {}, t("common.loading"))); view.replaceChildren(...body); return; }
      const uniq = (f, name) => [...new Set(cams.map(f).filter(Boolean))].map((v) => [v, name(v)]).sort((a, b) => collate(a[1], b[1]));
      const reasons = uniq((c) => c.reason, reasonText);
      body.push(h("form", { class: "filters", onsubmit: (e) => e.preventDefault() },
        select("program", uniq((c) => c.labels && c.labels.program, progName), t("cameras.filter.program")),
        select("ward", uniq((c) => c.labels && c.labels.ward, wardName), t("cameras.filter.ward")),
        select("status", ["offline", "unknown", "degraded", "online"].map((s) => [s, t("status." + s)]), t("cameras.filter.status")),
        reasons.length ? select("reason", reasons, t("cameras.filter.reason")) : null));
      const list = cams.filter((c) => (!filters.program || (c.labels || {}).program === filters.program) &&
        (!filters.ward || (c.labels || {}).ward === filters.ward) &&
        (!filters.status || cameraState(c) === filters.status) &&
        (!filters.reason || c.reason === filters.reason));
      dup = reused(cams, (c) => c.site, (c) => c.id);
      const names = new Map(list.map((c) => [c.ref, camName(c.id, c.labels, c.site)]));
      list.sort((a, b) => (stateRank[cameraState(a)] ?? 1) - (stateRank[cameraState(b)] ?? 1) || collate(names.get(a.ref), names.get(b.ref)) || collate(a.site || "", b.site || ""));
      const problems = list.filter((c) => cameraState(c) !== "online").length;
      body.push(h("p", { class: "meta" }, t("cameras.count", list.length, problems), at ? " · " + t("common.updated", fmtTime(at)) : ""));
      body.push(list.length ? h("ul", { class: "camgrid", id: "cameras" }, list.map(card)) : h("p", {}, t("common.none")));
      view.replaceChildren(...body);
    }
    rerender = render;
    load();
    const timer = setInterval(load, 10000);
    return () => clearInterval(timer);
  }

  // ---- live alerts ----
  function alertsPage(view) {
    const alerts = new Map(); // key → {alert, at}
    const forms = new Map(); // key → {what, by, note, error}: open ack/resolve forms survive re-renders
    let lastId = null, es = null, connected = false, err = null, closed = false, retry = null;
    const live = h("div", { class: "sr-only", "aria-live": "polite", id: "alerts-live" });
    const status = h("p", { class: "feed", id: "feed-status" });

    function upsert(a, at) {
      const prev = alerts.get(a.key);
      if (prev && new Date(prev.at) > new Date(at)) return;
      alerts.set(a.key, { alert: a, at });
    }
    function connect() {
      const url = "/api/v1/alerts/stream" + (lastId ? "?last_event_id=" + encodeURIComponent(lastId) : "");
      es = new EventSource(url);
      es.onopen = () => { connected = true; renderStatus(); };
      es.onerror = () => {
        connected = false; renderStatus();
        if (es.readyState === EventSource.CLOSED && !closed) { retry = setTimeout(connect, 3000); }
      };
      for (const kind of ["firing", "acknowledged", "escalated", "resolved"]) {
        es.addEventListener(kind, (ev) => {
          lastId = ev.lastEventId || lastId;
          let tr;
          try { tr = JSON.parse(ev.data); } catch (_) { return; }
          upsert(tr.alert, tr.at);
          if (kind === "firing") live.textContent = t("trigger." + tr.alert.trigger) + " — " + (tr.alert.camera ? camName(tr.alert.camera, tr.alert.labels, tr.alert.site) : tr.alert.agent || "");
          render();
        });
      }
    }
    async function load() {
      try {
        const list = (await getJSON("/api/v1/alerts")).alerts;
        for (const a of list) upsert(a, a.ack ? a.ack.at : a.fired_at);
        err = null;
      } catch (e) { err = e.message; }
      render();
    }
    function renderStatus() {
      status.textContent = connected ? t("alerts.feed.connected") : t("alerts.feed.connecting");
      status.className = "feed " + (connected ? "ok" : "down");
    }
    async function act(a, what, note, msg) {
      try {
        const tr = await send("POST", "/api/v1/alerts/" + encodeURIComponent(a.key) + "/" + what, { note });
        forms.delete(a.key);
        upsert(tr.alert, tr.at);
        render();
      } catch (e) { const f = forms.get(a.key); if (f) f.error = t("alerts.actionFailed", e.message); msg.textContent = t("alerts.actionFailed", e.message); }
    }
    function actionForm(a, st) {
      const what = st.what;
      const msg = h("p", { class: "error", role: "alert" }, st.error || "");
      const noteId = "note-" + what + "-" + a.id;
      const form = h("form", { class: "act", "data-action": what, onsubmit: (e) => {
        e.preventDefault();
        act(a, what, st.note.trim(), msg);
      } },
      h("label", { for: noteId }, t("alerts.form.note"), h("input", { id: noteId, name: "note", value: st.note, oninput: (e) => { st.note = e.target.value; } })),
      h("div", { class: "buttons" },
        h("button", { type: "submit", class: "primary" }, t("alerts.form.submit")),
        h("button", { type: "button", onclick: () => { forms.delete(a.key); render(); } }, t("alerts.form.cancel"))),
      msg);
      return form;
    }
    function card(a) {
      const open = a.state !== "resolved";
      const actions = h("div", { class: "buttons" });
      const wrap = h("li", { class: "alert sev-" + a.severity + " state-" + a.state, "data-key": a.key, "data-state": a.state });
      const st = open ? forms.get(a.key) : null;
      if (open && !st && can("alerts.handle")) {
        const show = (what) => () => {
          forms.set(a.key, { what, note: "", error: "" });
          render();
          const input = view.querySelector('li.alert[data-key="' + CSS.escape(a.key) + '"] form.act input');
          if (input) input.focus();
        };
        if (a.state === "firing" || a.state === "escalated") actions.append(h("button", { type: "button", class: "ack primary", onclick: show("ack") }, t("alerts.ack")));
        actions.append(h("button", { type: "button", class: "resolve", onclick: show("resolve") }, t("alerts.resolve")));
      }
      const lab = a.labels || {};
      const where = a.camera ? [t("alerts.camera"), " ", can("events.read") ? h("a", { href: camHref(a.site, a.camera) }, camName(a.camera, lab, a.site)) : camName(a.camera, lab, a.site), a.site ? " · " + t("cameras.site", a.site) : ""] : [t("alerts.agent"), " ", a.agent || ""];
      wrap.append(...[
        h("div", { class: "head" },
          h("span", { class: "badge state st-" + a.state }, t("state." + a.state)),
          h("span", { class: "badge sev" }, has("severity." + a.severity) ? t("severity." + a.severity) : a.severity),
          h("strong", {}, has("trigger." + a.trigger) ? t("trigger." + a.trigger) : a.trigger)),
        h("div", {}, where, lab.location && lab.location !== camName(a.camera, lab, a.site) ? " · " + lab.location : "", lab.program ? " · " + progName(lab.program) : ""),
        h("div", { class: "sub" }, t("alerts.rule"), ": ", a.rule, " · ", t("alerts.fired", fmtTime(a.fired_at))),
        a.ack ? h("div", { class: "ackinfo" }, t("alerts.ackBy", a.ack.by, fmtTime(a.ack.at)), a.ack.note ? " — " + t("alerts.note", a.ack.note) : "") : null,
        a.state === "resolved" ? h("div", { class: "ackinfo" }, a.resolved_by === "condition" || a.resolved_by === "rule" || !a.resolved_by
          ? t("alerts.resolvedByCondition", fmtTime(a.resolved_at)) : t("alerts.resolvedBy", a.resolved_by, fmtTime(a.resolved_at)),
          a.note ? " — " + t("alerts.note", a.note) : "") : null,
        st ? null : actions, st ? actionForm(a, st) : null].filter(Boolean));
      return wrap;
    }
    function render() {
      // Keep the focus (and caret) of a form being typed in across the re-render.
      const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("li.alert") ? document.activeElement : null;
      const refocus = focused ? { key: focused.closest("li.alert").dataset.key, name: focused.name, pos: focused.selectionStart } : null;
      for (const k of forms.keys()) if (!alerts.has(k) || alerts.get(k).alert.state === "resolved") forms.delete(k);
      const items = [...alerts.values()].sort((x, y) => new Date(y.alert.fired_at) - new Date(x.alert.fired_at));
      view.replaceChildren(h("h1", {}, t("alerts.title")), status, live,
        err ? h("p", { class: "error", role: "alert" }, t("common.error", err)) : "",
        items.length ? h("ul", { class: "alerts", id: "alerts" }, items.map((x) => card(x.alert))) : h("p", { id: "alerts-empty" }, t("alerts.empty")));
      renderStatus();
      if (refocus && refocus.name) {
        const el = view.querySelector('li.alert[data-key="' + CSS.escape(refocus.key) + '"] [name="' + refocus.name + '"]');
        if (el) { el.focus(); if (refocus.pos != null && el.setSelectionRange) el.setSelectionRange(refocus.pos, refocus.pos); }
      }
    }
    rerender = render;
    render();
    connect(); // first, so nothing fired between the list and the feed is missed
    load();
    return () => { closed = true; clearTimeout(retry); if (es) es.close(); };
  }

  // ---- camera timeline ----
  function timelinePage(view, id, params) {
    const now = new Date();
    const state = {
      from: params.get("from") ? new Date(params.get("from")) : new Date(now.getTime() - 6 * 3600e3),
      to: params.get("to") ? new Date(params.get("to")) : now,
      kind: params.get("kind") || "",
    };
    let data = null, err = null;
    function query(limit) {
      const q = new URLSearchParams({ from: state.from.toISOString(), to: state.to.toISOString() });
      if (state.kind) q.set("kind", state.kind);
      if (limit) q.set("limit", limit);
      return camEventsURL(id) + "?" + q;
    }
    async function load() {
      data = null; render();
      try { data = await getJSON(query()); err = null; } catch (e) { err = e.message; data = { events: [] }; }
      render();
    }
    function detail(e) {
      const hl = e.health, m = e.motion;
      if (e.kind === "health" && hl) {
        const st = hl.status === "online" && hl.reason ? "degraded" : hl.status;
        return [statusBadge(st), hl.reason ? " " + reasonText(hl.reason) : ""];
      }
      if (e.kind === "stats" && hl) return t("detail.stats", fmtNum(hl.fps, 1), fmtNum(hl.bitrate_kbps, 0) + " kb/s");
      if (e.kind === "motion.start" && m) return t("detail.motion", fmtNum(m.score, 2), (m.zones || []).join(", ") || "—");
      if (e.kind === "motion.end" && m) return t("detail.motionEnd", fmtDur(m.duration_s));
      return "";
    }
    // lane draws the camera's status over the range from its health
    // events: a coloured segment per state (unknown before the first).
    function lane(evs) {
      const f = state.from.getTime(), to = Math.min(state.to.getTime(), Date.now()), W = 1000;
      if (!(to > f)) return null;
      const hs = evs.filter((e) => e.kind === "health" && e.health).sort((a, b) => new Date(a.time) - new Date(b.time));
      const segs = [];
      let at = f, st = "unknown";
      for (const e of hs) {
        const x = Math.max(f, Math.min(to, new Date(e.health.since || e.time).getTime()));
        if (x > at) segs.push([at, x, st]);
        at = Math.max(at, x);
        st = e.health.status === "online" && e.health.reason ? "degraded" : e.health.status;
      }
      if (to > at) segs.push([at, to, st]);
      const x = (ms) => ((ms - f) / (to - f) * W).toFixed(1);
      return h("figure", { class: "lane-chart" }, h("figcaption", {}, t("chart.lane")),
        s("svg", { viewBox: "0 0 " + W + " 28", preserveAspectRatio: "none", class: "lane", id: "lane", role: "img", "aria-label": t("chart.laneLabel", fmtTime(state.from), fmtTime(new Date(to))) },
          segs.map(([a, b, stt]) => s("rect", { x: x(a), y: 0, width: Math.max(0.5, x(b) - x(a)), height: 28, class: stt, "data-status": stt },
            s("title", {}, t("status." + stt) + ": " + fmtTime(new Date(a)) + " – " + fmtTime(new Date(b)))))));
    }
    function render() {
      const fromId = "tl-from", toId = "tl-to", kindId = "tl-kind";
      const form = h("form", { class: "filters", onsubmit: (ev) => {
        ev.preventDefault();
        const f = fromLocalInput(form.querySelector("#" + fromId).value), to = fromLocalInput(form.querySelector("#" + toId).value);
        if (f) state.from = f;
        if (to) state.to = to;
        state.kind = form.querySelector("#" + kindId).value;
        load();
      } },
      h("label", { for: fromId }, t("timeline.from"), h("input", { id: fromId, type: "datetime-local", value: toLocalInput(state.from) })),
      h("label", { for: toId }, t("timeline.to"), h("input", { id: toId, type: "datetime-local", value: toLocalInput(state.to) })),
      h("label", { for: kindId }, t("timeline.kind"), h("select", { id: kindId },
        h("option", { value: "" }, t("common.all")),
        ["health", "stats", "motion.start", "motion.end"].map((k) => h("option", { value: k, selected: state.kind === k }, t("kind." + k))))),
      h("button", { type: "submit", class: "primary" }, t("timeline.show")));
      const [tsite, tcam] = id.includes("/") ? id.split("/") : ["", id];
      const body = [h("p", {}, h("a", { href: "#/cameras" }, t("timeline.back"))), h("h1", {}, t("timeline.title", camName(tcam, null, tsite) + (tsite ? " · " + t("cameras.site", tsite) : ""))), form,
        h("p", {}, h("a", { href: query(10000), download: "camwatch-" + id.replace("/", "-") + "-" + state.from.toISOString().replace(/[:.]/g, "") + ".json", id: "download" }, t("timeline.download")))];
      if (err) body.push(h("p", { class: "error", role: "alert" }, t("common.error", err)));
      if (!data) body.push(h("p", {}, t("common.loading")));
      else {
        body.push(h("p", { class: "meta" }, t("timeline.count", data.events.length)));
        if (!state.kind || state.kind === "health") body.push(lane(data.events));
        if (data.truncated) body.push(h("p", { class: "warn" }, t("timeline.truncated", data.limit)));
        const evs = data.events.slice().reverse();
        body.push(evs.length ? h("table", { class: "cards", id: "timeline" },
          h("thead", {}, h("tr", {}, ["time", "kind", "detail", "snapshot"].map((c) => h("th", { scope: "col" }, t("timeline.col." + c))))),
          h("tbody", {}, evs.map((e) => h("tr", { "data-kind": e.kind },
            h("td", { "data-label": t("timeline.col.time") }, fmtTime(e.time)),
            h("td", { "data-label": t("timeline.col.kind") }, has("kind." + e.kind) ? t("kind." + e.kind) : e.kind),
            h("td", { "data-label": t("timeline.col.detail") }, detail(e)),
            h("td", { "data-label": t("timeline.col.snapshot") }, e.snapshot && can("snapshots.read") ? h("a", { href: "/api/v1/events/" + encodeURIComponent(e.id) + "/snapshot", target: "_blank", rel: "noopener" },
              h("img", { class: "thumb", loading: "lazy", src: "/api/v1/events/" + encodeURIComponent(e.id) + "/snapshot", alt: t("timeline.snapshotAlt", fmtTime(e.time)), width: 160, height: 90 })) : ""))))) : h("p", {}, t("common.none")));
      }
      view.replaceChildren(...body);
    }
    rerender = render;
    load();
    return null;
  }

  // ---- charts: inline SVG drawn here (no library; docs/console.md) ----
  const SVGNS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
    for (const c of kids.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }
  function fmtDay(date) {
    const [y, m, d] = date.split("-").map(Number);
    return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", day: "numeric", month: "numeric" }).format(new Date(Date.UTC(y, m - 1, d)));
  }
  // dayBars draws one bar per day (height = value 0..max); each bar has a
  // <title> for hover and a class for its colour, the chart a text
  // summary for screen readers.
  function dayBars(days, opts) {
    const W = 600, H = 120, pad = 22, n = Math.max(days.length, 1), bw = (W - pad) / n;
    const bars = days.map((d, i) => {
      const v = d.value;
      const hgt = v == null ? H - pad : Math.max(1, (H - pad) * Math.min(v, opts.max) / opts.max);
      return s("rect", { x: (pad + i * bw + bw * 0.12).toFixed(1), y: (H - pad - hgt).toFixed(1), width: Math.max(1, bw * 0.76).toFixed(1), height: hgt.toFixed(1),
        class: "bar " + (d.cls || ""), "data-date": d.date }, s("title", {}, fmtDay(d.date) + ": " + (v == null ? t("chart.noData") : opts.fmt(v))));
    });
    const lines = (opts.ticks || []).map((tk) => {
      const y = (H - pad - (H - pad) * tk / opts.max).toFixed(1);
      return [s("line", { x1: pad, x2: W, y1: y, y2: y, class: tk === opts.target ? "target" : "grid" }), s("text", { x: 0, y: Number(y) + 4, class: "tick" }, opts.tickFmt ? opts.tickFmt(tk) : tk)];
    });
    const every = Math.ceil(n / 8);
    const labels = days.map((d, i) => (i % every === 0 ? s("text", { x: (pad + i * bw + bw / 2).toFixed(1), y: H - 6, class: "day", "text-anchor": "middle" }, fmtDay(d.date)) : null));
    return s("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img", "aria-label": opts.label, preserveAspectRatio: "none" },
      s("title", {}, opts.label), lines, bars, labels);
  }

  // ---- uptime ----
  function uptimePage(view, params) {
    const wins = ["24h", "7d", "30d", "90d"];
    let win = wins.includes(params.get("window")) ? params.get("window") : "7d";
    let data = null, err = null, handled = null;
    async function load() {
      data = null; handled = null; render();
      try { data = await getJSON("/api/v1/uptime?group=program&window=" + win); err = null; } catch (e) { err = e.message; }
      render();
      if (data && can("alerts.read")) {
        try { handled = alertsByProgram(data.from, data.measured_to || data.to); } catch (_) { handled = null; }
        handled = await handled;
        render();
      }
    }
    // alertsByProgram counts the alerts fired per local day and program in
    // the window, and the median time to acknowledge, from the alerts API.
    // allKey holds every program's alerts together; no program id can be
    // it (ids are letters, digits, '-' and '_').
    const allKey = "*";
    async function alertsByProgram(from, to) {
      const q = "&from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
      const [open, done] = await Promise.all([getJSON("/api/v1/alerts"), getJSON("/api/v1/alerts?state=resolved" + q)]);
      const out = {};
      const f = new Date(from), e = new Date(to);
      const day = (iso) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
      const seen = new Set();
      for (const a of [...(open.alerts || []), ...(done.alerts || [])]) {
        if (seen.has(a.id)) continue;
        seen.add(a.id);
        const at = new Date(a.fired_at);
        if (at < f || at > e) continue;
        const p = (a.labels || {}).program || "";
        const d = day(a.fired_at);
        // Its program's figures, and the "All programs" card's (allKey).
        for (const k of [p, allKey]) {
          const o = out[k] || (out[k] = { perDay: {}, acks: [], acksPerDay: {} });
          o.perDay[d] = (o.perDay[d] || 0) + 1;
          if (a.ack) {
            const secs = (new Date(a.ack.at) - at) / 1000;
            o.acks.push(secs);
            (o.acksPerDay[d] || (o.acksPerDay[d] = [])).push(secs);
          }
        }
      }
      for (const o of Object.values(out)) {
        o.medianAck = median(o.acks);
        o.medianAckPerDay = {};
        for (const [d, xs] of Object.entries(o.acksPerDay)) o.medianAckPerDay[d] = median(xs);
      }
      return out;
    }
    function median(xs) {
      const v = [...xs].sort((x, y) => x - y), n = v.length;
      return n ? (n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : null;
    }
    function pct(g) { return g.rated ? fmtNum(g.uptime_percent, 2) + " %" : t("uptime.unrated"); }
    function uptimeChart(g) {
      const days = (g.daily || []).map((d) => ({ date: d.date, value: d.rated ? d.uptime_percent : null,
        cls: !d.rated ? "none" : g.target && d.uptime_percent < g.target ? "bad" : "ok" }));
      return dayBars(days, { max: 100, target: g.target || null, ticks: [0, 50, g.target || 100].filter((v, i, a) => a.indexOf(v) === i), tickFmt: (v) => v + "%",
        fmt: (v) => fmtNum(v, 2) + " %", label: t("chart.uptimeLabel", progName(g.key), days.length) });
    }
    function alertsChart(g, a) {
      const days = (g.daily || []).map((d) => ({ date: d.date, value: (a && a.perDay[d.date]) || 0, cls: "alerts" }));
      const max = Math.max(1, ...days.map((d) => d.value));
      return dayBars(days, { max, ticks: [0, max], fmt: (v) => t("chart.alertsN", v), label: t("chart.alertsLabel", progName(g.key), days.length) });
    }
    // ackChart: the median time from firing to acknowledgement of the
    // alerts fired each day (a day without an acknowledged alert is a
    // stub, its title says so).
    function ackChart(g, a) {
      const per = (a && a.medianAckPerDay) || {};
      const days = (g.daily || []).map((d) => ({ date: d.date, value: per[d.date] != null ? per[d.date] : 0, cls: per[d.date] != null ? "ack" : "none" }));
      const max = Math.max(1, ...days.map((d) => d.value));
      return dayBars(days, { max, ticks: [0, max], tickFmt: (v) => v ? fmtDur(v) : "0",
        fmt: (v) => v ? fmtDur(v) : t("chart.noAcks"), label: t("chart.ackLabel", progName(g.key), days.length) });
    }
    function card(g, name, key) {
      const a = handled ? handled[key] : null;
      return h("section", { class: "prog" + (g.missed ? " missed" : ""), "data-group": g.key },
        h("h2", {}, name),
        g.key && dir.programs[g.key] ? h("p", { class: "sub" }, kindName(dir.programs[g.key].kind), " · ", wardName(dir.programs[g.key].ward)) : null,
        h("dl", { class: "figures" },
          h("div", {}, h("dt", {}, t("uptime.col.uptime")), h("dd", { class: "big" }, pct(g))),
          h("div", {}, h("dt", {}, t("uptime.col.target")), h("dd", {}, g.target ? fmtNum(g.target, 2) + " %" : "—",
            g.missed ? [" ", h("span", { class: "badge st-offline" }, t("uptime.missed"))] : g.target ? [" ", h("span", { class: "badge st-online" }, t("uptime.met"))] : null)),
          h("div", {}, h("dt", {}, t("uptime.col.cameras")), h("dd", {}, g.cameras)),
          h("div", {}, h("dt", {}, t("uptime.col.outages")), h("dd", {}, g.outages)),
          h("div", {}, h("dt", {}, t("uptime.col.mttr")), h("dd", {}, g.resolved ? fmtDur(g.mttr_s) : "—")),
          handled ? h("div", {}, h("dt", {}, t("uptime.tta")), h("dd", { class: "tta" }, a && a.medianAck != null ? fmtDur(a.medianAck) : "—")) : null),
        win !== "24h" ? h("figure", { class: "uptime-chart" }, h("figcaption", {}, t("chart.uptimePerDay")), uptimeChart(g)) : null,
        win !== "24h" && handled ? h("figure", { class: "alerts-chart" }, h("figcaption", {}, t("chart.alertsPerDay")), alertsChart(g, a)) : null,
        win !== "24h" && handled ? h("figure", { class: "ack-chart" }, h("figcaption", {}, t("chart.ackPerDay")), ackChart(g, a)) : null);
    }
    function render() {
      const body = [h("h1", {}, t("uptime.title")),
        h("div", { class: "switch", role: "group", "aria-label": t("uptime.window") }, wins.map((w) =>
          h("button", { type: "button", "aria-pressed": String(w === win), "data-window": w, onclick: () => { win = w; load(); } }, t("uptime.window." + w))))];
      if (err) body.push(h("p", { class: "error", role: "alert" }, t("common.error", err)));
      if (!data && !err) body.push(h("p", {}, t("common.loading")));
      if (data) {
        body.push(h("p", { class: "meta" }, t("uptime.period", fmtTime(data.from), fmtTime(data.measured_to || data.to), data.time_zone)));
        if (data.generated) body.push(h("p", { class: "warn", id: "generated" }, t("uptime.generated")));
        body.push(h("div", { class: "progs", id: "uptime" }, (data.groups || []).map((g) => card(g, progName(g.key), g.key)), data.all && (data.groups || []).length > 1 ? card(data.all, t("uptime.all"), allKey) : null));
      }
      view.replaceChildren(...body);
    }
    rerender = render;
    load();
    return null;
  }

  // ---- management: silences, arming, maintenance (as the role allows) ----
  function managePage(view) {
    let silences = null, maint = null, rules = null, cams = [], err = null, msg = "";
    async function load() {
      try {
        const [s, m, r, c] = await Promise.all([
          can("silences.read") ? getJSON("/api/v1/silences") : null,
          can("maintenance.read") ? getJSON("/api/v1/maintenance") : null,
          can("alerts.read") ? getJSON("/api/v1/rules") : null,
          can("silences.write") || can("maintenance.write") ? getJSON("/api/v1/cameras") : null]);
        silences = s ? s.silences || [] : null;
        maint = m ? m.maintenance || [] : null;
        rules = r;
        cams = c ? c.cameras || [] : [];
        err = null;
      } catch (e) { err = e.message; }
      render();
    }
    async function act(fn, done) {
      try { await fn(); msg = done; } catch (e) { msg = t("manage.failed", e.message); }
      await load();
    }
    function progOptions(id) {
      return h("select", { id, required: true }, h("option", { value: "" }, t("manage.choose")),
        Object.values(dir.programs).map((p) => h("option", { value: p.id }, nm(p.name))));
    }
    // cameraOptions is a select of the cameras of the program chosen in
    // progSel, by name, refilled when it changes; "" is the whole program.
    function cameraOptions(id, progSel) {
      const sel = h("select", { id }, h("option", { value: "" }, t("manage.allCameras")));
      progSel.addEventListener("change", () => {
        const inProg = cams.filter((c) => (c.labels || {}).program === progSel.value)
          .map((c) => [c.site + "/" + c.id, camName(c.id, c.labels, c.site)]).sort((a, b) => collate(a[1], b[1]));
        sel.replaceChildren(h("option", { value: "" }, t("manage.allCameras")), ...inProg.map(([v, n]) => h("option", { value: v }, n)));
      });
      return sel;
    }
    // chosenCamera is {site, camera} of a cameraOptions select, or {}.
    function chosenCamera(sel) {
      if (!sel.value) return {};
      const i = sel.value.indexOf("/");
      return { site: sel.value.slice(0, i), camera: sel.value.slice(i + 1) };
    }
    function target(x) {
      if (x.camera) {
        const c = cams.find((c) => c.id === x.camera && (!x.site || c.site === x.site));
        return t("manage.target.camera", camName(x.camera, c && c.labels, x.site));
      }
      if (x.program) return t("manage.target.program", progName(x.program));
      if (x.ward) return t("manage.target.ward", wardName(x.ward));
      return t("manage.target.all");
    }
    function silenceSection() {
      const rows = (silences || []).map((s) => h("li", { class: "item", "data-silence": s.id },
        h("strong", {}, target(s)), s.rule ? " · " + t("manage.rule", s.rule) : "",
        h("div", { class: "sub" }, t("manage.until", fmtTime(s.end)), s.by ? " · " + t("manage.by", s.by) : "", s.comment ? " · " + s.comment : ""),
        can("silences.write") ? h("button", { type: "button", class: "expire", onclick: () => act(() => send("DELETE", "/api/v1/silences/" + encodeURIComponent(s.id)), t("manage.expired")) }, t("manage.expire")) : null));
      const hours = h("select", { id: "sil-hours" }, [1, 2, 4, 8, 24].map((n) => h("option", { value: n }, t("manage.hours", n))));
      // Matchers beyond the program: one of its cameras, one rule (both
      // optional, by name); the silence holds where all of them match.
      const ruleSel = h("select", { id: "sil-rule" }, h("option", { value: "" }, t("manage.allRules")),
        ((rules && rules.rules) || []).map((r) => h("option", { value: r.id }, t("trigger." + r.trigger.type) + " · " + r.id)));
      const progSel = progOptions("sil-program"), camSel = cameraOptions("sil-camera", progSel);
      const form = can("silences.write") ? h("form", { class: "filters", id: "silence-form", onsubmit: (e) => {
        e.preventDefault();
        const end = new Date(Date.now() + Number(hours.value) * 3600e3).toISOString();
        const body = { program: progSel.value, end, comment: form.querySelector("#sil-comment").value.trim() || undefined };
        Object.assign(body, chosenCamera(camSel));
        if (ruleSel.value) body.rule = ruleSel.value;
        act(() => send("POST", "/api/v1/silences", body), t("manage.silenced"));
      } },
      h("label", { for: "sil-program" }, t("manage.program"), progSel),
      h("label", { for: "sil-camera" }, t("manage.camera"), camSel),
      rules ? h("label", { for: "sil-rule" }, t("manage.ruleLabel"), ruleSel) : null,
      h("label", { for: "sil-hours" }, t("manage.for"), hours),
      h("label", { for: "sil-comment" }, t("manage.comment"), h("input", { id: "sil-comment", maxlength: 500 })),
      h("button", { type: "submit", class: "primary" }, t("manage.silence"))) : null;
      return h("section", { class: "manage", id: "silences" }, h("h2", {}, t("manage.silences")), form,
        rows.length ? h("ul", { class: "items" }, rows) : h("p", {}, t("manage.noSilences")));
    }
    // schedText says when a rule may fire, in the site's words.
    function schedText(r) {
      const sc = r.schedule || {};
      if (!(sc.days || []).length && !(sc.windows || []).length) return t("manage.rule.always");
      return [(sc.days || []).join(", "), (sc.windows || []).join(", ")].filter(Boolean).join(" ");
    }
    function matchText(m) {
      const parts = [].concat((m.programs || []).map(progName), (m.wards || []).map(wardName), (m.cameras || []).map((c) => camName(c)), m.sites || [], m.vendors || []);
      return parts.length ? parts.join(", ") : t("manage.rule.allCameras");
    }
    // motionRules are the motion rules that can fire for program p.
    function motionRules(p) {
      return ((rules && rules.rules) || []).filter((r) => r.trigger.type === "motion"
        && (!(r.match.programs || []).length || r.match.programs.includes(p.id))
        && (!(r.match.wards || []).length || r.match.wards.includes(p.ward)));
    }
    function rulesSection() {
      const rows = rules.rules.map((r) => h("li", { class: "item", "data-rule": r.id },
        h("strong", {}, t("trigger." + r.trigger.type)), " · ", r.id,
        r.trigger.for_s ? " · " + t("manage.rule.for", fmtDur(r.trigger.for_s)) : "",
        r.description ? h("div", { class: "sub" }, r.description) : null,
        h("div", { class: "sub" }, matchText(r.match), " · ", schedText(r), " · ",
          h("span", { class: "sched", "data-active": String(r.active_now) }, t(r.active_now ? "manage.rule.activeNow" : "manage.rule.inactiveNow")),
          " · ", t("manage.rule.severity." + (r.severity || "warning")), r.receivers.length ? " · " + t("manage.rule.receivers", r.receivers.join(", ")) : "")));
      return h("section", { class: "manage", id: "rules" }, h("h2", {}, t("manage.rules")),
        h("p", { class: "sub", id: "rules-file" }, t("manage.rulesFile", rules.file)),
        rows.length ? h("ul", { class: "items" }, rows) : h("p", {}, t("manage.noRules")));
    }
    function armSection() {
      const off = new Set(rules ? rules.disarmed : []);
      return h("section", { class: "manage", id: "arming" }, h("h2", {}, t("manage.arming")), h("p", { class: "sub" }, t("manage.armingHelp")),
        h("ul", { class: "items" }, Object.values(dir.programs).map((p) => h("li", { class: "item", "data-program": p.id, "data-armed": rules ? String(!off.has(p.id)) : "unknown" },
          h("strong", {}, nm(p.name)), " · ", kindName(p.kind),
          rules ? h("span", { class: "badge " + (off.has(p.id) ? "st-offline" : "st-online") }, t(off.has(p.id) ? "manage.disarmedState" : "manage.armedState")) : null,
          rules ? h("div", { class: "sub sched" }, motionRules(p).length
            ? t("manage.motionRules", motionRules(p).map((r) => r.id + " (" + schedText(r) + ")").join(", "))
            : t("manage.noMotionRules")) : null,
          // Who may not arm still reads whether motion raises alerts.
          can("programs.arm") ? h("div", { class: "buttons" },
            h("button", { type: "button", class: "arm", onclick: () => act(() => send("POST", "/api/v1/programs/" + encodeURIComponent(p.id) + "/arm"), t("manage.armed", nm(p.name))) }, t("manage.arm")),
            h("button", { type: "button", class: "disarm", onclick: () => act(() => send("POST", "/api/v1/programs/" + encodeURIComponent(p.id) + "/disarm"), t("manage.disarmed", nm(p.name))) }, t("manage.disarm"))) : null))));
    }
    function maintSection() {
      const rows = (maint || []).map((m) => h("li", { class: "item", "data-maintenance": m.id },
        h("strong", {}, target(m)), h("div", { class: "sub" }, fmtTime(m.start), " – ", fmtTime(m.end), m.by ? " · " + t("manage.by", m.by) : "", m.note ? " · " + m.note : ""),
        can("maintenance.write") ? h("button", { type: "button", class: "end", onclick: () => act(() => send("DELETE", "/api/v1/maintenance/" + encodeURIComponent(m.id)), t("manage.ended")) }, t("manage.end")) : null));
      const hours = h("select", { id: "mt-hours" }, [1, 2, 4, 8, 24, 72].map((n) => h("option", { value: n }, t("manage.hours", n))));
      const progSel = progOptions("mt-program"), camSel = cameraOptions("mt-camera", progSel);
      const form = can("maintenance.write") ? h("form", { class: "filters", id: "maintenance-form", onsubmit: (e) => {
        e.preventDefault();
        const end = new Date(Date.now() + Number(hours.value) * 3600e3).toISOString();
        // One camera's window names the camera alone; else the program.
        const where = camSel.value ? chosenCamera(camSel) : { program: progSel.value };
        act(() => send("POST", "/api/v1/maintenance", Object.assign(where, { end, note: form.querySelector("#mt-note").value.trim() })), t("manage.planned"));
      } },
      h("label", { for: "mt-program" }, t("manage.program"), progSel),
      h("label", { for: "mt-camera" }, t("manage.camera"), camSel),
      h("label", { for: "mt-hours" }, t("manage.for"), hours),
      h("label", { for: "mt-note" }, t("manage.note"), h("input", { id: "mt-note", required: true, maxlength: 500 })),
      h("button", { type: "submit", class: "primary" }, t("manage.plan"))) : null;
      return h("section", { class: "manage", id: "maintenance" }, h("h2", {}, t("manage.maintenance")), form,
        rows.length ? h("ul", { class: "items" }, rows) : h("p", {}, t("manage.noMaintenance")));
    }
    function render() {
      // replaceChildren would write a null as the text "null".
      view.replaceChildren(...[h("h1", {}, t("manage.title")),
        h("p", { role: "status", id: "manage-msg", class: "ok" }, msg),
        err ? h("p", { class: "error", role: "alert" }, t("common.error", err)) : null,
        silences !== null ? silenceSection() : null,
        can("programs.arm") || rules ? armSection() : null,
        maint !== null ? maintSection() : null,
        rules ? rulesSection() : null].filter(Boolean));
    }
    rerender = render;
    render();
    load();
    return null;
  }

  // ---- program review (printable) ----
  function reviewPage(view) {
    const now = new Date();
    const month = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    const state = { ward: Object.keys(dir.wards)[0] || "", period: month.getFullYear() + "-" + String(month.getMonth() + 1).padStart(2, "0") };
    function link() {
      return "/api/v1/review?" + new URLSearchParams({ ward: state.ward, period: state.period, lang });
    }
    function render() {
      const a = h("a", { id: "review-link", class: "button primary", href: link(), target: "_blank", rel: "noopener" }, t("review.open"));
      const update = () => { a.href = link(); };
      view.replaceChildren(h("h1", {}, t("review.title")), h("p", { class: "sub" }, t("review.help")),
        h("form", { class: "filters", onsubmit: (e) => e.preventDefault() },
          h("label", { for: "rv-ward" }, t("cameras.filter.ward"), h("select", { id: "rv-ward", onchange: (e) => { state.ward = e.target.value; update(); } },
            Object.values(dir.wards).map((w) => h("option", { value: w.id, selected: w.id === state.ward }, nm(w.name))))),
          h("label", { for: "rv-period" }, t("review.period"), h("input", { id: "rv-period", value: state.period, pattern: "\\d{4}-(\\d{2}|Q[1-4])", size: 8,
            oninput: (e) => { state.period = e.target.value.trim(); update(); } }))),
        h("p", {}, a));
    }
    rerender = render;
    render();
    return null;
  }

  // ---- routing ----
  function route() {
    if (stopView) stopView();
    stopView = null; rerender = null;
    const raw = location.hash.replace(/^#\/?/, "");
    const [path, qs] = raw.split("?");
    const params = new URLSearchParams(qs || "");
    const parts = path.split("/").map(decodeURIComponent);
    let page = parts[0] || "cameras";
    if (!me) { showLogin(""); return; }
    const view = pageView();
    const need = { alerts: "alerts.read", uptime: "uptime.read", camera: "events.read", cameras: "cameras.read", review: "uptime.read", investigate: "timeline.read", manage: "cameras.read", users: "users.manage" }[page] || "cameras.read";
    document.body.dataset.page = page;
    if (!can(need) || (page === "manage" && !canManage())) {
      rerender = () => route();
      view.replaceChildren(h("h1", {}, t("app.title")), h("p", { class: "warn", id: "denied" }, t("denied")));
    } else if (page === "alerts") stopView = alertsPage(view);
    else if (page === "uptime") stopView = uptimePage(view, params);
    else if (page === "review") stopView = reviewPage(view);
    else if (page === "manage") stopView = managePage(view);
    else if (page === "camera" && parts[1]) { stopView = timelinePage(view, parts.slice(1, 3).join("/"), params); page = "cameras"; }
    else if (page === "investigate" && window.CAMWATCH_PAGES && window.CAMWATCH_PAGES.investigate) {
      stopView = window.CAMWATCH_PAGES.investigate(view, params, { h, t, fmtTime, fmtDur, reasonText, getJSON, send, can, progName, wardName, camName,
        toLocalInput, fromLocalInput, setRerender: (f) => { rerender = f; } });
    }
    else if (page === "users" && window.CAMWATCH_PAGES && window.CAMWATCH_PAGES.users) {
      const byName = (m) => Object.values(m).map((x) => ({ id: x.id, label: nm(x.name) })).sort((a, b) => collate(a.label, b.label));
      stopView = window.CAMWATCH_PAGES.users(view, { h, t, fmtTime, getJSON, send, can, progName, wardName, camName,
        programs: () => byName(dir.programs), wards: () => byName(dir.wards), me: () => me, setRerender: (f) => { rerender = f; } });
    }
    else { page = "cameras"; stopView = camerasPage(view, params); }
    for (const a of document.querySelectorAll("nav a")) {
      if (a.dataset.route === page) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
  }

  async function start() {
    // The zone and who is signed in, in parallel: one round trip less
    // before the first page.
    const [cfg, who] = await Promise.all([getJSON("config.json").catch(() => null), getJSON("/api/v1/session").catch(() => null)]);
    if (cfg && cfg.time_zone) timeZone = cfg.time_zone;
    if (cfg && cfg.notice) notice = cfg.notice;
    me = who;
    if (me && can("cameras.read")) await loadNames();
    applyStatic();
    window.addEventListener("hashchange", route);
    route();
    document.body.dataset.ready = "1";
  }
  start();
})();
