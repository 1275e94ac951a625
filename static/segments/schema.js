// What the pickers offer, from the discovery API (GET /api/v1/segments/schema/ and friends), with
// the person's recently used choices first (kept in localStorage, per kind).

import { api } from "./api.js";

const RECENT_KEY = "shoal.builder.recent";
const RECENT_MAX = 5;

function readRecent() {
  try {
    return JSON.parse(window.localStorage.getItem(RECENT_KEY) || "{}") || {};
  } catch (error) {
    return {};
  }
}

export function recent(kind) {
  return (readRecent()[kind] || []).map(String);
}

export function remember(kind, value) {
  if (value === null || value === undefined || value === "") return;
  const all = readRecent();
  const list = [String(value), ...(all[kind] || []).map(String).filter((v) => v !== String(value))].slice(0, RECENT_MAX);
  all[kind] = list;
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(all));
  } catch (error) {
    /* private mode: no recents */
  }
}

// Recent first (in recency order), then the rest in the given (most frequent first) order.
export function recentFirst(kind, items, keyOf) {
  const recents = recent(kind);
  const byKey = new Map(items.map((item) => [String(keyOf(item)), item]));
  const head = recents.filter((k) => byKey.has(k)).map((k) => ({ ...byKey.get(k), recent: true }));
  const seen = new Set(head.map((item) => String(keyOf(item))));
  return [...head, ...items.filter((item) => !seen.has(String(keyOf(item))))];
}

export class Schema {
  constructor(urls) {
    this.urls = urls;
    this.data = { events: [], traits: [], metrics: [], segments: [], purposes: [], rfm_classes: [] };
    this.properties = new Map();
    this.listeners = [];
  }

  async load() {
    this.data = await api(this.urls.schema);
    return this;
  }

  trait(key) {
    return this.data.traits.find((t) => t.key === key) || null;
  }

  metric(key) {
    return this.data.metrics.find((m) => m.key === key) || null;
  }

  segment(id) {
    return this.data.segments.find((s) => String(s.id) === String(id)) || null;
  }

  purpose(slug) {
    return this.data.purposes.find((p) => p.slug === slug) || null;
  }

  event(name) {
    return this.data.events.find((e) => e.name === name) || null;
  }

  // The property keys of an event (cached promise), [] when the event is unknown.
  eventProperties(name) {
    if (!name) return Promise.resolve([]);
    if (!this.properties.has(name)) {
      const url = `${this.urls.properties}?event=${encodeURIComponent(name)}`;
      const request = api(url)
        .then((body) => body.properties || [])
        .catch(() => []);
      this.properties.set(name, request);
    }
    return this.properties.get(name);
  }

  // Observed values for autocomplete: from the schema for traits and rfm_class, from the
  // event's properties for a property filter.
  async values(kind, key, event = null) {
    if (kind === "trait") return (this.trait(key) || { values: [] }).values.map((v) => v.value);
    if (kind === "metric" && key === "rfm_class") return this.data.rfm_classes;
    if (kind === "property") {
      const properties = await this.eventProperties(event);
      const found = properties.find((p) => p.key === key);
      return found ? found.values.map((v) => v.value) : [];
    }
    return [];
  }
}
