// <mayday-agent-panel>: Mayday's agent desktop panel as a web component.
// One file, no dependencies, no build step. It renders the agent's state
// (GET /v1/agents/{agentId}/state) live: the emergency alert in an assertive
// live region, the actions the state allows (during an emergency only
// Device settings and End call, no Save or Refresh), and the callback number
// with the time it stays reserved.
//
// Attributes:
//   agent-id       the agent (required)
//   state-url      the state route (default /v1/agents/{agent-id}/state)
//   stream-url     a server-sent-events stream of the state (optional; the
//                  local runner and `mayday console` serve
//                  /console/agents/{agent-id}/state/stream); without one, or
//                  when it fails, the panel polls state-url
//   poll-interval  milliseconds between polls (default 1000, at least 250)
//   credentials    fetch credentials mode for state-url (default same-origin)
//
// Events (bubbling, composed), each with detail {agentId, callId, state}:
//   mayday-end-call, mayday-device-settings, mayday-hold, mayday-mute,
//   mayday-transfer, mayday-consult, mayday-keypad, mayday-save,
//   mayday-refresh — the agent pressed that control; the host acts on it.
//   mayday-state   — detail {agentId, state}: a new state was rendered.
//   mayday-error   — detail {agentId, status, message}: the state could not
//                    be read (the panel keeps trying).
(() => {
  const LABELS = {
    deviceSettings: "Device settings", endCall: "End call", hold: "Hold", mute: "Mute",
    transfer: "Transfer", consult: "Consult", keypad: "Keypad", save: "Save", refresh: "Refresh",
  };
  const eventName = (action) => "mayday-" + action.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

  const STYLE = `
    :host { display: block; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
            color: #1a1a1a; background: #ffffff; border: 1px solid #767676; border-radius: 8px;
            padding: 12px 16px; max-width: 32rem; }
    .alert:empty { display: none; }
    .alert { background: #a0001c; color: #ffffff; font-weight: 700; font-size: 1.15rem;
             padding: 10px 12px; border-radius: 6px; margin: 0 0 12px; }
    .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
    .label { color: #4a4a4a; }
    .presence { font-weight: 600; }
    .callback[hidden], .form[hidden] { display: none; }
    .callback { background: #fff4d6; border: 1px solid #8a6100; border-radius: 6px; padding: 8px 10px; }
    .callback strong { font-size: 1.1rem; letter-spacing: .02em; }
    .left { color: #5c4100; }
    button { font: inherit; min-height: 2.5rem; padding: 6px 14px; border-radius: 6px; cursor: pointer;
             border: 1px solid #0b57d0; background: #ffffff; color: #0b57d0; }
    button.end-call { background: #a0001c; border-color: #a0001c; color: #ffffff; font-weight: 700; }
    button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
    button:hover { filter: brightness(0.92); }
    .status { color: #4a4a4a; font-size: .875rem; min-height: 1.2em; }
    h2 { font-size: 1rem; margin: 0 0 8px; }
  `;

  class MaydayAgentPanel extends HTMLElement {
    static get observedAttributes() {
      return ["agent-id", "state-url", "stream-url", "poll-interval", "credentials"];
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
          <div class="actions row" part="actions" role="group" aria-label="Call controls"></div>
          <div class="form row" part="form" role="group" aria-label="Conversation form" hidden></div>
          <div class="status" part="status" role="status"></div>
        </section>`;
      this._$ = (sel) => root.querySelector(sel);
      this._state = null;
      this._timers = [];
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
            credentials: this.getAttribute("credentials") || "same-origin",
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

    _emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
    }
  }

  if (!customElements.get("mayday-agent-panel")) customElements.define("mayday-agent-panel", MaydayAgentPanel);
})();
