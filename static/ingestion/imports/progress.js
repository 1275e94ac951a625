// Import job page (and the dry run while it runs): polls the job's JSON status every 1.5 s and
// updates the progress bar, the counts and the error list in place, until the work is done or
// failed. The server-rendered page is complete on its own (a reload shows the same state). With
// data-reload-after="checking", the page reloads once the dry run has finished, to show its results.

const POLL_MS = 1500;
const root = document.querySelector("[data-import-progress]");
const formatter = new Intl.NumberFormat();

function format(n) {
  return formatter.format(n);
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : "";
}

function progressText(s) {
  if (s.status === "done") return `Done: ${format(s.processed_rows)} of ${format(s.total_rows)} rows processed.`;
  if (s.status === "failed") return `Stopped after ${format(s.processed_rows)} of ${format(s.total_rows)} rows.`;
  if (s.status === "queued") return "Waiting for a worker…";
  return `${format(s.processed_rows)} of ${format(s.total_rows)} rows (${s.percent}%)…`;
}

function show(selector, visible) {
  const el = document.querySelector(selector);
  if (el) el.hidden = !visible;
}

function renderErrors(s) {
  const section = document.querySelector("[data-errors]");
  const body = document.querySelector("[data-errors-body]");
  if (!section || !body) return;
  section.hidden = s.errors.length === 0;
  if (body.children.length === s.errors.length) return;
  body.replaceChildren(
    ...s.errors.map((e) => {
      const tr = document.createElement("tr");
      for (const [text, cls] of [[String(e.row), "num"], [e.column || "—", ""], [capitalize(e.message), ""]]) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      return tr;
    }),
  );
  show("[data-errors-more]", s.more_errors > 0);
  const more = document.querySelector("[data-more-count]");
  if (more) more.textContent = format(s.more_errors);
}

function render(s) {
  if (root.dataset.reloadAfter && s.status !== root.dataset.reloadAfter) {
    window.location.reload();
    return true;
  }
  root.dataset.status = s.status;
  const bar = root.querySelector("[data-progress-bar]");
  bar.value = s.percent;
  bar.textContent = `${s.percent}%`;
  bar.classList.toggle("is-done", s.status === "done");
  bar.classList.toggle("is-failed", s.status === "failed");
  bar.classList.toggle("is-active", ["checking", "queued", "running"].includes(s.status));
  root.querySelector("[data-progress-text]").textContent = progressText(s);
  const badge = root.querySelector("[data-status-badge]");
  badge.textContent = s.status_label;
  badge.className = "badge " + ({ done: "badge-success", failed: "badge-danger" }[s.status] || "badge-brand");
  for (const el of document.querySelectorAll("[data-count]")) {
    if (el.dataset.count in s) el.textContent = format(s[el.dataset.count]);
  }
  const failure = root.querySelector("[data-failure-text]");
  if (failure) failure.textContent = capitalize(s.failure);
  show("[data-failure]", s.status === "failed");
  show("[data-stalled]", s.stalled);
  show("[data-resume]", s.status === "failed" || s.stalled);
  show("[data-done]", s.status === "done");
  renderErrors(s);
  return s.finished;
}

async function poll() {
  let finished = false;
  try {
    const response = await fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) {
      finished = render(await response.json());
    }
  } catch {
    // offline for a moment: try again on the next tick
  }
  if (!finished) window.setTimeout(poll, POLL_MS);
}

if (root && !["done", "failed"].includes(root.dataset.status)) poll();
