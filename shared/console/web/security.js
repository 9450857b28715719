// The security desk: the live alerts of every site (or of ?siteId=), an
// alarm that sounds while any is unacknowledged, and acknowledgement from
// here. It polls GET /v1/alerts?open=false every second with the answer's
// ETag, so an unchanged list costs a 304. Every value is set as text.
(() => {
  const $ = (id) => document.getElementById(id);
  const { h } = window.maydayDOM;
  const siteId = new URLSearchParams(location.search).get("siteId") || "";
  const listURL = "/v1/alerts?open=false" + (siteId ? "&siteId=" + encodeURIComponent(siteId) : "");
  const NAME_KEY = "mayday.securityDesk.name";
  const when = (iso) => new Date(iso).toLocaleString();
  const since = (iso) => {
    const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000)), m = Math.floor(s / 60);
    return m >= 60 ? Math.floor(m / 60) + "h " + (m % 60) + "m" : m > 0 ? m + "m " + String(s % 60).padStart(2, "0") + "s" : s + "s";
  };
  const isOpen = (a) => !a.acknowledged && Date.parse(a.expiresAt) > Date.now();

  // --- the alarm (Web Audio) ---------------------------------------------
  // A two-tone siren: a 1 Hz square-wave oscillator swings the tone's
  // frequency between 770 and 960 Hz, half a second each, for as long as it
  // runs; no timers. Browsers keep a context suspended until the page gets
  // a user gesture, hence the Turn on button (the banner and the title
  // alarm regardless).
  const AC = window.AudioContext || window.webkitAudioContext;
  let audio = null, siren = null;
  const context = () => {
    if (!audio && AC) {
      audio = new AC();
      audio.addEventListener("statechange", renderSound);
    }
    return audio;
  };
  function sirenOn() {
    if (siren || !context()) return;
    const tone = audio.createOscillator(), lfo = audio.createOscillator();
    const depth = audio.createGain(), volume = audio.createGain();
    tone.type = "square";
    tone.frequency.value = 865;
    lfo.type = "square";
    lfo.frequency.value = 1;
    depth.gain.value = 95;
    volume.gain.value = 0.15;
    lfo.connect(depth).connect(tone.frequency);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    lfo.start();
    siren = { tone, lfo, volume };
  }
  function sirenOff() {
    if (!siren) return;
    siren.tone.stop();
    siren.lfo.stop();
    siren.volume.disconnect();
    siren = null;
  }
  // Silence holds for a minute over the alerts open when it was pressed;
  // a new one sounds at once.
  let silenced = null; // {until, ids}
  const muted = (a) => silenced && Date.now() < silenced.until && silenced.ids.has(a.alertId);

  // --- state -------------------------------------------------------------
  let etag = "", alerts = [], loaded = false;
  const known = new Set(); // alert ids seen, to announce only new ones
  const escalations = new Set(); // alert ids seen escalated
  const cards = new Map(); // alertId -> {el, info, form, key}
  const acks = new Map(); // alertId -> the answer of an acknowledgement made here

  function renderSound() {
    const open = alerts.filter(isOpen), sounding = open.some((a) => !muted(a));
    if (sounding) sirenOn(); else sirenOff();
    const running = audio && audio.state === "running";
    $("sound-on").hidden = !AC || running;
    $("silence").hidden = !sounding;
    $("sound-status").textContent = !AC ? "This browser cannot sound the alarm: keep this page in view." :
      !running ? "Sound is off: the browser plays sound only after you click." :
      sounding ? "Alarm sounding." :
      open.length ? "Alarm silenced until " + new Date(silenced.until).toLocaleTimeString() + "; a new alert sounds at once." :
      "Sound is on: the alarm sounds when an alert comes in.";
    const banner = $("banner");
    banner.hidden = open.length === 0;
    const text = open.length === 1 ? "EMERGENCY: 1 alert waiting for acknowledgement" :
      "EMERGENCY: " + open.length + " alerts waiting for acknowledgement";
    if (banner.textContent !== text) banner.textContent = text;
    const title = (open.length ? "(" + open.length + ") EMERGENCY — " : "") + "Mayday security desk";
    if (document.title !== title) document.title = title;
  }

  // --- alerts ------------------------------------------------------------
  function info(a) {
    const escalated = a.escalatedAt ? h("span", { class: "badge escalated" }, "ESCALATED") : null;
    const place = [a.siteName, a.address, a.detail].filter(Boolean).join(", ") || "not known";
    const state = a.acknowledged ?
      h("p", { class: "state acked" }, "Acknowledged by " + (a.acknowledgedBy || "someone") + (a.acknowledgedAt ? " at " + when(a.acknowledgedAt) : "") +
        (a.escalatedAt ? " (after it escalated at " + when(a.escalatedAt) + ")" : "")) :
      h("p", { class: "state waiting" }, a.escalatedAt ? "ESCALATED at " + when(a.escalatedAt) + ", still not acknowledged: " : "Waiting for acknowledgement: ",
        h("span", { "data-since": a.sentAt || a.at }, since(a.sentAt || a.at)));
    return [
      h("h3", { id: "h-" + a.alertId, tabindex: "-1" }, h("span", { class: "heading" }, a.heading), " ", escalated),
      h("dl", {},
        h("dt", {}, "Time"), h("dd", { class: "at" }, when(a.at)),
        h("dt", {}, "Agent"), h("dd", { class: "agent" }, (a.agentName ? a.agentName + " " : "") + "(" + a.agentId + ")"),
        h("dt", {}, "Number dialled"), h("dd", { class: "dialed" }, a.dialedNumber),
        h("dt", {}, "Callback number the emergency service got"), h("dd", { class: "callback" }, a.callerId || "the platform's default number"),
        h("dt", {}, "Location sent"), h("dd", { class: "location" }, place)),
      state];
  }
  function ackForm(a) {
    const input = h("input", { id: "name-" + a.alertId, name: "name", maxlength: "100", autocomplete: "name", required: true });
    input.value = localStorage.getItem(NAME_KEY) || "";
    input.addEventListener("input", () => localStorage.setItem(NAME_KEY, input.value.trim()));
    const status = h("p", { class: "ack-status muted", role: "status" });
    const form = h("form", { class: "inline ack", "aria-label": "Acknowledge this alert" },
      h("label", { for: input.id }, "Your name"), input,
      h("button", { type: "submit" }, "Acknowledge"), status);
    form.addEventListener("submit", (e) => { e.preventDefault(); acknowledge(a.alertId, input, status); });
    return form;
  }
  async function acknowledge(id, input, status) {
    const name = input.value.trim();
    if (!name) { status.textContent = "Type your name first."; status.className = "ack-status error"; input.focus(); return; }
    localStorage.setItem(NAME_KEY, name);
    status.textContent = "Acknowledging…";
    status.className = "ack-status muted";
    try {
      const res = await fetch("/v1/alerts/" + encodeURIComponent(id) + "/acknowledgement", {
        method: "PUT", cache: "no-store", body: JSON.stringify({ name }),
        headers: { "Content-Type": "application/json", Accept: "application/json" } });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.error || res.statusText || String(res.status));
      acks.set(id, body);
      alerts = alerts.map((a) => a.alertId === id ? body.alert : a);
      render();
      const card = cards.get(id);
      if (card) card.el.querySelector("h3").focus();
    } catch (err) {
      // The alarm goes on: nothing is acknowledged.
      status.textContent = "Not acknowledged: " + err.message;
      status.className = "ack-status error";
    }
  }
  const order = (a, b) => (isOpen(b) - isOpen(a)) || (Date.parse(b.at) - Date.parse(a.at)) || (a.alertId < b.alertId ? -1 : 1);
  function render() {
    const list = $("alerts"), sorted = alerts.slice().sort(order);
    if (sorted.length === 0) {
      cards.clear();
      list.replaceChildren(h("p", { class: "muted" }, "No live alerts" + (siteId ? " at this site." : ".")));
    } else {
      list.querySelectorAll(":scope > p").forEach((p) => p.remove());
      const ids = new Set(sorted.map((a) => a.alertId));
      for (const [id, c] of cards) if (!ids.has(id)) { c.el.remove(); cards.delete(id); }
      sorted.forEach((a, i) => {
        let c = cards.get(a.alertId);
        if (!c) {
          c = { info: h("div", { class: "info" }), form: ackForm(a), note: h("p", { class: "note muted", role: "status" }) };
          c.el = h("article", { "data-alert": a.alertId, "data-call": a.callId, "aria-labelledby": "h-" + a.alertId }, c.info, c.form, c.note);
          cards.set(a.alertId, c);
        }
        const key = JSON.stringify(a);
        if (c.key !== key) {
          c.key = key;
          c.info.replaceChildren(...info(a));
          c.el.className = "alert-card " + (a.acknowledged ? "acked" : a.escalatedAt ? "open escalated" : "open");
          c.form.hidden = a.acknowledged;
          const mine = acks.get(a.alertId);
          c.note.textContent = mine && !mine.first ? "Someone acknowledged it before you: " + (a.acknowledgedBy || "") + "." : "";
        }
        // Move only what is out of place, so focus in a card stays put.
        if (list.children[i] !== c.el) list.insertBefore(c.el, list.children[i] || null);
      });
    }
    renderSound();
  }
  function announce(fresh) {
    if (!fresh.length) return;
    const a = fresh.sort(order)[0];
    $("announce").textContent = a.heading + (a.escalatedAt ? ", ESCALATED" : "") + ": " + (a.agentName || a.agentId) + " dialled " +
      a.dialedNumber + " at " + ([a.siteName, a.detail].filter(Boolean).join(", ") || "an unknown place") +
      ". Callback number " + (a.callerId || "the platform's default number") + "." +
      (fresh.length > 1 ? " " + (fresh.length - 1) + " more new." : "");
  }

  async function poll() {
    try {
      const res = await fetch(listURL, { cache: "no-store",
        headers: Object.assign({ Accept: "application/json" }, etag ? { "If-None-Match": etag } : {}) });
      if (res.status !== 304) {
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(body.error || res.statusText || String(res.status));
        etag = res.headers.get("ETag") || "";
        alerts = body.alerts || [];
        // An alert already shown that escalates is news too.
        const fresh = alerts.filter((a) => isOpen(a) && (!known.has(a.alertId) || (a.escalatedAt && !escalations.has(a.alertId))));
        alerts.forEach((a) => { known.add(a.alertId); if (a.escalatedAt) escalations.add(a.alertId); });
        announce(fresh);
      }
      loaded = true;
      $("load-status").textContent = "";
      $("load-status").className = "muted";
    } catch (e) {
      // The last list stands, alarm included: silence must not come from
      // a network failure.
      $("load-status").textContent = "Could not read the alerts (" + e.message + "); retrying every second.";
      $("load-status").className = "error";
    }
    if (loaded) render();
  }

  $("sound-on").addEventListener("click", () => {
    const ctx = context();
    if (ctx) ctx.resume().then(renderSound, (e) => { $("sound-status").textContent = "Sound could not start: " + e.message; });
  });
  $("silence").addEventListener("click", () => {
    silenced = { until: Date.now() + 60000, ids: new Set(alerts.filter(isOpen).map((a) => a.alertId)) };
    renderSound();
  });

  (async () => {
    context(); // running at once where the browser allows it
    if (siteId) {
      $("all-sites").hidden = false;
      $("scope").textContent = siteId;
      fetch("/v1/sites/" + encodeURIComponent(siteId), { headers: { Accept: "application/json" } })
        .then((r) => r.ok ? r.json() : null).then((s) => { if (s && s.name) $("scope").textContent = s.name + " (" + siteId + ")"; }, () => {});
    }
    renderSound();
    const loop = async () => { await poll(); setTimeout(loop, 1000); };
    loop();
    setInterval(() => {
      document.querySelectorAll("[data-since]").forEach((el) => { el.textContent = since(el.dataset.since); });
      renderSound(); // a silence runs out; an alert expires
    }, 1000);
  })();
})();
