// The investigation page (#/investigate): many cameras' lanes over a
// window in the site's zone, each with its coverage drawn as a bar and
// its motion marks, zoomable from the whole window down to minutes; a
// mark opens its snapshot large (and its clip). Cases of the view can be
// opened, exported and (by admins) closed. Text goes on the page with
// textContent only. app.js calls CAMWATCH_PAGES.investigate with its
// helpers.
"use strict";
(function () {
  Object.assign(window.CAMWATCH_I18N.vi, {
    "nav.investigate": "Điều tra",
    "inv.title": "Điều tra: dòng thời gian nhiều camera",
    "inv.area": "Khu vực",
    "inv.area.program": "Chương trình",
    "inv.area.ward": "Phường",
    "inv.area.camera": "Camera",
    "inv.ids": "Mã (cách nhau bằng dấu phẩy)",
    "inv.from": "Từ",
    "inv.to": "Đến",
    "inv.show": "Xem",
    "inv.zoom": "Thu phóng",
    "inv.zoom.all": "Cả khoảng",
    "inv.zoom.in": "Phóng to",
    "inv.zoom.out": "Thu nhỏ",
    "inv.pan.left": "◀ Trước",
    "inv.pan.right": "Sau ▶",
    "inv.visible": "Đang xem {0} – {1} ({2})",
    "inv.lanes": "{0} camera, {1} sự kiện chuyển động",
    "inv.legend": "Chú giải",
    "inv.state.online": "Hoạt động",
    "inv.state.degraded": "Suy giảm",
    "inv.state.offline": "Mất kết nối",
    "inv.state.unknown": "Không rõ (mất agent)",
    "inv.state.maintenance": "Bảo trì",
    "inv.state.unmonitored": "Không giám sát",
    "inv.mark": "Chuyển động lúc {0}",
    "inv.close": "Đóng",
    "inv.snapshot": "Ảnh chụp lúc {0}",
    "inv.clip": "Đoạn phim",
    "inv.noSnapshot": "Không có ảnh chụp",
    "inv.truncated": "Camera {0} có nhiều sự kiện hơn giới hạn; chỉ hiện phần đầu",
    "inv.cases": "Hồ sơ vụ việc",
    "inv.case.number": "Số hồ sơ",
    "inv.case.title": "Tiêu đề",
    "inv.case.reason": "Lý do",
    "inv.case.open": "Mở hồ sơ cho khu vực và thời gian này",
    "inv.case.opened": "Đã mở hồ sơ {0}; dữ liệu được giữ lại tới khi quản trị viên đóng hồ sơ.",
    "inv.case.held": "Giữ: {0} sự kiện, {1} ảnh, {2} đoạn phim, {3} thiếu",
    "inv.case.capped": "Danh sách sự kiện bị cắt (quá nhiều sự kiện cho mỗi camera): {0}",
    "inv.case.export": "Xuất gói chứng cứ",
    "inv.case.exportReason": "Lý do xuất (ghi vào nhật ký)",
    "inv.case.exporting": "Đang xuất…",
    "inv.case.closeIt": "Đóng hồ sơ",
    "inv.case.closeNote": "Lý do đóng",
    "inv.case.status.open": "Đang giữ dữ liệu",
    "inv.case.status.closed": "Đã đóng",
    "inv.case.none": "Chưa có hồ sơ.",
    "inv.key": "Khóa công khai kiểm chứng",
  });
  Object.assign(window.CAMWATCH_I18N.en, {
    "nav.investigate": "Investigate",
    "inv.title": "Investigation: many cameras' timeline",
    "inv.area": "Area",
    "inv.area.program": "Program",
    "inv.area.ward": "Ward",
    "inv.area.camera": "Cameras",
    "inv.ids": "Ids (comma-separated)",
    "inv.from": "From",
    "inv.to": "To",
    "inv.show": "Show",
    "inv.zoom": "Zoom",
    "inv.zoom.all": "Whole window",
    "inv.zoom.in": "Zoom in",
    "inv.zoom.out": "Zoom out",
    "inv.pan.left": "◀ Earlier",
    "inv.pan.right": "Later ▶",
    "inv.visible": "Showing {0} – {1} ({2})",
    "inv.lanes": "{0} cameras, {1} motion events",
    "inv.legend": "Legend",
    "inv.state.online": "Online",
    "inv.state.degraded": "Degraded",
    "inv.state.offline": "Offline",
    "inv.state.unknown": "Unknown (agent lost)",
    "inv.state.maintenance": "Maintenance",
    "inv.state.unmonitored": "Not monitored",
    "inv.mark": "Motion at {0}",
    "inv.close": "Close",
    "inv.snapshot": "Snapshot at {0}",
    "inv.clip": "Clip",
    "inv.noSnapshot": "No snapshot",
    "inv.truncated": "Camera {0} has more events than the limit; only the first are shown",
    "inv.cases": "Cases",
    "inv.case.number": "Case number",
    "inv.case.title": "Title",
    "inv.case.reason": "Reason",
    "inv.case.open": "Open a case for this area and window",
    "inv.case.opened": "Case {0} opened; its data is held until an admin closes it.",
    "inv.case.held": "Held: {0} events, {1} snapshots, {2} clips, {3} missing",
    "inv.case.capped": "Events cut off (more than a hold keeps per camera): {0}",
    "inv.case.export": "Export evidence bundle",
    "inv.case.exportReason": "Reason for the export (audited)",
    "inv.case.exporting": "Exporting…",
    "inv.case.closeIt": "Close case",
    "inv.case.closeNote": "Why it is closed",
    "inv.case.status.open": "Holding data",
    "inv.case.status.closed": "Closed",
    "inv.case.none": "No cases yet.",
    "inv.key": "Public verification key",
  });

  const STATES = ["online", "degraded", "offline", "unknown", "maintenance", "unmonitored"];
  const ZOOMS = [24 * 3600e3, 6 * 3600e3, 3600e3, 15 * 60e3, 5 * 60e3, 60e3];

  window.CAMWATCH_PAGES = window.CAMWATCH_PAGES || {};
  window.CAMWATCH_PAGES.investigate = function (view, params, c) {
    const { h, t, fmtTime, fmtDur, reasonText, getJSON, send, can, toLocalInput, fromLocalInput } = c;
    // Names, not ids (app.js's directory); the ids stay in links and data.
    const progName = c.progName || ((x) => x), wardName = c.wardName || ((x) => x), camName = c.camName || ((x) => x);
    const now = new Date();
    const state = {
      kind: ["program", "ward", "camera"].find((k) => params.get(k)) || "program",
      ids: params.get("program") || params.get("ward") || params.get("camera") || "",
      from: params.get("from") ? new Date(params.get("from")) : new Date(now.getTime() - 24 * 3600e3),
      to: params.get("to") ? new Date(params.get("to")) : now,
    };
    let data = null, err = null, vs = 0, ve = 0, cases = null, caseMsg = "", multiSite = false;
    const clips = {}; // motion id → true when a clip event names it

    function query() {
      // The page draws motion starts and needs the clips; the coverage
      // comes with the cameras. Asking only for those halves the answer.
      const q = new URLSearchParams({ from: state.from.toISOString(), to: state.to.toISOString(), kind: "motion.start,clip" });
      if (state.ids.trim()) q.set(state.kind, state.ids.trim());
      return q;
    }
    async function load() {
      data = null; err = null; render();
      try {
        data = await getJSON("/api/v1/timeline?" + query());
        vs = new Date(data.from).getTime(); ve = new Date(data.to).getTime();
        for (const e of data.events) if (e.kind === "clip" && e.clip) clips[e.clip.motion] = true;
      } catch (e) { err = e.message; }
      render();
      loadCases();
    }
    async function loadCases() {
      if (!can("cases.read")) return;
      try { cases = (await getJSON("/api/v1/cases")).cases; } catch (e) { cases = []; caseMsg = e.message; }
      renderCases();
    }

    // at positions el through the CSSOM (the console's CSP refuses style
    // attributes): left and width in percent of the lane.
    function at(el, left, width) {
      el.style.left = left.toFixed(3) + "%";
      if (width !== undefined) el.style.width = width.toFixed(3) + "%";
      return el;
    }
    // pct places instant ms on the visible window, in percent.
    function pct(ms) { return (ms - vs) / (ve - vs) * 100; }
    function zoomTo(span, center) {
      const lo = new Date(data.from).getTime(), hi = new Date(data.to).getTime();
      span = Math.max(60e3, Math.min(span, hi - lo));
      let s = center - span / 2;
      s = Math.max(lo, Math.min(s, hi - span));
      vs = s; ve = s + span;
      renderLanes();
    }

    function lane(cam, marks) {
      const bar = h("div", { class: "cov", role: "img", "aria-label": t("inv.legend") });
      for (const iv of cam.coverage || []) {
        const a = Math.max(vs, new Date(iv.from).getTime()), b = Math.min(ve, new Date(iv.to).getTime());
        if (b <= a) continue;
        const w = pct(b) - pct(a);
        if (w < 0.05) continue; // narrower than a pixel of a wide screen
        bar.append(at(h("span", { class: "seg cov-" + iv.state, "data-state": iv.state,
          title: t("inv.state." + iv.state) + (iv.reason ? " (" + reasonText(iv.reason) + ")" : "") + " · " + fmtTime(iv.from) + " – " + fmtTime(iv.to) }), pct(a), w));
      }
      // One listener per lane, not per mark: a day of 50 cameras draws
      // thousands of marks at every zoom step.
      const byID = new Map();
      const track = h("div", { class: "marks", onclick: (ev) => {
        const b = ev.target.closest("button.mark");
        if (b && byID.has(b.dataset.event)) showMark(cam, byID.get(b.dataset.event));
      } });
      const buttons = [];
      for (const e of marks) {
        const ms = new Date(e.time).getTime();
        if (ms < vs || ms > ve) continue;
        const label = t("inv.mark", fmtTime(e.time));
        byID.set(e.id, e);
        buttons.push(at(h("button", { type: "button", class: "mark" + (e.snapshot ? " snap" : ""), "data-event": e.id,
          title: label, "aria-label": label }), pct(ms)));
      }
      track.append(...buttons);
      bar.addEventListener("dblclick", (ev) => {
        const r = bar.getBoundingClientRect();
        zoomTo((ve - vs) / 4, vs + (ev.clientX - r.left) / r.width * (ve - vs));
      });
      // A camera is (site, camera): the link names both.
      return h("div", { class: "lane", "data-camera": cam.id, "data-site": cam.site, "data-ref": cam.site + "/" + cam.id },
        h("div", { class: "lane-name" }, h("a", { href: "#/camera/" + encodeURIComponent(cam.site) + "/" + encodeURIComponent(cam.id) }, camName(cam.id, { location: cam.location }, cam.site)),
          h("small", {}, [multiSite ? cam.site : "", progName(cam.program), wardName(cam.ward), cam.location].filter(Boolean).join(" · "))),
        h("div", { class: "lane-body" }, bar, track));
    }

    function showMark(cam, e) {
      const body = [h("h2", {}, cam.id + (multiSite ? " · " + cam.site : "") + " · " + fmtTime(e.time))];
      if (e.snapshot && can("snapshots.read")) {
        body.push(h("img", { class: "large", id: "mark-snapshot", src: "/api/v1/events/" + encodeURIComponent(e.id) + "/snapshot", alt: t("inv.snapshot", fmtTime(e.time)) }));
      } else body.push(h("p", {}, t("inv.noSnapshot")));
      if (clips[e.id] && can("clips.read")) {
        body.push(h("h3", {}, t("inv.clip")), h("video", { id: "mark-clip", controls: true, preload: "metadata", src: "/api/v1/events/" + encodeURIComponent(e.id) + "/clip" }));
      }
      if (e.motion) body.push(h("p", { class: "meta" }, "score " + e.motion.score + (e.motion.zones ? " · " + e.motion.zones.join(", ") : "")));
      const dlg = h("dialog", { id: "mark-dialog", class: "mark-dialog" }, ...body,
        h("form", { method: "dialog" }, h("button", { type: "submit", class: "primary" }, t("inv.close"))));
      dlg.addEventListener("close", () => dlg.remove());
      document.body.append(dlg);
      dlg.showModal();
    }

    let lanesEl = null, casesEl = null;
    function renderLanes() {
      if (!lanesEl || !data) return;
      const byCam = {};
      multiSite = new Set(data.cameras.map((c) => c.site)).size > 1;
      // Lanes are cameras by reference: ids are unique per site only.
      for (const e of data.events) if (e.kind === "motion.start") (byCam[e.site + "/" + e.camera] = byCam[e.site + "/" + e.camera] || []).push(e);
      const nMarks = data.events.filter((e) => e.kind === "motion.start").length;
      const zoom = h("div", { class: "switch", role: "group", "aria-label": t("inv.zoom") },
        h("button", { type: "button", id: "pan-left", onclick: () => zoomTo(ve - vs, vs) }, t("inv.pan.left")),
        h("button", { type: "button", "data-zoom": "all", onclick: () => zoomTo(Infinity, 0) }, t("inv.zoom.all")),
        ZOOMS.map((z) => h("button", { type: "button", "data-zoom": String(z / 60e3), "aria-pressed": String(Math.abs((ve - vs) - z) < 1000), onclick: () => zoomTo(z, (vs + ve) / 2) }, fmtDur(z / 1000))),
        h("button", { type: "button", id: "zoom-in", onclick: () => zoomTo((ve - vs) / 2, (vs + ve) / 2) }, t("inv.zoom.in")),
        h("button", { type: "button", id: "zoom-out", onclick: () => zoomTo((ve - vs) * 2, (vs + ve) / 2) }, t("inv.zoom.out")),
        h("button", { type: "button", id: "pan-right", onclick: () => zoomTo(ve - vs, ve + (ve - vs)) }, t("inv.pan.right")));
      const legend = h("p", { class: "legend" }, t("inv.legend") + ": ", STATES.map((s) => h("span", { class: "key cov-" + s }, t("inv.state." + s))));
      const ticks = h("div", { class: "ticks" });
      for (let i = 0; i <= 4; i++) ticks.append(at(h("span", {}, fmtTime(new Date(vs + (ve - vs) * i / 4).toISOString())), i * 25));
      const warn = data.cameras.filter((c) => c.truncated).map((c) => h("p", { class: "warn" }, t("inv.truncated", c.id)));
      lanesEl.replaceChildren(
        h("p", { class: "meta", id: "visible" }, t("inv.visible", fmtTime(new Date(vs).toISOString()), fmtTime(new Date(ve).toISOString()), data.time_zone)),
        h("p", { class: "meta" }, t("inv.lanes", data.cameras.length, nMarks)), zoom, legend, ...warn,
        h("div", { class: "lanes", id: "lanes" }, h("div", { class: "lane" }, h("div", { class: "lane-name" }), h("div", { class: "lane-body" }, ticks)),
          data.cameras.map((cam) => lane(cam, byCam[cam.site + "/" + cam.id] || []))));
    }

    function renderCases() {
      if (!casesEl || !can("cases.read")) return;
      const items = (cases || []).map((cs) => {
        const li = h("li", { "data-case": cs.id },
          h("strong", {}, cs.number), " · " + cs.title + " · ", h("span", { class: "badge st-" + (cs.status === "open" ? "online" : "unknown") }, t("inv.case.status." + cs.status)),
          h("br"), h("small", {}, fmtTime(cs.query.from) + " – " + fmtTime(cs.query.to) + " · " + cs.cameras.map((x) => x.id).join(", ")),
          h("br"), h("small", {}, t("inv.case.held", cs.held.events, cs.held.snapshots, cs.held.clips, cs.held.missing)),
          cs.held.capped ? [h("br"), h("small", { class: "warn" }, t("inv.case.capped", cs.held.capped.join(", ")))] : null);
        if (cs.status === "open" && can("evidence.export")) {
          const reason = h("input", { type: "text", required: true, "aria-label": t("inv.case.exportReason"), placeholder: t("inv.case.exportReason") });
          li.append(h("form", { class: "inline", onsubmit: async (ev) => {
            ev.preventDefault();
            const btn = ev.target.querySelector("button"); btn.disabled = true; btn.textContent = t("inv.case.exporting");
            try {
              const res = await fetch("/api/v1/cases/" + encodeURIComponent(cs.id) + "/export", { method: "POST", credentials: "same-origin",
                headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason: reason.value }) });
              if (!res.ok) { let m = res.status; try { m = (await res.json()).error; } catch (_) {} throw new Error(m); }
              const url = URL.createObjectURL(await res.blob());
              const a = h("a", { href: url, download: "camwatch-case-" + cs.number.replace(/[^A-Za-z0-9_-]/g, "_") + ".zip" });
              document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(url), 60e3);
            } catch (e) { caseMsg = t("common.error", e.message); }
            btn.disabled = false; btn.textContent = t("inv.case.export"); renderCases();
          } }, reason, h("button", { type: "submit" }, t("inv.case.export"))));
        }
        if (cs.status === "open" && can("cases.close")) {
          const note = h("input", { type: "text", required: true, "aria-label": t("inv.case.closeNote"), placeholder: t("inv.case.closeNote") });
          li.append(h("form", { class: "inline", onsubmit: async (ev) => {
            ev.preventDefault();
            try { await send("POST", "/api/v1/cases/" + encodeURIComponent(cs.id) + "/close", { note: note.value }); } catch (e) { caseMsg = t("common.error", e.message); }
            loadCases();
          } }, note, h("button", { type: "submit" }, t("inv.case.closeIt"))));
        }
        return li;
      });
      const parts = [h("h2", {}, t("inv.cases"))];
      if (caseMsg) parts.push(h("p", { class: "meta", role: "status", id: "case-msg" }, caseMsg));
      parts.push(items.length ? h("ul", { class: "cases", id: "cases" }, items) : h("p", {}, t("inv.case.none")));
      if (can("cases.write") && data) {
        const f = (name) => h("label", {}, t("inv.case." + name), h("input", { name, type: "text", required: true }));
        parts.push(h("form", { class: "filters", id: "open-case", onsubmit: async (ev) => {
          ev.preventDefault();
          const fd = new FormData(ev.target), area = state.ids.split(",").map((s) => s.trim()).filter(Boolean);
          const body = { number: fd.get("number"), title: fd.get("title"), reason: fd.get("reason"), from: state.from.toISOString(), to: state.to.toISOString(),
            programs: state.kind === "program" ? area : [], wards: state.kind === "ward" ? area : [], cameras: state.kind === "camera" ? area : [] };
          try { const cs = await send("POST", "/api/v1/cases", body); caseMsg = t("inv.case.opened", cs.number); } catch (e) { caseMsg = t("common.error", e.message); }
          loadCases();
        } }, f("number"), f("title"), f("reason"), h("button", { type: "submit", class: "primary" }, t("inv.case.open"))));
      }
      parts.push(h("p", {}, h("a", { href: "/api/v1/evidence/key", download: "camwatch-evidence-key.pem" }, t("inv.key"))));
      casesEl.replaceChildren(...parts);
    }

    function render() {
      const form = h("form", { class: "filters", id: "inv-form", onsubmit: (ev) => {
        ev.preventDefault();
        state.kind = form.querySelector("#inv-kind").value;
        state.ids = form.querySelector("#inv-ids").value;
        const f = fromLocalInput(form.querySelector("#inv-from").value), to = fromLocalInput(form.querySelector("#inv-to").value);
        if (f) state.from = f;
        if (to) state.to = to;
        location.hash = "#/investigate?" + new URLSearchParams({ [state.kind]: state.ids, from: state.from.toISOString(), to: state.to.toISOString() });
      } },
      h("label", { for: "inv-kind" }, t("inv.area"), h("select", { id: "inv-kind" }, ["program", "ward", "camera"].map((k) => h("option", { value: k, selected: state.kind === k }, t("inv.area." + k))))),
      h("label", { for: "inv-ids" }, t("inv.ids"), h("input", { id: "inv-ids", type: "text", value: state.ids })),
      h("label", { for: "inv-from" }, t("inv.from"), h("input", { id: "inv-from", type: "datetime-local", value: toLocalInput(state.from) })),
      h("label", { for: "inv-to" }, t("inv.to"), h("input", { id: "inv-to", type: "datetime-local", value: toLocalInput(state.to) })),
      h("button", { type: "submit", class: "primary" }, t("inv.show")));
      lanesEl = h("section", { id: "inv-lanes" });
      casesEl = h("section", { id: "inv-cases" });
      const body = [h("h1", {}, t("inv.title")), form];
      if (err) body.push(h("p", { class: "error", role: "alert" }, t("common.error", err)));
      if (!data && !err) body.push(h("p", {}, t("common.loading")));
      body.push(lanesEl, casesEl);
      view.replaceChildren(...body);
      renderLanes();
      renderCases();
    }
    c.setRerender(render);
    load();
    return null;
  };
})();
