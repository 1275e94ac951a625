// The shell's live indicator: opens /ws/presence/ and shows whether live updates are flowing.
// Reconnects with capped exponential back-off. No global state: everything hangs off the element.

const INDICATOR = document.querySelector("[data-live-indicator]");

function label(state) {
  return { connecting: "Connecting…", live: "Live", offline: "Offline — retrying" }[state];
}

function setState(el, state) {
  el.dataset.state = state;
  el.querySelector("[data-live-label]").textContent = label(state);
}

function connect(el, attempt = 0) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/presence/`);
  setState(el, "connecting");
  socket.addEventListener("open", () => {
    attempt = 0;
    setState(el, "live");
  });
  socket.addEventListener("close", (event) => {
    setState(el, "offline");
    if (event.code === 4401) return; // signed out: do not hammer the server
    const delay = Math.min(30000, 1000 * 2 ** attempt);
    window.setTimeout(() => connect(el, attempt + 1), delay);
  });
}

if (INDICATOR && "WebSocket" in window) {
  connect(INDICATOR);
}
