// The local desk: one agent's panel, fed by the console's state stream.
// End call ends the call as the telephony platform would, where this
// console can (the local runner); elsewhere it only says so.
(async () => {
  const id = decodeURIComponent(location.pathname.replace(/^\/desk\//, "").replace(/\/$/, ""));
  const panel = document.getElementById("panel");
  const status = document.getElementById("desk-status");
  document.title = "Mayday — " + id;
  document.getElementById("agent-name").textContent = id;
  let config = {};
  try { config = await (await fetch("/console/config")).json(); } catch (e) { /* defaults */ }
  panel.setAttribute("state-url", "/v1/agents/" + encodeURIComponent(id) + "/state");
  panel.setAttribute("stream-url", "/console/agents/" + encodeURIComponent(id) + "/state/stream");
  panel.setAttribute("agent-id", id);
  panel.addEventListener("mayday-end-call", async (e) => {
    if (!config.endCall) { status.textContent = "End call is the contact center's: it sends call.ended."; return; }
    if (!e.detail.callId) { status.textContent = "No call to end."; return; }
    status.textContent = "Ending call " + e.detail.callId + "…";
    const res = await fetch("/console/agents/" + encodeURIComponent(id) + "/end-call", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ callId: e.detail.callId }),
    });
    status.textContent = res.ok ? "Call " + e.detail.callId + " ended." :
      "Could not end the call: " + ((await res.json().catch(() => ({}))).error || res.status);
  });
  panel.addEventListener("mayday-device-settings", () => { status.textContent = "Device settings are the desktop's own."; });
})();
