// The builder's live count: POST /api/v1/segments/preview/ (debounced by the caller, the previous
// request aborted), the count's freshness ("counted 4 s ago"), a sample of who matches, and, when
// editing a saved segment, the impact of the change (+entering / −leaving).

import { ApiError, api } from "./api.js";
import { ago, formatNumber, h } from "./dom.js";

export function sampleItem(person, urls) {
  const secondary = person.email || person.user_id || person.anonymous_id || `profile #${person.id}`;
  const link = urls && urls.profile ? h("a", { href: urls.profile.replace("{id}", person.id) }, person.display_name || `#${person.id}`) : h("strong", {}, person.display_name);
  return h(
    "li",
    { class: "sample-item" },
    h("span", { class: "avatar avatar-sm", "aria-hidden": "true" }, (person.display_name || "?").slice(0, 1)),
    h("span", { class: "sample-who" }, link, h("span", { class: "muted small" }, secondary)),
    person.rfm_class ? h("span", { class: `badge rfm rfm-${person.rfm_class.toLowerCase().replace(/[^a-z]+/g, "-")}` }, person.rfm_class) : null,
  );
}

export class LivePreview {
  constructor(root, { urls, isSaved, onRuleError }) {
    this.urls = urls;
    this.isSaved = isSaved || (() => false);
    this.onRuleError = onRuleError;
    this.el = {
      count: root.querySelector("[data-count]"),
      value: root.querySelector("[data-count-value]"),
      fresh: root.querySelector("[data-fresh]"),
      problem: root.querySelector("[data-problem]"),
      sample: root.querySelector("[data-sample]"),
      impact: root.querySelector("[data-impact]"),
      impactIn: root.querySelector("[data-impact-in]"),
      impactOut: root.querySelector("[data-impact-out]"),
    };
    this.countedAt = null;
    this.counting = false;
    this.controller = null;
    window.setInterval(() => this.tick(), 1000);
  }

  tick() {
    if (this.counting) this.el.fresh.textContent = "Counting…";
    else if (this.countedAt) this.el.fresh.textContent = `Counted ${ago(this.countedAt)} · exact, from live data`;
  }

  problem(text, kind = "warning") {
    this.el.problem.textContent = text || "";
    this.el.problem.hidden = !text;
    this.el.problem.dataset.kind = kind;
  }

  pending() {
    this.el.count.classList.add("is-stale");
  }

  empty() {
    this.abort();
    this.el.value.textContent = "Everyone";
    this.el.count.classList.remove("is-stale");
    this.el.fresh.textContent = "Add a condition to start counting";
    this.countedAt = null;
    this.problem("");
    this.fillSample(this.el.sample, [], "Add a condition to see who matches.");
    if (this.el.impact) this.el.impact.hidden = true;
  }

  incomplete(message) {
    this.abort();
    this.problem(`Finish the highlighted condition to count: ${message.toLowerCase()}.`);
  }

  abort() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.counting = false;
  }

  async count(rule) {
    this.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.counting = true;
    this.tick();
    const wantImpact = Boolean(this.el.impact && this.urls.impact && !this.isSaved(rule));
    try {
      const [result, impact] = await Promise.all([
        api(this.urls.preview, { method: "POST", body: { rule }, signal: controller.signal }),
        wantImpact ? api(this.urls.impact, { method: "POST", body: { rule }, signal: controller.signal }) : null,
      ]);
      if (controller !== this.controller) return;
      this.el.value.textContent = formatNumber(result.count);
      this.el.count.dataset.count = String(result.count);
      this.el.count.classList.remove("is-stale");
      this.countedAt = Date.now();
      this.problem("");
      this.onRuleError(null);
      this.fillSample(this.el.sample, result.sample, "Nobody matches right now.");
      if (this.el.impact) {
        this.el.impact.hidden = !impact;
        if (impact) {
          this.el.impactIn.textContent = `+${formatNumber(impact.entering)}`;
          this.el.impactOut.textContent = `−${formatNumber(impact.leaving)}`;
        }
      }
    } catch (error) {
      if (error.name === "AbortError" || controller !== this.controller) return;
      if (error instanceof ApiError && error.ruleError()) {
        this.onRuleError(error.ruleError());
        this.problem(`The rule has a problem: ${error.ruleError().message}`, "error");
      } else {
        this.problem(error instanceof ApiError ? error.describe() : "Could not count: the server did not answer.", "error");
      }
    } finally {
      if (controller === this.controller) {
        this.counting = false;
        this.controller = null;
        this.tick();
      }
    }
  }

  fillSample(list, sample, emptyText) {
    if (!sample || !sample.length) {
      list.replaceChildren(h("li", { class: "muted" }, emptyText));
      return;
    }
    list.replaceChildren(...sample.map((person) => sampleItem(person, this.urls)));
  }
}
