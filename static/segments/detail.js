// A segment's live page: the rule in plain words, size over time (Plotly, served locally), the
// live feed of entries and exits (websocket /ws/segments/<id>/), more members on demand and
// "why is this person here" (explanation API).

import { api } from "./api.js";
import { ago, formatNumber, h, readConfig } from "./dom.js";
import { causeLabel, renderExplanation } from "./explain.js";
import { fromRule } from "./model.js";
import { sentence } from "./sentence.js";

const config = readConfig("segment-config");
const rule = readConfig("segment-rule");
const versionRules = readConfig("version-rules");
const page = document.querySelector("[data-segment-page]");
const urls = config.urls || {};
const names = {
  metric: (key) => String(key || "").replace(/_/g, " "),
  segment: () => null,
  purpose: (slug) => String(slug || "").replace(/_/g, " "),
};

// --- the rule in plain words ------------------------------------------------------------------------

function phrase(ruleJson) {
  try {
    return sentence(fromRule(ruleJson), names);
  } catch (error) {
    return "";
  }
}

function showSentences() {
  const head = page.querySelector("[data-rule-sentence]");
  if (head) head.textContent = phrase(rule);
  for (const item of page.querySelectorAll("[data-version]")) {
    const text = versionRules[item.dataset.version];
    const slot = item.querySelector("[data-version-sentence]");
    if (slot && text) slot.textContent = phrase(text);
  }
}

async function loadNames() {
  try {
    const schema = await api("/api/v1/segments/schema/");
    const metrics = new Map(schema.metrics.map((m) => [m.key, m.label]));
    const segments = new Map(schema.segments.map((s) => [String(s.id), s.name]));
    const purposes = new Map(schema.purposes.map((p) => [p.slug, p.name]));
    names.metric = (key) => metrics.get(key) || key;
    names.segment = (id) => segments.get(String(id)) || null;
    names.purpose = (slug) => purposes.get(slug) || slug;
    showSentences();
  } catch (error) {
    /* the plain fallbacks stay */
  }
}

// --- figures ------------------------------------------------------------------------------------------

const counters = {
  members: page.querySelector("[data-member-count]"),
  entered: page.querySelector("[data-entered-count]"),
  exited: page.querySelector("[data-exited-count]"),
};
let memberCount = Number(config.segment.member_count) || 0;

function bump(el) {
  el.classList.remove("count-bumped");
  void el.offsetWidth;
  el.classList.add("count-bumped");
}

// --- size over time ------------------------------------------------------------------------------------

const chartEl = page.querySelector("[data-size-chart]");
const series = { days: [], sizes: [], entered: [], exited: [] };
let chartTimer = null;

function today() {
  return new Date().toISOString().slice(0, 10);
}

function drawChart() {
  chartTimer = null;
  if (!window.Plotly) {
    chartEl.replaceChildren(h("div", { class: "chart-empty" }, "The chart library did not load."));
    return;
  }
  if (!series.days.length) {
    chartEl.replaceChildren(h("div", { class: "chart-empty" }, h("span", {}, "No membership changes yet.", h("br"), "The line starts with the first person who enters.")));
    return;
  }
  if (chartEl.querySelector(".chart-empty")) chartEl.replaceChildren();
  const style = getComputedStyle(document.documentElement);
  const brand = style.getPropertyValue("--c-brand").trim() || "#0f6e7a";
  const success = style.getPropertyValue("--c-success").trim() || "#1f8a4c";
  const danger = style.getPropertyValue("--c-danger").trim() || "#c0392b";
  const traces = [
    { x: series.days, y: series.sizes, type: "scatter", mode: "lines+markers", name: "Members", line: { color: brand, width: 2.5, shape: "hv" }, marker: { size: 5 }, hovertemplate: "%{x}: %{y:,} members<extra></extra>" },
    { x: series.days, y: series.entered, type: "bar", name: "Entered", marker: { color: success, opacity: 0.35 }, yaxis: "y2", hovertemplate: "%{x}: +%{y:,}<extra></extra>" },
    { x: series.days, y: series.exited.map((n) => -n), type: "bar", name: "Left", marker: { color: danger, opacity: 0.35 }, yaxis: "y2", hovertemplate: "%{x}: %{y:,}<extra></extra>" },
  ];
  const layout = {
    margin: { l: 48, r: 48, t: 8, b: 36 },
    showlegend: true,
    legend: { orientation: "h", y: -0.18 },
    font: { family: style.getPropertyValue("--font").trim() || "system-ui", size: 12 },
    xaxis: { type: "date", gridcolor: "#eef1f5", tickformat: "%b %d", range: xRange() },
    yaxis: { rangemode: "tozero", gridcolor: "#eef1f5", title: { text: "members" } },
    yaxis2: { overlaying: "y", side: "right", showgrid: false, zeroline: true, title: { text: "daily ±" } },
    barmode: "relative",
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
  };
  window.Plotly.react(chartEl, traces, layout, { displayModeBar: false, responsive: true });
}

// At least two weeks on the axis, so a young segment's first days are bars, not a zoom into hours.
function xRange() {
  const day = 86400000;
  const last = Date.parse(`${today()}T00:00:00Z`) + day;
  const first = Math.min(Date.parse(`${series.days[0]}T00:00:00Z`) - day / 2, last - 14 * day);
  return [new Date(first).toISOString().slice(0, 10), new Date(last).toISOString().slice(0, 10)];
}

function scheduleChart() {
  if (!chartTimer) chartTimer = window.setTimeout(drawChart, 800);
}

async function loadSize() {
  try {
    const points = await api(urls.size);
    for (const point of points) {
      series.days.push(point.day);
      series.sizes.push(point.size);
      series.entered.push(point.entered);
      series.exited.push(point.exited);
    }
  } catch (error) {
    chartEl.replaceChildren(h("div", { class: "chart-empty" }, "Could not load the size history."));
    return;
  }
  if (series.days.length) {
    // The day before the first change the segment was empty: the line starts from zero.
    const before = new Date(Date.parse(`${series.days[0]}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
    series.days.unshift(before);
    series.sizes.unshift(0);
    series.entered.unshift(0);
    series.exited.unshift(0);
  }
  if (window.Plotly) drawChart();
  else window.addEventListener("load", drawChart, { once: true });
}

function chartChange(entered, exited) {
  const day = today();
  if (series.days[series.days.length - 1] !== day) {
    series.days.push(day);
    series.sizes.push(memberCount);
    series.entered.push(0);
    series.exited.push(0);
  }
  const last = series.days.length - 1;
  series.sizes[last] = memberCount;
  series.entered[last] += entered;
  series.exited[last] += exited;
  scheduleChart();
}

// --- live feed ---------------------------------------------------------------------------------------------

const feed = page.querySelector("[data-feed]");
const feedState = page.querySelector("[data-feed-state]");
const displayNames = new Map();
const FEED_MAX = 100;

function resolveName(profileId, slot) {
  if (!config.can_view_profiles) return;
  const known = displayNames.get(profileId);
  if (known instanceof Promise) known.then((name) => name && (slot.textContent = name));
  else if (known) slot.textContent = known;
  else {
    const request = api(urls.profile_api.replace("{id}", profileId))
      .then((body) => {
        const name = body.display_name || body.overview?.display_name || null;
        displayNames.set(profileId, name);
        return name;
      })
      .catch(() => null);
    displayNames.set(profileId, request);
    request.then((name) => name && (slot.textContent = name));
  }
}

function feedItem(change, fresh, resolve = true) {
  const entered = change.change === "entered";
  const who = config.can_view_profiles ? h("a", { href: urls.profile.replace("{id}", change.profile_id) }, `Profile #${change.profile_id}`) : h("span", {}, `Profile #${change.profile_id}`);
  const moment = new Date(change.at);
  const time = h("time", { datetime: change.at, title: moment.toLocaleString(), dataset: { at: String(moment.getTime()) } }, ago(moment.getTime()));
  const item = h(
    "li",
    { class: `feed-item${fresh ? " is-new" : ""}`, dataset: { change: change.change, profileId: String(change.profile_id) } },
    h("span", { class: `badge ${entered ? "change-entered" : "change-exited"}` }, entered ? "Entered" : "Left"),
    h("span", { class: "feed-who" }, who, h("span", { class: "muted" }, ` · ${causeLabel(change.cause)}`)),
    time,
  );
  if (config.can_view_profiles && resolve) resolveName(change.profile_id, who);
  return item;
}

function clearFeedEmpty() {
  const empty = feed.querySelector("[data-feed-empty]");
  if (empty) empty.remove();
}

async function loadHistory() {
  try {
    const body = await api(`${urls.history}?limit=30`);
    const items = body.results || [];
    clearFeedEmpty();
    if (!items.length) feed.append(h("li", { class: "feed-empty muted", dataset: { feedEmpty: "" } }, "No entries or exits yet. They appear here live as people act."));
    for (const change of items) feed.append(feedItem(change, false));
  } catch (error) {
    clearFeedEmpty();
    feed.append(h("li", { class: "feed-empty muted", dataset: { feedEmpty: "" } }, "Could not load recent changes; live ones will still appear."));
  }
}

// Changes arrive one message each (a rule edit can send thousands at once): they are applied in
// batches, four times a second, and only the newest FEED_MAX are drawn.
let queue = [];
let flushTimer = null;

function onMembership(message) {
  if (String(message.segment_id) !== String(config.segment.id)) return;
  queue.push(message);
  if (!flushTimer) flushTimer = window.setTimeout(flush, 250);
}

function flush() {
  flushTimer = null;
  const batch = queue;
  queue = [];
  if (!batch.length) return;
  clearFeedEmpty();
  const fragment = document.createDocumentFragment();
  const few = batch.length <= 20; // a burst (a rule edit) shows ids rather than asking a name for each
  for (const message of batch.slice(-FEED_MAX).reverse()) fragment.append(feedItem(message, true, few));
  feed.prepend(fragment);
  while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
  let entered = 0;
  let exited = 0;
  for (const message of batch) {
    if (message.change === "entered") entered += 1;
    else exited += 1;
  }
  memberCount = Math.max(0, memberCount + entered - exited);
  counters.members.textContent = formatNumber(memberCount);
  bump(counters.members);
  for (const [counter, n] of [[counters.entered, entered], [counters.exited, exited]]) {
    if (!n) continue;
    counter.textContent = formatNumber(Number(counter.textContent.replace(/,/g, "")) + n);
    bump(counter);
  }
  chartChange(entered, exited);
}

function setFeedState(state, label) {
  feedState.dataset.state = state;
  feedState.querySelector("[data-feed-label]").textContent = label;
}

function connect(attempt = 0) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${urls.socket}`);
  setFeedState("connecting", "Connecting…");
  socket.addEventListener("open", () => {
    attempt = 0;
    setFeedState("live", "Live");
    page.dataset.live = "true";
  });
  socket.addEventListener("message", (event) => {
    try {
      const message = JSON.parse(event.data);
      if (message.type === "membership" || message.type === "segment.membership") onMembership(message);
    } catch (error) {
      /* ignore malformed frames */
    }
  });
  socket.addEventListener("close", (event) => {
    page.dataset.live = "false";
    setFeedState("offline", "Offline — retrying");
    if (event.code === 4401 || event.code === 4403 || event.code === 4404) return;
    window.setTimeout(() => connect(attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
  });
}

window.setInterval(() => {
  for (const time of feed.querySelectorAll("time[data-at]")) time.textContent = ago(Number(time.dataset.at));
}, 5000);

// --- members: more, and "why is this person here" --------------------------------------------------------

const membersBody = page.querySelector("[data-members]");
const moreButton = page.querySelector("[data-more-members]");
let nextMembers = null;

function money(value) {
  return Number(value || 0).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function memberRow(member) {
  const person = config.can_view_profiles ? h("a", { class: "person", href: urls.profile.replace("{id}", member.id) }, member.display_name) : h("strong", {}, member.display_name);
  const rfm = member.rfm_class ? h("span", { class: `badge rfm rfm-${member.rfm_class.toLowerCase().replace(/[^a-z]+/g, "-")}` }, member.rfm_class) : h("span", { class: "muted" }, "—");
  return h(
    "tr",
    { dataset: { profileId: String(member.id) } },
    h("td", {}, h("span", { class: "member-cell" }, person, h("span", { class: "muted small" }, member.email || member.user_id || member.anonymous_id || "—"))),
    h("td", {}, rfm),
    h("td", { class: "num" }, String(member.orders_count)),
    h("td", { class: "num" }, money(member.revenue_total)),
    h("td", { class: "nowrap" }, member.last_seen ? ago(new Date(member.last_seen).getTime()) : "never"),
    h("td", {}, config.can_view_profiles ? h("button", { type: "button", class: "btn btn-sm btn-ghost", dataset: { why: String(member.id) }, "aria-expanded": "false", "aria-label": `Why is ${member.display_name} here?` }, "Why?") : null),
  );
}

const moreFoot = page.querySelector("[data-more-foot]");
const membersTable = page.querySelector("[data-members-table]");
const membersEmpty = page.querySelector("[data-members-empty]");
const membersNote = page.querySelector("[data-members-note]");
const atForm = page.querySelector("[data-members-at]");
let membersAt = null;

function membersUrl() {
  return `${urls.members}?limit=10${membersAt ? `&at=${encodeURIComponent(membersAt)}` : ""}`;
}

// "Who was in the segment at that moment" (members ?at=, from the ledger), or back to now.
async function showMembersAt(moment) {
  membersAt = moment;
  nextMembers = null;
  membersBody.replaceChildren();
  page.querySelector("[data-members-now]").hidden = !moment;
  membersNote.textContent = moment ? `On ${new Date(moment).toLocaleString()}, from the membership ledger.` : "Now, most recently active first.";
  try {
    const body = await api(membersUrl());
    for (const member of body.results || []) membersBody.append(memberRow(member));
    nextMembers = body.next;
    const none = !(body.results || []).length;
    membersTable.hidden = none;
    membersEmpty.hidden = !none;
    if (none) membersEmpty.textContent = moment ? "Nobody was in the segment at that moment." : "Nobody matches this rule right now.";
    moreFoot.hidden = !nextMembers;
  } catch (error) {
    membersEmpty.hidden = false;
    membersEmpty.textContent = error.describe ? error.describe() : "Could not load the members.";
  }
}

if (atForm) {
  atForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = atForm.querySelector("[data-members-at-input]").value;
    if (value) showMembersAt(new Date(value).toISOString());
  });
  page.querySelector("[data-members-now]").addEventListener("click", () => {
    atForm.querySelector("[data-members-at-input]").value = "";
    showMembersAt(null);
  });
}

async function loadMoreMembers() {
  moreButton.disabled = true;
  const shown = new Set([...membersBody.querySelectorAll("tr[data-profile-id]")].map((row) => row.dataset.profileId));
  let url = nextMembers || membersUrl();
  let added = 0;
  try {
    while (url && added === 0) {
      const body = await api(url);
      for (const member of body.results || []) {
        if (shown.has(String(member.id))) continue;
        membersBody.append(memberRow(member));
        added += 1;
      }
      url = body.next;
    }
    nextMembers = url;
    moreFoot.hidden = !url;
  } catch (error) {
    moreButton.textContent = "Could not load more — try again";
  }
  moreButton.disabled = false;
}

async function toggleWhy(button) {
  const row = button.closest("tr");
  const open = button.getAttribute("aria-expanded") === "true";
  const existing = row.nextElementSibling && row.nextElementSibling.classList.contains("why-row") ? row.nextElementSibling : null;
  if (open) {
    if (existing) existing.remove();
    button.setAttribute("aria-expanded", "false");
    button.textContent = "Why?";
    return;
  }
  const cell = h("td", { colspan: "6" }, h("span", { class: "muted small" }, "Explaining…"));
  const whyRow = h("tr", { class: "why-row" }, cell);
  row.after(whyRow);
  button.setAttribute("aria-expanded", "true");
  button.textContent = "Hide";
  try {
    const body = await api(urls.explain.replace("{id}", button.dataset.why));
    cell.replaceChildren(renderExplanation(body, rule, names));
  } catch (error) {
    cell.replaceChildren(h("span", { class: "muted small" }, "Could not explain this membership."));
  }
}

page.addEventListener("click", (event) => {
  const why = event.target.closest("[data-why]");
  if (why) toggleWhy(why);
});
if (moreButton) moreButton.addEventListener("click", loadMoreMembers);

// --- archive ---------------------------------------------------------------------------------------------

const archive = page.querySelector("[data-archive]");
if (archive) {
  archive.addEventListener("click", async () => {
    const error = page.querySelector("[data-archive-error]");
    archive.disabled = true;
    try {
      await api(urls.segment, { method: "DELETE" });
      window.location.assign(urls.list);
    } catch (failure) {
      error.textContent = failure.describe ? failure.describe() : "Could not archive the segment.";
      error.hidden = false;
      archive.disabled = false;
    }
  });
}

// --- go --------------------------------------------------------------------------------------------------

showSentences();
loadNames();
loadSize();
loadHistory().then(() => {
  if ("WebSocket" in window) connect();
});
