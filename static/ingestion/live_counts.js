// Live event counts on the Sources pages: polls the sources API every few seconds and updates the
// numbers in place. Pauses while the tab is hidden and catches up as soon as it is visible again.
// The page is complete without this module: it only keeps the server-rendered counts fresh.

const INTERVAL_MS = 5000;
const NUMBER = new Intl.NumberFormat();
const UNITS = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

function relative(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  for (const [unit, size] of UNITS) {
    if (seconds >= size) {
      const count = Math.floor(seconds / size);
      return `${count} ${unit}${count === 1 ? "" : "s"} ago`;
    }
  }
  return "1 minute ago";
}

function setCount(cell, value) {
  const text = NUMBER.format(value);
  if (cell.textContent.trim() === text) return;
  cell.textContent = text;
  cell.classList.remove("count-bumped");
  void cell.offsetWidth; // restart the highlight animation
  cell.classList.add("count-bumped");
}

function setLastEvent(cell, iso) {
  if (!iso) return;
  const time = document.createElement("time");
  time.dateTime = iso;
  time.title = new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  time.textContent = relative(iso);
  cell.replaceChildren(time);
}

function apply(sources) {
  for (const source of sources) {
    const cells = document.querySelectorAll(`[data-source-row="${source.id}"] [data-count]`);
    for (const cell of cells) {
      const key = cell.dataset.count;
      if (key === "last_event_at") setLastEvent(cell, source.events.last_event_at);
      else if (key in source.events) setCount(cell, source.events[key]);
    }
  }
}

function start(root) {
  const status = document.querySelector("[data-live-status]");
  let timer = null;
  let stopped = false;

  const say = (text) => {
    if (status) status.textContent = text;
  };

  async function refresh() {
    timer = null;
    try {
      const response = await fetch(root.dataset.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.status === 401 || response.status === 403) {
        stopped = true;
        say("Live counts stopped: sign in again to resume.");
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      apply(Array.isArray(body) ? body : [body]);
      say(`Live · updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      say("Could not refresh the counts; retrying…");
    }
    schedule();
  }

  function schedule() {
    if (stopped || document.hidden || timer !== null) return;
    timer = window.setTimeout(refresh, INTERVAL_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      if (timer !== null) window.clearTimeout(timer);
      timer = null;
      if (!stopped) say("Paused while this tab is hidden.");
    } else if (!stopped && timer === null) {
      refresh();
    }
  });

  say("Live · refreshing every few seconds");
  schedule();
}

const root = document.querySelector("[data-live-counts]");
if (root && "fetch" in window) start(root);
