// The visual segment builder page: wires the tree, the plain-language sentence, the JSON view,
// the live count and the save flow (with the impact preview when editing a saved segment).

import { ApiError, api } from "./api.js";
import { debounce, h, readConfig } from "./dom.js";
import { JsonView } from "./jsonview.js";
import { RuleShapeError, canonical, countConditions, fromRule, incomplete, newGroup, toRule } from "./model.js";
import { LivePreview } from "./preview.js";
import { Schema } from "./schema.js";
import { sentence } from "./sentence.js";
import { renderTree } from "./tree.js";

const config = readConfig("builder-config");
const page = document.querySelector("[data-segment-builder]");

function start() {
  const urls = config.urls;
  const saved = config.segment;
  const schema = new Schema(urls);
  const els = {
    tree: page.querySelector("[data-tree]"),
    sentence: page.querySelector("[data-sentence]"),
    name: page.querySelector("[data-name]"),
    description: page.querySelector("[data-description]"),
    save: page.querySelector("[data-save]"),
    saveError: page.querySelector("[data-save-error]"),
  };
  const savedRuleText = saved && saved.rule ? canonical(saved.rule) : null;
  // The builder always shows a group at the top; a saved single condition is the same rule as
  // that condition alone in an "all" group.
  const isSaved = (rule) => {
    if (!savedRuleText) return false;
    if (canonical(rule) === savedRuleText) return true;
    return Boolean(rule.all && rule.all.length === 1 && canonical(rule.all[0]) === savedRuleText);
  };
  const state = { tree: newGroup("all"), errors: {}, problems: {}, paths: {}, showProblems: false };

  const names = {
    metric: (key) => (schema.metric(key) || { label: key }).label,
    segment: (id) => (schema.segment(id) || {}).name,
    purpose: (slug) => (schema.purpose(slug) || { name: slug }).name,
  };
  const lookups = {
    traitType: (key) => (schema.trait(key) || {}).type,
    metricType: (key) => (schema.metric(key) || {}).type,
  };

  const ctx = {
    schema,
    names,
    selfId: saved && saved.id,
    root: () => state.tree,
    get errors() {
      return state.errors;
    },
    get problems() {
      return state.problems;
    },
    get showProblems() {
      return state.showProblems;
    },
    update: (structural, focusKey) => {
      if (structural) scheduleRender(focusKey);
      changed();
    },
  };

  // --- rendering, with focus kept on the control being used ---------------------------------------

  let pendingFocus = null;
  let renderTimer = null;
  function scheduleRender(focusKey) {
    if (focusKey) pendingFocus = focusKey;
    if (renderTimer) return;
    renderTimer = window.setTimeout(() => {
      renderTimer = null;
      render(pendingFocus);
      pendingFocus = null;
    }, 0);
  }

  function render(focusKey = null) {
    const active = document.activeElement;
    const key = focusKey || (active && els.tree.contains(active) ? active.dataset.fk : null);
    const caret = active && typeof active.selectionStart === "number" && !focusKey ? active.selectionStart : null;
    els.tree.replaceChildren(renderTree(state.tree, ctx));
    if (key) {
      let target = els.tree.querySelector(`[data-fk="${CSS.escape(key)}"]`);
      if (!target || target.disabled) {
        // e.g. "move down" on what is now the last item: stay on that item's first usable control.
        const id = key.split(":")[0];
        target = els.tree.querySelector(`[data-node-id="${CSS.escape(id)}"] [data-fk]:not([disabled])`);
      }
      if (target && !target.disabled) {
        target.focus();
        if (caret !== null && typeof target.setSelectionRange === "function") {
          try {
            target.setSelectionRange(caret, caret);
          } catch (error) {
            /* number inputs have no selection */
          }
        }
      }
    }
  }

  function updateSlots() {
    for (const slot of els.tree.querySelectorAll("[data-error-for]")) {
      const id = slot.dataset.errorFor;
      const message = state.errors[id] || (state.showProblems ? state.problems[id] : "") || "";
      slot.textContent = message;
      slot.hidden = !message;
      slot.classList.toggle("is-problem", !state.errors[id] && Boolean(message));
      const node = slot.closest("[data-node-id]");
      if (node) node.classList.toggle("is-invalid", Boolean(state.errors[id]));
      if (node) node.classList.toggle("is-incomplete", !state.errors[id] && Boolean(message));
    }
  }

  // --- the rule changed: sentence, JSON, live count --------------------------------------------------

  function currentRule() {
    state.paths = {};
    return toRule(state.tree, state.paths);
  }

  function errorNode(path) {
    let best = null;
    for (const known of Object.keys(state.paths)) {
      if ((path === known || path.startsWith(`${known}.`) || path.startsWith(`${known}[`)) && (!best || known.length > best.length)) best = known;
    }
    return best ? state.paths[best] : state.tree.id;
  }

  const preview = new LivePreview(page, {
    urls,
    isSaved,
    onRuleError: (error) => {
      state.errors = error ? { [errorNode(error.path)]: error.message } : {};
      updateSlots();
    },
  });

  const sendPreview = debounce(() => {
    if (!countConditions(state.tree)) {
      preview.empty();
      return;
    }
    state.problems = incomplete(state.tree);
    const firstProblem = Object.values(state.problems)[0];
    if (firstProblem) {
      state.showProblems = true;
      updateSlots();
      preview.incomplete(firstProblem);
      return;
    }
    preview.count(currentRule());
  }, 300);

  function changed() {
    state.errors = {};
    state.problems = incomplete(state.tree);
    if (!Object.keys(state.problems).length) state.showProblems = false;
    els.sentence.textContent = sentence(state.tree, names);
    updateSlots();
    preview.pending();
    sendPreview();
  }

  // --- JSON view --------------------------------------------------------------------------------------

  const jsonView = new JsonView(page, {
    current: () => (countConditions(state.tree) || state.tree.children.length ? currentRule() : { all: [] }),
    apply: (rule) => {
      state.tree = fromRule(rule, lookups);
      render();
      changed();
    },
    preview: (rule) => preview.count(rule),
  });

  // --- keyboard: Alt+↑ / Alt+↓ moves the condition or group that has focus ---------------------------

  els.tree.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    const node = event.target.closest("[data-node-id]");
    if (!node) return;
    const own = node.querySelector(`:scope > .group-head [data-move="${event.key === "ArrowUp" ? "-1" : "1"}"], :scope > .cond-line [data-move="${event.key === "ArrowUp" ? "-1" : "1"}"]`);
    if (own && !own.disabled) {
      event.preventDefault();
      own.click();
    }
  });

  // --- starters ----------------------------------------------------------------------------------------

  for (const button of page.querySelectorAll("[data-starter]")) {
    button.addEventListener("click", () => {
      const starter = config.starters.find((s) => s.slug === button.dataset.starter);
      if (!starter) return;
      state.tree = fromRule(starter.rule, lookups);
      if (!els.name.value.trim()) els.name.value = starter.name;
      if (!els.description.value.trim()) els.description.value = starter.description;
      const details = button.closest("details");
      if (details) details.open = false;
      render();
      changed();
      els.tree.querySelector("[data-fk]")?.focus();
    });
  }

  // --- save ---------------------------------------------------------------------------------------------

  function saveError(message) {
    els.saveError.textContent = message || "";
    els.saveError.hidden = !message;
  }

  function checkBeforeSave() {
    saveError("");
    els.name.removeAttribute("aria-invalid");
    if (!els.name.value.trim()) {
      els.name.setAttribute("aria-invalid", "true");
      saveError("Give the segment a name.");
      els.name.focus();
      return false;
    }
    if (!countConditions(state.tree)) {
      saveError("Add at least one condition.");
      els.tree.querySelector('[data-action="add-condition"]')?.focus();
      return false;
    }
    state.problems = incomplete(state.tree);
    if (Object.keys(state.problems).length) {
      state.showProblems = true;
      updateSlots();
      saveError("Finish the highlighted condition first.");
      const id = Object.keys(state.problems)[0];
      els.tree.querySelector(`[data-node-id="${id}"] [data-fk]`)?.focus();
      return false;
    }
    return true;
  }

  function showSaveFailure(error) {
    if (error instanceof ApiError && error.ruleError()) {
      state.errors = { [errorNode(error.ruleError().path)]: error.ruleError().message };
      updateSlots();
      saveError(`The rule was refused: ${error.ruleError().message}`);
    } else {
      saveError(error instanceof ApiError ? error.describe() : "Could not save: the server did not answer. Try again.");
    }
  }

  async function create() {
    els.save.disabled = true;
    try {
      const segment = await api(urls.segments, {
        method: "POST",
        body: { name: els.name.value.trim(), description: els.description.value.trim(), rule: currentRule() },
      });
      window.location.assign(urls.detail.replace("{id}", segment.id));
    } catch (error) {
      showSaveFailure(error);
      els.save.disabled = false;
    }
  }

  async function patch(body) {
    els.save.disabled = true;
    try {
      await api(urls.segment, { method: "PATCH", body });
      window.location.assign(urls.detail.replace("{id}", saved.id));
    } catch (error) {
      showSaveFailure(error);
      els.save.disabled = false;
    }
  }

  const dialog = page.parentElement.querySelector("[data-impact-dialog]") || document.querySelector("[data-impact-dialog]");

  async function reviewAndSave() {
    const rule = currentRule();
    const meta = { name: els.name.value.trim(), description: els.description.value.trim() };
    if (isSaved(rule)) {
      await patch(meta);
      return;
    }
    const summary = dialog.querySelector("[data-dialog-summary]");
    const entering = dialog.querySelector("[data-dialog-entering]");
    const leaving = dialog.querySelector("[data-dialog-leaving]");
    const confirm = dialog.querySelector("[data-dialog-confirm]");
    summary.textContent = "Counting who would enter and leave…";
    entering.replaceChildren();
    leaving.replaceChildren();
    confirm.disabled = true;
    dialog.returnValue = "";
    dialog.showModal();
    try {
      const impact = await api(urls.impact, { method: "POST", body: { rule } });
      summary.replaceChildren(
        h("strong", { class: "impact-in" }, `+${impact.entering.toLocaleString("en-US")}`),
        " would enter and ",
        h("strong", { class: "impact-out" }, `−${impact.leaving.toLocaleString("en-US")}`),
        ` would leave (now ${saved.member_count.toLocaleString("en-US")} members).`,
      );
      preview.fillSample(entering, impact.entering_sample, "Nobody enters.");
      preview.fillSample(leaving, impact.leaving_sample, "Nobody leaves.");
      confirm.disabled = false;
      confirm.focus();
    } catch (error) {
      dialog.close();
      showSaveFailure(error);
      return;
    }
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue === "confirm") patch({ ...meta, rule });
      },
      { once: true },
    );
  }

  els.save.addEventListener("click", () => {
    if (!jsonView.syncBeforeSave()) {
      saveError("Fix the JSON first, or switch back to the visual view.");
      return;
    }
    if (!checkBeforeSave()) return;
    if (config.mode === "edit") reviewAndSave();
    else create();
  });

  // --- go ----------------------------------------------------------------------------------------------

  if (saved) {
    els.name.value = saved.name || "";
    els.description.value = saved.description || "";
  }
  schema
    .load()
    .catch(() => {
      els.sentence.textContent = "Could not load the events and traits seen (the pickers will be empty); you can still type names.";
    })
    .finally(() => {
      if (saved && saved.rule) {
        try {
          state.tree = fromRule(saved.rule, lookups);
        } catch (error) {
          if (!(error instanceof RuleShapeError)) throw error;
          state.tree = newGroup("all");
        }
      }
      render();
      changed();
    });
}

if (page) start();
