// The profile page's "Segments" card: the segments this person is in, each with "why?" from the
// explanation API, re-read live when the feed (/ws/feed/) says this person entered or left one.

import { api } from "./api.js";
import { renderExplanation } from "./explain.js";

const card = document.querySelector("[data-profile-segments]");

function start() {
  const profileId = String(card.dataset.profileId);
  const body = card.querySelector("[data-profile-segments-body]");
  const live = card.querySelector("[data-segments-live]");
  const rules = new Map();

  async function ruleOf(segmentId) {
    if (!rules.has(segmentId)) rules.set(segmentId, api(`/api/v1/segments/${segmentId}/`).then((s) => s.rule).catch(() => ({})));
    return rules.get(segmentId);
  }

  async function explain(details) {
    if (details.dataset.loaded) return;
    details.dataset.loaded = "true";
    const slot = details.querySelector("[data-explain-body]");
    const segmentId = details.dataset.explain;
    try {
      const [explanation, rule] = await Promise.all([api(card.dataset.explainUrl.replace("{segment}", segmentId)), ruleOf(segmentId)]);
      slot.replaceChildren(renderExplanation(explanation, rule));
    } catch (error) {
      slot.textContent = "Could not explain this membership.";
    }
  }

  body.addEventListener(
    "toggle",
    (event) => {
      if (event.target.matches("details[data-explain]") && event.target.open) explain(event.target);
    },
    true,
  );

  async function refresh(changedSegment) {
    try {
      const response = await fetch(card.dataset.url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const open = new Set([...body.querySelectorAll("details[open]")].map((d) => d.dataset.explain));
      body.innerHTML = await response.text();
      for (const details of body.querySelectorAll("details[data-explain]")) {
        if (open.has(details.dataset.explain)) {
          details.open = true;
          explain(details);
        }
      }
      const item = body.querySelector(`[data-segment-id="${changedSegment}"]`);
      if (item) item.classList.add("is-new");
    } catch (error) {
      /* the next change retries */
    }
  }

  function setLive(state, label) {
    live.dataset.state = state;
    live.querySelector("[data-segments-live-label]").textContent = label;
  }

  function connect(attempt = 0) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/feed/`);
    socket.addEventListener("open", () => {
      attempt = 0;
      setLive("live", "Live");
      card.dataset.live = "true";
    });
    socket.addEventListener("message", (event) => {
      try {
        const message = JSON.parse(event.data);
        if (String(message.profile_id) === profileId) refresh(message.segment_id);
      } catch (error) {
        /* ignore malformed frames */
      }
    });
    socket.addEventListener("close", (event) => {
      card.dataset.live = "false";
      setLive("offline", "Offline — retrying");
      if (event.code === 4401 || event.code === 4403) return;
      window.setTimeout(() => connect(attempt + 1), Math.min(30000, 1000 * 2 ** attempt));
    });
  }

  if ("WebSocket" in window) connect();
}

if (card) start();
