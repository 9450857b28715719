// The operators' console: plain DOM over the admin routes (/v1/...) and the
// console's own (/console/...). Every value is set as text, never as HTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const { h } = window.maydayDOM;
  const getJSON = async (url, opts) => {
    const res = await fetch(url, Object.assign({ cache: "no-store", headers: { Accept: "application/json" } }, opts));
    const body = res.status === 204 ? {} : await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.error || res.statusText || String(res.status)), { status: res.status });
    return body;
  };
  const sendJSON = (method, url, body) => getJSON(url, {
    method, headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body),
  });
  const left = (iso) => {
    const ms = Date.parse(iso) - Date.now();
    if (!(ms > 0)) return "expiring";
    const s = Math.floor(ms / 1000), m = Math.floor(s / 60);
    return (m >= 60 ? Math.floor(m / 60) + "h " + (m % 60) + "m" : m + "m " + String(s % 60).padStart(2, "0") + "s") + " left";
  };
  const deskLink = (id) => h("a", { href: "/desk/" + encodeURIComponent(id) }, id);
  // replace swaps a container's content only when its data changed, so an
  // update every few seconds does not steal keyboard focus.
  const replace = (box, key, build) => {
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.replaceChildren(...[build()].flat());
  };

  let config = {};
  // The console polls one route, /console/overview (the admin API's
  // /v1/overview, plus the local bus's events and dead letters), sending
  // back its ETag: an unchanged answer is a 304 with no body.
  let etag = "", last = null;
  const extra = new Map(); // agents looked up or saved by id that the overview does not list, as last read
  const checked = new Map(); // full readiness reports the operator asked for, by agent id

  // --- sites and pools -------------------------------------------------
  function renderSites(sites, numbers) {
    replace($("n-site"), JSON.stringify(sites.map((s) => s.siteId)), () => [
      h("option", { value: "" }, "the country's pool"),
      ...sites.map((s) => h("option", { value: s.siteId }, s.name + " (" + s.siteId + ")"))]);
    replace($("sites-list"), JSON.stringify([sites, numbers]), () => {
      const pool = (list) => list.length === 0 ? h("p", { class: "muted" }, "No callback numbers.") :
        h("table", {},
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Number"), h("th", { scope: "col" }, "Held by"),
            h("th", { scope: "col" }, "Call"), h("th", { scope: "col" }, "Lease"))),
          h("tbody", {}, list.map((n) => h("tr", { "data-number": n.number },
            h("td", {}, n.number),
            h("td", {}, n.lease ? h("span", { class: "leased" }, deskLink(n.lease.agentId)) : h("span", { class: "free" }, "free")),
            h("td", {}, n.lease ? n.lease.callId : ""),
            h("td", {}, n.lease ? h("span", { "data-expires": n.lease.expiresAt }, left(n.lease.expiresAt)) :
              h("button", { type: "button", class: "secondary small", "aria-label": "Remove " + n.number,
                onclick: () => removeNumber(n.number) }, "Remove"))))));
      const out = sites.map((s) => h("div", { class: "site", "data-site": s.siteId },
        h("div", { class: "site-head" },
          h("h3", {}, s.name + " ", h("span", { class: "muted" }, "(" + s.siteId + ", " + s.country + ")")),
          h("span", {}, h("a", { href: "/desk/security?siteId=" + encodeURIComponent(s.siteId), "aria-label": "Security desk of " + s.siteId }, "Security desk"), " ",
            h("button", { type: "button", class: "secondary small", "aria-label": "Edit site " + s.siteId,
              onclick: () => editSite(s.siteId) }, "Edit"))),
        h("p", {}, [s.address.street, s.address.city, s.address.region, s.address.postalCode, s.address.country].filter(Boolean).join(", ")),
        h("p", {}, h("span", { class: "label" }, "Emergency callback number: "), s.emergencyCallbackNumber || "none",
          " · ", h("span", { class: "label" }, "Notify: "), s.notify.length ? s.notify.join("; ") : "nobody"),
        pool(numbers.filter((n) => n.siteId === s.siteId))));
      const countries = [...new Set(numbers.filter((n) => !n.siteId).map((n) => n.country))].sort();
      for (const c of countries) {
        out.push(h("div", { class: "site", "data-pool": c }, h("h3", {}, "Country pool " + c),
          pool(numbers.filter((n) => !n.siteId && n.country === c))));
      }
      return out.length ? out : h("p", { class: "muted" }, "No sites or callback numbers yet.");
    });
  }

  // --- agents ----------------------------------------------------------
  async function checkReadiness(id) {
    try {
      const r = await getJSON("/v1/agents/" + encodeURIComponent(id) + "/readiness");
      checked.set(id, Object.assign(r, { at: new Date().toLocaleTimeString() }));
      $("agents-status").textContent = "";
    } catch (e) {
      $("agents-status").textContent = "Readiness of " + id + ": " + e.message;
    }
    if (last) render(last);
  }
  // The overview's readiness holds the checks the store answers; those
  // that ask the telephony platform (onDemand) run when the operator
  // presses Check, as does every check of an agent the overview does not list.
  function readinessCell(a) {
    const full = checked.get(a.agentId), r = full || a.readiness;
    const check = h("button", { type: "button", class: "secondary small", "aria-label": "Check readiness of " + a.agentId,
      onclick: () => checkReadiness(a.agentId) }, full ? "Check again" : "Check");
    if (!r) return [h("span", { class: "muted" }, "not checked"), " ", check];
    const pending = !full && r.onDemand && r.onDemand.length ? r.onDemand : null;
    return [
      r.ready ? h("span", { class: "ready" }, pending ? "Ready so far" : "Ready") :
        [h("span", { class: "fix" }, "Fix:"), h("ul", { class: "fixes" },
          r.checks.filter((c) => !c.ok).map((c) => h("li", {}, h("strong", {}, c.name), ": ", c.fix)))],
      pending ? h("p", { class: "muted" }, "Not checked yet: " + pending.join(", ")) : null,
      full ? h("p", { class: "muted" }, "Checked at " + full.at) : null,
      check];
  }
  function renderAgents(listed) {
    const ids = new Set(listed.map((a) => a.agentId));
    for (const id of ids) extra.delete(id);
    const rows = listed.concat([...extra.values()]);
    replace($("agents-list"), JSON.stringify([rows, [...checked]]), () => rows.length === 0 ? h("p", { class: "muted" }, "No agents yet.") :
      h("table", {},
        h("thead", {}, h("tr", {}, ["Agent", "Name", "Presence", "Site", "Emergency contacts", "Readiness"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows.map((a) => h("tr", { "data-agent": a.agentId },
          h("td", {}, deskLink(a.agentId), " ",
            h("button", { type: "button", class: "secondary small", "aria-label": "Edit agent " + a.agentId,
              onclick: () => editAgent(a.agentId) }, "Edit")),
          h("td", {}, a.name),
          h("td", {}, a.presence, a.emergency && a.emergency.active ? [" ", h("span", { class: "emergency" }, "emergency")] : null,
            ids.has(a.agentId) ? null : [" ", h("span", { class: "muted" }, "(as read: no site, not polled)")]),
          h("td", {}, a.siteId || h("span", { class: "muted" }, "none")),
          h("td", {}, a.emergencyContacts.length ? a.emergencyContacts.join("; ") : h("span", { class: "fix" }, "none")),
          h("td", {}, readinessCell(a)))))));
  }

  // --- template --------------------------------------------------------
  let previewTimer = 0, previewSeq = 0;
  const templateBody = () => ({ subject: $("t-subject").value, html: $("t-html").value, text: $("t-text").value });
  async function preview() {
    const seq = ++previewSeq;
    try {
      const out = await sendJSON("POST", "/console/template/preview", templateBody());
      if (seq !== previewSeq) return;
      $("p-subject").textContent = out.subject;
      $("p-html").srcdoc = out.html;
      $("p-text").textContent = out.text;
      $("t-status").textContent = "";
      $("t-status").className = "muted";
    } catch (e) {
      if (seq !== previewSeq) return;
      $("t-status").textContent = "Does not render: " + e.message;
      $("t-status").className = "error";
    }
  }
  async function loadTemplate() {
    if (!config.templates) {
      $("t-push").disabled = true;
      $("t-reload").disabled = true;
      $("t-status").textContent = "No template store here: preview only.";
      return;
    }
    const t = await getJSON("/console/template");
    $("t-subject").value = t.subject;
    $("t-html").value = t.html;
    $("t-text").value = t.text;
    preview();
  }
  $("template-form").addEventListener("input", () => { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 200); });
  $("template-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("t-status").textContent = "Pushing…";
    try {
      await sendJSON("PUT", "/console/template", templateBody());
      $("t-status").textContent = "Pushed: new emails use this template.";
      $("t-status").className = "muted";
    } catch (err) {
      $("t-status").textContent = "Not pushed: " + err.message;
      $("t-status").className = "error";
    }
  });
  $("t-reload").addEventListener("click", () => loadTemplate().catch(showError));

  // --- events and dead letters (local) ----------------------------------
  function renderEvents(events) {
    replace($("events-list"), JSON.stringify(events), () => events.map((ev) =>
      h("li", {}, h("strong", {}, ev["detail-type"]), " ", h("span", { class: "muted" }, ev.time),
        h("pre", {}, JSON.stringify(ev.detail, null, 2)))));
  }
  function renderDeadLetters(deadLetters) {
    replace($("dl-list"), JSON.stringify(deadLetters), () => deadLetters.length === 0 ? h("p", { class: "muted" }, "None.") :
      h("table", {},
        h("thead", {}, h("tr", {}, ["Failed at", "Rule", "Target", "Event", "Error", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, deadLetters.map((d) => h("tr", { "data-dead-letter": d.id },
          h("td", {}, d.failedAt), h("td", {}, d.rule), h("td", {}, d.target),
          h("td", {}, d.event["detail-type"] || ""), h("td", {}, d.error + " (" + d.attempts + " attempts)"),
          h("td", {}, h("button", { type: "button", onclick: () => replay(d.id) }, "Replay")))))));
  }
  async function replay(id) {
    try {
      await sendJSON("POST", "/console/dead-letters/" + encodeURIComponent(id) + "/replay", {});
      $("dl-status").textContent = "Replayed " + id + ".";
    } catch (e) {
      $("dl-status").textContent = "Not replayed: " + e.message;
    }
    await refresh();
  }

  // --- editing: sites, agents, numbers ---------------------------------
  // The editor is a modal <dialog> over the JSON body of the admin route's
  // PUT, so every field the API takes can be set, and its errors shown.
  const editor = $("editor");
  let editing = null; // {kind, route(id)}
  function openEditor(kind, id, body) {
    editing = kind;
    $("editor-h").textContent = (id ? "Edit " : "New ") + kind.name + (id ? " " + id : "");
    $("editor-id").value = id || "";
    $("editor-id").readOnly = !!id;
    $("editor-route").textContent = "PUT " + kind.route("{" + kind.name + "Id}");
    $("editor-json").value = JSON.stringify(body, null, 2);
    $("editor-status").textContent = "";
    editor.showModal();
    (id ? $("editor-json") : $("editor-id")).focus();
  }
  const SITE = { name: "site", route: (id) => "/v1/sites/" + id, strip: ["siteId", "updatedAt"],
    example: { name: "", country: "US", address: { street: "", city: "", region: "", postalCode: "", country: "US" },
      emergencyCallbackNumber: "", notify: "" } };
  const AGENT = { name: "agent", route: (id) => "/v1/agents/" + id, strip: ["agentId", "updatedAt"],
    example: { name: "", email: "", presence: "Available", country: "US", siteId: "", emergencyContacts: "",
      mailboxEnabled: true, outboundVoiceProfile: true } };
  const fetched = (kind, body) => { const b = Object.assign({}, body); kind.strip.forEach((k) => delete b[k]); return b; };
  async function editSite(id) {
    try { openEditor(SITE, id, fetched(SITE, await getJSON(SITE.route(encodeURIComponent(id))))); } catch (e) { showError(e); }
  }
  async function editAgent(id) {
    try { openEditor(AGENT, id, fetched(AGENT, await getJSON(AGENT.route(encodeURIComponent(id))))); } catch (e) { showError(e); }
  }
  $("new-site").addEventListener("click", () => openEditor(SITE, "", SITE.example));
  $("new-agent").addEventListener("click", () => openEditor(AGENT, "", AGENT.example));
  $("editor-cancel").addEventListener("click", () => editor.close());
  $("editor-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const id = $("editor-id").value.trim();
    let body;
    try { body = JSON.parse($("editor-json").value); } catch (err) {
      $("editor-status").textContent = "Not JSON: " + err.message; $("editor-status").className = "error"; return;
    }
    if (!id) { $("editor-status").textContent = "An id is required."; $("editor-status").className = "error"; return; }
    try {
      const saved = await sendJSON("PUT", editing.route(encodeURIComponent(id)), body);
      if (editing === AGENT) extra.set(id, saved);
      editor.close();
      await refresh();
    } catch (err) {
      $("editor-status").textContent = "Not saved: " + err.message;
      $("editor-status").className = "error";
    }
  });
  $("add-number").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { number: $("n-number").value.trim(), country: $("n-country").value.trim().toUpperCase() };
    if ($("n-site").value) body.siteId = $("n-site").value;
    try {
      await sendJSON("POST", "/v1/callback-numbers", body);
      $("sites-status").textContent = "Added " + body.number + ".";
      $("sites-status").className = "muted";
      $("n-number").value = "";
      await refresh();
    } catch (err) {
      $("sites-status").textContent = "Not added: " + err.message;
      $("sites-status").className = "error";
    }
  });
  async function removeNumber(number) {
    try {
      await getJSON("/v1/callback-numbers/" + encodeURIComponent(number), { method: "DELETE" });
      $("sites-status").textContent = "Removed " + number + ".";
      $("sites-status").className = "muted";
      await refresh();
    } catch (err) {
      $("sites-status").textContent = "Not removed: " + err.message;
      $("sites-status").className = "error";
    }
  }

  // --- refresh ---------------------------------------------------------
  function showError(e) {
    $("load-status").textContent = e.status === 403 ? "Forbidden: " + e.message : "Could not load: " + e.message;
    $("load-status").className = "error";
  }
  function render(o) {
    renderSites(o.sites, o.numbers);
    renderAgents(o.agents);
    if (config.local) {
      renderEvents(o.events || []);
      renderDeadLetters(o.deadLetters || []);
    }
  }
  async function refresh() {
    try {
      const res = await fetch("/console/overview", { cache: "no-store",
        headers: Object.assign({ Accept: "application/json" }, etag ? { "If-None-Match": etag } : {}) });
      if (res.status !== 304) {
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw Object.assign(new Error(body.error || res.statusText || String(res.status)), { status: res.status });
        etag = res.headers.get("ETag") || "";
        last = body;
      }
      if (last) render(last);
      $("load-status").textContent = "";
      $("load-status").className = "muted";
    } catch (e) {
      showError(e);
    }
  }
  $("agent-lookup").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = $("agent-id").value.trim();
    if (!id) return;
    getJSON("/v1/agents/" + encodeURIComponent(id)).then((a) => {
      if (!last || !last.agents.some((l) => l.agentId === id)) extra.set(id, a);
      return checkReadiness(id);
    }, (err) => { $("load-status").textContent = "Agent " + id + ": " + err.message; $("load-status").className = "error"; });
  });

  (async () => {
    try { config = await getJSON("/console/config"); } catch (e) { showError(e); }
    document.querySelectorAll("[data-local]").forEach((el) => { el.hidden = !config.local; });
    loadTemplate().catch(showError);
    await refresh();
    setInterval(refresh, 2000);
    setInterval(() => document.querySelectorAll("[data-expires]").forEach((el) => { el.textContent = left(el.dataset.expires); }), 1000);
  })();
})();
