// The builder's JSON view for power users: the same rule as text. Switching tabs converts both
// ways (visual → JSON → visual gives the same tree); while typing, valid JSON is counted live and
// the API's error (with the path of the bad node) is shown under the editor.

import { debounce } from "./dom.js";
import { RuleShapeError } from "./model.js";

export class JsonView {
  constructor(root, { current, apply, preview }) {
    this.current = current;
    this.applyRule = apply;
    this.previewRule = preview;
    this.tabs = [...root.querySelectorAll("[data-tab]")];
    this.panels = Object.fromEntries([...root.querySelectorAll("[data-panel]")].map((p) => [p.dataset.panel, p]));
    this.textarea = root.querySelector("[data-json]");
    this.status = root.querySelector("[data-json-status]");
    this.mode = "visual";
    this.filled = "";
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.show(tab.dataset.tab));
      tab.addEventListener("keydown", (event) => {
        if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
        event.preventDefault();
        const next = this.tabs[(this.tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1) + this.tabs.length) % this.tabs.length];
        next.focus();
        this.show(next.dataset.tab);
      });
    }
    root.querySelector("[data-json-apply]").addEventListener("click", () => {
      if (this.apply()) this.show("visual");
    });
    root.querySelector("[data-json-format]").addEventListener("click", () => {
      const rule = this.parse();
      if (rule) this.textarea.value = JSON.stringify(rule, null, 2);
    });
    const live = debounce(() => {
      const rule = this.parse();
      if (rule) this.previewRule(rule);
    }, 300);
    this.textarea.addEventListener("input", () => {
      this.say("");
      live();
    });
  }

  say(text, kind = "") {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
  }

  parse() {
    try {
      const rule = JSON.parse(this.textarea.value);
      this.say("");
      return rule;
    } catch (error) {
      this.say(`Not valid JSON: ${error.message}`, "error");
      return null;
    }
  }

  apply() {
    const rule = this.parse();
    if (!rule) return false;
    try {
      this.applyRule(rule);
    } catch (error) {
      if (!(error instanceof RuleShapeError)) throw error;
      this.say(`The visual view cannot show this rule: ${error.message}`, "error");
      return false;
    }
    this.filled = this.textarea.value;
    this.say("Applied to the visual view.", "ok");
    return true;
  }

  // Before saving from the JSON tab, its text must become the tree.
  syncBeforeSave() {
    if (this.mode !== "json" || this.textarea.value === this.filled) return true;
    return this.apply();
  }

  show(mode) {
    if (mode === this.mode) return;
    if (mode === "visual" && this.textarea.value !== this.filled && !this.apply()) return;
    if (mode === "json") {
      this.filled = JSON.stringify(this.current(), null, 2);
      this.textarea.value = this.filled;
      this.say("");
    }
    this.mode = mode;
    for (const tab of this.tabs) {
      const selected = tab.dataset.tab === mode;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      tab.tabIndex = selected ? 0 : -1;
    }
    for (const [name, panel] of Object.entries(this.panels)) panel.hidden = name !== mode;
    if (mode === "json") this.textarea.focus();
  }
}
