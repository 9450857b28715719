// <mayday-agent-panel>: Mayday's agent desktop panel as a web component.
// One file, no dependencies, no build step. It renders the agent's state
// (GET /v1/agents/{agentId}/state) live: the emergency alert in an assertive
// live region, the actions the state allows (during an emergency only
// Device settings and End call, no Save or Refresh), and the callback number
// with the time it stays reserved. It shows where the agent works now (the
// state's location) and, when the state asks (confirmLocation) or the agent
// presses Change, a prompt to confirm it: a site or an address, saved with
// PUT /v1/agents/{agentId}/location. The prompt never shows during an
// emergency.
//
// Attributes:
//   agent-id       the agent (required)
//   state-url      the state route (default /v1/agents/{agent-id}/state)
//   stream-url     a server-sent-events stream of the state (optional; the
//                  local runner and `mayday console` serve
//                  /console/agents/{agent-id}/state/stream); without one, or
//                  when it fails, the panel polls state-url
//   poll-interval  milliseconds between polls (default 1000, at least 250)
//   credentials    fetch credentials mode for every request (default same-origin)
//   location-url   where the confirmed location is PUT (default
//                  /v1/agents/{agent-id}/location)
//   sites-url      the sites an agent may pick (default /v1/sites)
//
// Events (bubbling, composed), each with detail {agentId, callId, state}:
//   mayday-end-call, mayday-device-settings, mayday-hold, mayday-mute,
//   mayday-transfer, mayday-consult, mayday-keypad, mayday-save,
//   mayday-refresh — the agent pressed that control; the host acts on it.
//   mayday-state   — detail {agentId, state}: a new state was rendered.
//   mayday-location — detail {agentId, location}: the agent confirmed where
//                    they are (the location route's answer).
//   mayday-error   — detail {agentId, status, message}: the state could not
//                    be read (the panel keeps trying).
(() => {
  const LABELS = {
    deviceSettings: "Device settings", endCall: "End call", hold: "Hold", mute: "Mute",
    transfer: "Transfer", consult: "Consult", keypad: "Keypad", save: "Save", refresh: "Refresh",
  };
  const eventName = (action) => "mayday-" + action.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

  // The palette follows the console's colour variables (console.css) when
  // the host page defines them, and falls back to the same values when
  // it does not.
  const STYLE = `
    :host { --_fg: var(--fg, #1a1a1a); --_muted: var(--muted, #4a4a4a); --_bg: var(--bg, #ffffff);
            --_line: var(--line, #767676); --_accent: var(--accent, #0b57d0); --_danger: var(--danger, #a0001c);
            --_warn-bg: var(--warn-bg, #fff4d6); --_warn: var(--warn, #5c4100); --_warn-line: var(--warn-line, #8a6100);
            display: block; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
            color: var(--_fg); background: var(--_bg); border: 1px solid var(--_line); border-radius: 8px;
            padding: 12px 16px; max-width: 32rem; }
    .alert:empty { display: none; }
    .alert { background: var(--_danger); color: var(--_bg); font-weight: 700; font-size: 1.15rem;
             padding: 10px 12px; border-radius: 6px; margin: 0 0 12px; }
    .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
    .label { color: var(--_muted); }
    .presence { font-weight: 600; }
    [hidden] { display: none !important; }
    .callback { background: var(--_warn-bg); border: 1px solid var(--_warn-line); border-radius: 6px; padding: 8px 10px; }
    .callback strong { font-size: 1.1rem; letter-spacing: .02em; }
    .left { color: var(--_warn); }
    button { font: inherit; min-height: 2.5rem; padding: 6px 14px; border-radius: 6px; cursor: pointer;
             border: 1px solid var(--_accent); background: var(--_bg); color: var(--_accent); }
    button.end-call { background: var(--_danger); border-color: var(--_danger); color: var(--_bg); font-weight: 700; }
    button.primary { background: var(--_accent); color: var(--_bg); }
    button.small { min-height: 2rem; padding: 2px 10px; font-size: .875rem; }
    button:disabled { cursor: progress; filter: grayscale(0.4); }
    button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid var(--_fg); outline-offset: 2px; }
    button:hover { filter: brightness(0.92); }
    .status { color: var(--_muted); font-size: .875rem; min-height: 1.2em; }
    h2 { font-size: 1rem; margin: 0 0 8px; }
    .where-line { font-size: .875rem; margin: 4px 0; }
    .where-text { font-weight: 600; }
    .where-until { color: var(--_muted); }
    .where-note { background: var(--_warn-bg); color: var(--_warn); border-radius: 6px; padding: 6px 10px;
                  font-size: .875rem; margin: 4px 0 8px; }
    .where { border: 2px solid var(--_accent); border-radius: 6px; padding: 8px 12px; margin: 8px 0 12px; }
    .where h3 { font-size: 1rem; margin: 0 0 4px; }
    .where p { margin: 0 0 8px; font-size: .875rem; color: var(--_muted); }
    .where form { margin: 0 0 8px; }
    .where fieldset { border: 1px solid var(--_line); border-radius: 6px; padding: 4px 10px 10px; margin: 0; }
    .where legend { font-weight: 600; padding: 0 4px; }
    .fields { display: grid; grid-template-columns: 1fr 2fr; gap: 0 10px; align-items: end; margin: 0 0 10px; }
    .fields > div { min-width: 0; }
    .fields .wide { grid-column: 1 / -1; }
    .fields label { display: block; font-size: .875rem; font-weight: 600; margin: 8px 0 2px; }
    input, select { box-sizing: border-box; font: inherit; width: 100%; border: 1px solid var(--_line); border-radius: 4px; padding: 6px;
                    color: var(--_fg); background: var(--_bg); }
    .hint { display: block; color: var(--_muted); font-size: .8rem; margin: 2px 0 0; }
    [aria-invalid="true"] { border: 2px solid var(--_danger); }
    .where-error { color: var(--_danger); font-weight: 600; margin: 0 0 8px; }
    .where-error:empty { display: none; }
  `;

  class MaydayAgentPanel extends HTMLElement {
    static get observedAttributes() {
      return ["agent-id", "state-url", "stream-url", "poll-interval", "credentials", "location-url", "sites-url"];
    }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      // A constructed style sheet passes a host's strict CSP (no inline
      // styles); older browsers get a <style> element.
      let style = "";
      if ("adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        root.adoptedStyleSheets = [sheet];
      } else {
        style = `<style>${STYLE}</style>`;
      }
      root.innerHTML = style + `
        <section aria-labelledby="title">
          <h2 id="title" part="title">Agent <span class="agent"></span></h2>
          <div class="alert" part="alert" role="alert" aria-live="assertive" aria-atomic="true"></div>
          <div class="row"><span class="label">Presence</span> <span class="presence" part="presence">…</span></div>
          <div class="callback row" part="callback" hidden>
            <span class="label">Callback number</span> <strong class="number"></strong>
            <span class="left" aria-live="off"></span>
          </div>
          <div class="where-line row" part="location">
            <span class="label">Location</span> <span class="where-text">…</span>
            <time class="where-until"></time>
            <button type="button" class="change small" aria-label="Change location" hidden>Change</button>
          </div>
          <p class="where-note" part="location-note" hidden>This address could not be verified. It is saved and
            used for emergency calls: check it, and change it if it is wrong.</p>
          <section class="where" part="location-prompt" role="region" aria-labelledby="where-title" hidden>
            <h3 id="where-title" tabindex="-1">Where are you working?</h3>
            <p>If you call emergency services, this is where they are sent. Confirm it for this shift.</p>
            <form class="at-site" novalidate>
              <fieldset>
                <legend>At one of our sites</legend>
                <div class="fields">
                  <div class="wide"><label for="w-site">Site</label><select id="w-site" name="siteId"></select></div>
                  <div class="wide"><label for="w-site-detail">Floor, room or desk (optional)</label>
                    <input id="w-site-detail" name="detail" maxlength="60" autocomplete="off"></div>
                </div>
                <button type="submit" class="primary">I am at this site</button>
              </fieldset>
            </form>
            <form class="at-address" novalidate>
              <fieldset>
                <legend>Somewhere else (home or remote)</legend>
                <div class="fields">
                  <div><label for="w-house">House number</label>
                    <input id="w-house" name="houseNumber" aria-required="true" autocomplete="off"></div>
                  <div><label for="w-street">Street</label>
                    <input id="w-street" name="street" aria-required="true" autocomplete="address-line1"></div>
                  <div class="wide"><label for="w-city">City</label>
                    <input id="w-city" name="city" aria-required="true" autocomplete="address-level2"></div>
                  <div><label for="w-region">State, province or region</label>
                    <input id="w-region" name="region" autocomplete="address-level1"></div>
                  <div><label for="w-postal">Postal code</label>
                    <input id="w-postal" name="postalCode" autocomplete="postal-code"></div>
                  <div class="wide"><label for="w-country">Country</label>
                    <select id="w-country" name="country" aria-required="true">
                      <option value="">Choose a country</option>
                      <option value="US">United States</option>
                      <option value="CA">Canada</option>
                      <option value="PR">Puerto Rico</option>
                      <option value="GB">United Kingdom</option>
                      <option value="DK">Denmark</option>
                    </select></div>
                  <div class="wide"><label for="w-detail">Apartment, floor or room (optional)</label>
                    <input id="w-detail" name="detail" maxlength="60" autocomplete="off"></div>
                  <div class="wide"><label for="w-callback">Your own phone number for a callback (optional)</label>
                    <input id="w-callback" name="callbackNumber" type="tel" autocomplete="tel" aria-describedby="w-callback-hint">
                    <span class="hint" id="w-callback-hint">With its country code, e.g. +12065550123; it must be a number of that country.</span></div>
                </div>
                <button type="submit" class="primary">Use this address</button>
              </fieldset>
            </form>
            <p class="where-error" id="w-error" role="alert"></p>
            <button type="button" class="cancel" hidden>Cancel</button>
          </section>
          <div class="actions row" part="actions" role="group" aria-label="Call controls"></div>
          <div class="form row" part="form" role="group" aria-label="Conversation form" hidden></div>
          <div class="status" part="status" role="status"></div>
        </section>`;
      this._$ = (sel) => root.querySelector(sel);
      this._state = null;
      this._timers = [];
      this._where = { changing: false, saved: null, sites: null, loading: null };
      this._$(".at-site").addEventListener("submit", (e) => { e.preventDefault(); this._submitSite(); });
      this._$(".at-address").addEventListener("submit", (e) => { e.preventDefault(); this._submitAddress(); });
      this._$(".change").addEventListener("click", () => this._openPrompt());
      this._$(".cancel").addEventListener("click", () => this._closePrompt());
    }

    /** The last state rendered (the state route's JSON), or null. */
    get state() { return this._state; }

    // A page kept in the back/forward cache would hold its stream open (a
    // browser allows six connections to a host): it stops when the page is
    // hidden and starts again if the page is shown from the cache.
    connectedCallback() {
      this._onPageHide = () => this._stop();
      this._onPageShow = (e) => { if (e.persisted) { this._stop(); this._start(); } };
      window.addEventListener("pagehide", this._onPageHide);
      window.addEventListener("pageshow", this._onPageShow);
      this._start();
    }
    disconnectedCallback() {
      window.removeEventListener("pagehide", this._onPageHide);
      window.removeEventListener("pageshow", this._onPageShow);
      this._stop();
    }
    attributeChangedCallback() { if (this.isConnected) { this._stop(); this._start(); } }

    get _agentId() { return this.getAttribute("agent-id") || ""; }
    get _stateUrl() {
      return this.getAttribute("state-url") || "/v1/agents/" + encodeURIComponent(this._agentId) + "/state";
    }
    get _locationUrl() {
      return this.getAttribute("location-url") || "/v1/agents/" + encodeURIComponent(this._agentId) + "/location";
    }
    get _credentials() { return this.getAttribute("credentials") || "same-origin"; }

    _start() {
      this._$(".agent").textContent = this._agentId;
      if (!this._agentId) { this._status("Set the agent-id attribute."); return; }
      const tick = setInterval(() => this._renderLeft(), 1000);
      this._timers.push(() => clearInterval(tick));
      const stream = this.getAttribute("stream-url");
      if (stream && typeof EventSource !== "undefined") this._listen(stream);
      else this._poll();
    }

    _stop() {
      this._timers.forEach((stop) => stop());
      this._timers = [];
    }

    // _listen follows the stream; if it cannot be opened (or closes for
    // good), the panel falls back to polling.
    _listen(url) {
      const es = new EventSource(url);
      let stopped = false;
      this._timers.push(() => { stopped = true; es.close(); });
      es.addEventListener("state", (e) => this._render(JSON.parse(e.data)));
      es.addEventListener("error", (e) => {
        if (e.data) { // the server's "error" event: the state route failed
          const d = JSON.parse(e.data);
          this._failed(d.status, d.body && d.body.error);
          return;
        }
        if (es.readyState === EventSource.CLOSED && !stopped) {
          stopped = true;
          this._poll(); // the stream is refused: poll instead
        }
      });
    }

    _poll() {
      const every = Math.max(250, Number(this.getAttribute("poll-interval")) || 1000);
      let timer = 0, stopped = false;
      const once = async () => {
        try {
          const res = await fetch(this._stateUrl, {
            headers: { Accept: "application/json" }, cache: "no-store",
            credentials: this._credentials,
          });
          const body = await res.json().catch(() => ({}));
          if (res.ok) this._render(body); else this._failed(res.status, body.error);
        } catch (err) {
          this._failed(0, String(err));
        }
        if (!stopped) timer = setTimeout(once, every);
      };
      this._timers.push(() => { stopped = true; clearTimeout(timer); });
      once();
    }

    _failed(status, message) {
      const text = status === 404 ? "No agent " + this._agentId + " yet." :
        "State unavailable" + (status ? " (" + status + ")" : "") + (message ? ": " + message : "") + "; retrying.";
      this._status(text);
      this._emit("mayday-error", { agentId: this._agentId, status, message: message || "" });
    }

    _status(text) { this._$(".status").textContent = text; }

    _render(state) {
      this._state = state;
      const em = state.emergency || { active: false };
      this._status("");
      this._$(".presence").textContent = state.presence || "";
      // The live region exists from the start; only its text changes, so
      // screen readers announce the alert the moment it appears.
      const alert = this._$(".alert");
      if (alert.textContent !== (state.alert || "")) alert.textContent = state.alert || "";
      this.toggleAttribute("emergency", !!em.active);
      const cb = this._$(".callback");
      cb.hidden = !em.callbackNumber;
      this._$(".number").textContent = em.callbackNumber || "";
      this._renderLeft();
      this._buttons(this._$(".actions"), (state.panel && state.panel.actions) || []);
      const form = [];
      const cf = state.conversationForm || {};
      if (cf.save) form.push("save");
      if (cf.refresh) form.push("refresh");
      this._buttons(this._$(".form"), form);
      this._$(".form").hidden = form.length === 0;
      this._renderLocation();
      this._emit("mayday-state", { agentId: this._agentId, state });
    }

    // _buttons keeps the buttons for actions, rebuilding them only when the
    // list changes, so keyboard focus is not lost on every update.
    _buttons(box, actions) {
      if (box.dataset.actions === actions.join(",")) return;
      const hadFocus = box.contains(this.shadowRoot.activeElement);
      box.dataset.actions = actions.join(",");
      box.replaceChildren(...actions.map((a) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = LABELS[a] || a;
        b.dataset.action = a;
        b.className = a === "endCall" ? "end-call" : "";
        b.setAttribute("part", "action " + a);
        b.addEventListener("click", () => this._emit(eventName(a), {
          agentId: this._agentId, callId: (this._state && this._state.emergency && this._state.emergency.callId) || "",
          state: this._state,
        }));
        return b;
      }));
      if (hadFocus && box.firstChild) box.firstChild.focus();
    }

    _renderLeft() {
      const em = (this._state && this._state.emergency) || {};
      const left = this._$(".left");
      if (!em.callbackNumber || !em.callbackExpiresAt) { left.textContent = ""; return; }
      const ms = Date.parse(em.callbackExpiresAt) - Date.now();
      if (ms <= 0) { left.textContent = "(expiring)"; return; }
      const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      const pad = (n) => String(n).padStart(2, "0");
      left.textContent = "(" + (h ? h + ":" + pad(m) : m) + ":" + pad(s % 60) + " left)";
      left.title = "Reserved until " + new Date(em.callbackExpiresAt).toLocaleString();
    }

    // _location is the location to show: the state's, or the one just
    // saved while a state read before the save may still arrive.
    _location() {
      const cur = (this._state && this._state.location) || null;
      const saved = this._where.saved;
      if (saved && Date.now() - saved.at < 5000 &&
          (!cur || Date.parse(cur.confirmedAt) < Date.parse(saved.location.confirmedAt))) return saved.location;
      this._where.saved = null;
      return cur;
    }

    // _renderLocation shows the current location line, and the prompt when
    // the agent must say where they are or asked to change it — never
    // during an emergency, whose panel it must not push aside.
    _renderLocation() {
      const st = this._state || {};
      const loc = this._location();
      const emergency = !!(st.emergency && st.emergency.active);
      const required = !loc && !!st.confirmLocation;
      const text = this._$(".where-text"), until = this._$(".where-until");
      if (loc && loc.kind === "site") {
        const site = (this._where.sites || []).find((s) => s.siteId === loc.siteId);
        if (!site && !this._where.sites) this._loadSites().then(() => this._renderLocation());
        text.textContent = (site ? site.name : loc.siteId) + (loc.detail ? " (" + loc.detail + ")" : "");
      } else if (loc) {
        const a = loc.address || {};
        text.textContent = "Home: " + [[a.houseNumber, a.street].filter(Boolean).join(" "), a.city].filter(Boolean).join(", ") +
          (loc.detail ? " (" + loc.detail + ")" : "");
      } else {
        text.textContent = required ? "Not confirmed" : "Your home site";
      }
      if (loc && loc.expiresAt) {
        const exp = new Date(loc.expiresAt);
        const sameDay = exp.toDateString() === new Date().toDateString();
        until.dateTime = loc.expiresAt;
        until.textContent = "until " + exp.toLocaleString([], sameDay ? { hour: "2-digit", minute: "2-digit" } :
          { weekday: "short", hour: "2-digit", minute: "2-digit" });
        until.title = "Confirmed until " + exp.toLocaleString();
      } else {
        until.textContent = "";
        until.removeAttribute("datetime");
      }
      this._$(".where-note").hidden = !loc || loc.kind === "site" || loc.validated !== false;
      const show = !emergency && (required || this._where.changing);
      const prompt = this._$(".where");
      if (show && prompt.hidden) this._loadSites();
      prompt.hidden = !show;
      this._$(".change").hidden = show || emergency;
      this._$(".cancel").hidden = required;
    }

    _openPrompt() {
      this._where.changing = true;
      const loc = this._location();
      this._renderLocation();
      this._$("#where-title").focus();
      if (loc) this._loadSites().then(() => this._fill(loc));
    }

    _closePrompt() {
      this._where.changing = false;
      this._error("");
      this._renderLocation();
      const change = this._$(".change");
      if (!change.hidden) change.focus();
    }

    // _fill puts the current location into the prompt's forms.
    _fill(loc) {
      if (loc.kind === "site") {
        this._$("#w-site").value = loc.siteId;
        this._$("#w-site-detail").value = loc.detail || "";
        return;
      }
      const a = loc.address || {};
      const form = this._$(".at-address");
      for (const name of ["houseNumber", "street", "city", "region", "postalCode", "country"]) form.elements[name].value = a[name] || "";
      form.elements.detail.value = loc.detail || "";
      form.elements.callbackNumber.value = loc.callbackNumber || "";
    }

    // _loadSites reads the sites once (GET /v1/sites, or sites-url); the
    // site choice stays hidden when there are none or they cannot be read.
    _loadSites() {
      if (this._where.loading) return this._where.loading;
      const url = this.getAttribute("sites-url") || "/v1/sites";
      this._where.loading = (async () => {
        let sites = null;
        try {
          const res = await fetch(url, { headers: { Accept: "application/json" }, credentials: this._credentials });
          if (res.ok) sites = (await res.json()).sites || [];
        } catch (err) { /* no site choice this time */ }
        if (!sites) this._where.loading = null; // try again when the prompt next opens
        this._where.sites = sites = sites || [];
        const select = this._$("#w-site");
        const current = select.value;
        select.replaceChildren(...sites.map((s) => {
          const o = document.createElement("option");
          const a = s.address || {};
          o.value = s.siteId;
          o.textContent = s.name + " — " + [[a.houseNumber, a.street].filter(Boolean).join(" "), a.city].filter(Boolean).join(", ");
          return o;
        }));
        if (current) select.value = current;
        this._$(".at-site").hidden = sites.length === 0;
      })();
      return this._where.loading;
    }

    _submitSite() {
      const form = this._$(".at-site");
      this._save(form, { siteId: form.elements.siteId.value, detail: form.elements.detail.value.trim() });
    }

    _submitAddress() {
      const f = this._$(".at-address").elements;
      const address = {};
      for (const name of ["houseNumber", "street", "city", "region", "postalCode", "country"]) address[name] = f[name].value.trim();
      this._save(this._$(".at-address"), { address, detail: f.detail.value.trim(), callbackNumber: f.callbackNumber.value.trim() });
    }

    // _save confirms the location (PUT location-url). A refusal is shown as
    // the server words it, on the field it names; once saved the prompt
    // closes and the line shows the new location.
    async _save(form, body) {
      const submit = form.querySelector('button[type="submit"]');
      submit.disabled = true;
      this._error("");
      this._status("Saving your location…");
      try {
        const res = await fetch(this._locationUrl, {
          method: "PUT", credentials: this._credentials, cache: "no-store",
          headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body),
        });
        const out = await res.json().catch(() => ({}));
        if (!res.ok) {
          this._status("");
          this._error("Not saved: " + (out.error || "status " + res.status).replace(/^invalid: /, ""), form);
          return;
        }
        this._where.saved = { location: out, at: Date.now() };
        this._status(out.validated === false ? "Location saved; the address could not be verified." : "Location saved.");
        this._emit("mayday-location", { agentId: this._agentId, location: out });
        this._closePrompt();
      } catch (err) {
        this._status("");
        this._error("Not saved: " + String(err), form);
      } finally {
        submit.disabled = false;
      }
    }

    // _error shows a refusal beside the forms and marks the field it names
    // ("address.postalCode is required…" marks the postal code).
    _error(message, form) {
      this._$(".where-error").textContent = message;
      for (const el of this._$(".where").querySelectorAll("[aria-invalid]")) {
        el.removeAttribute("aria-invalid");
        el.setAttribute("aria-describedby", (el.dataset.hint || "").trim());
        if (!el.dataset.hint) el.removeAttribute("aria-describedby");
      }
      const m = /\b(?:address\.)?(houseNumber|street|city|region|postalCode|country|callbackNumber|detail|siteId)\b/.exec(message);
      const field = m && form && form.elements[m[1]];
      if (!field) return;
      field.dataset.hint = field.getAttribute("aria-describedby") || "";
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", ("w-error " + field.dataset.hint).trim());
      field.focus();
    }

    _emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
    }
  }

  if (!customElements.get("mayday-agent-panel")) customElements.define("mayday-agent-panel", MaydayAgentPanel);
})();
