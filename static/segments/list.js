// The segment list's sizes move live: every committed entry or exit (/ws/feed/) nudges its
// segment's count. Reloading the page gives the server's exact figures again.

const table = document.querySelector(".segment-table");

function start() {
  const pending = new Map();
  let timer = null;

  function flush() {
    timer = null;
    for (const [segmentId, delta] of pending) {
      const cell = table.querySelector(`tr[data-segment-id="${segmentId}"] td.num`);
      if (!cell || !delta) continue;
      const now = Math.max(0, Number(cell.textContent.replace(/,/g, "")) + delta);
      cell.textContent = now.toLocaleString("en-US");
      cell.classList.remove("count-bumped");
      void cell.offsetWidth;
      cell.classList.add("count-bumped");
    }
    pending.clear();
  }

  function connect(attempt = 0) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/feed/`);
    socket.addEventListener("open", () => {
      attempt = 0;
      table.dataset.live = "true";
    });
    socket.addEventListener("message", (event) => {
      try {
        const message = JSON.parse(event.data);
        if (message.type !== "membership") return;
        const key = String(message.segment_id);
        pending.set(key, (pending.get(key) || 0) + (message.change === "entered" ? 1 : -1));
        if (!timer) timer = window.setTimeout(flush, 300);
      } catch (error) {
        /* ignore malformed frames */
      }
    });
    socket.addEventListener("close", (event) => {
      table.dataset.live = "false";
      if (event.code === 4401 || event.code === 4403) return;
      window.setTimeout(() => connect(attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
    });
  }

  if ("WebSocket" in window) connect();
}

if (table) start();
