// Renders the builder tree: nested AND/OR groups with NOT, collapse, reorder (buttons and
// Alt+↑/↓), and one condition editor per kind. Every control is a labelled native element.
// ctx: {schema, selfId, update(structural, focusKey), errors, problems, names}

import { h, option, formatNumber } from "./dom.js";
import {
  AGG_FNS,
  COUNT_OPS,
  KINDS,
  MEASURES,
  OPERATORS,
  OPS_BY_TYPE,
  TYPE_LABELS,
  defaultValue,
  findParent,
  newCondition,
  newFilter,
  newGroup,
  typeOf,
} from "./model.js";
import { durationInput, valueEditor } from "./inputs.js";
import { recentFirst, remember } from "./schema.js";
import { conditionPhrase, sentence } from "./sentence.js";

let listCounter = 0;

export function renderTree(root, ctx) {
  return renderGroup(root, ctx, { root: true, index: 0, siblings: 1 });
}

// --- groups -----------------------------------------------------------------------------------

function renderGroup(group, ctx, place) {
  const depth = place.depth || 0;
  const matchLabel = group.op === "all" ? "all" : "any";
  const el = h("div", {
    class: `rule-group depth-${Math.min(depth, 3)}${place.root ? " is-root" : ""}${group.negated ? " is-negated" : ""}${group.collapsed ? " is-collapsed" : ""}`,
    role: "group",
    "aria-label": `${place.root ? "Rule" : "Group"}: match ${matchLabel} of ${group.children.length} ${group.children.length === 1 ? "item" : "items"}${group.negated ? ", excluded" : ""}`,
    dataset: { nodeId: group.id },
  });
  const head = h("div", { class: "group-head" });
  if (!place.root) {
    head.append(
      h("button", {
        type: "button",
        class: "icon-btn collapse-btn",
        "aria-expanded": group.collapsed ? "false" : "true",
        "aria-label": group.collapsed ? "Expand group" : "Collapse group",
        dataset: { fk: `${group.id}:collapse` },
        onclick: () => {
          group.collapsed = !group.collapsed;
          ctx.update(true, `${group.id}:collapse`);
        },
      }, group.collapsed ? "▸" : "▾"),
    );
  }
  head.append(
    ...(!place.root || group.negated ? [notToggle(group, ctx, place.root ? "Exclude" : "Not")] : []),
    h("span", { class: "group-title" }, place.root ? "People who match" : "Match"),
    h(
      "select",
      {
        class: "match-select",
        "aria-label": place.root ? "Match all or any of the conditions" : "Match all or any in this group",
        dataset: { fk: `${group.id}:op` },
        onchange: (e) => {
          group.op = e.target.value;
          ctx.update(true);
        },
      },
      option("all", "all", group.op === "all"),
      option("any", "any", group.op === "any"),
    ),
    h("span", { class: "group-title" }, "of these conditions"),
    h("span", { class: "spacer" }),
  );
  if (!place.root) head.append(h("div", { class: "node-actions" }, ...moveButtons(group, ctx, place), removeButton(group, ctx, "group")));
  el.append(head);
  el.append(errorSlot(group, ctx));

  if (group.collapsed) {
    el.append(h("p", { class: "group-summary" }, sentence(group, ctx.names).replace(/^People who /, "… ")));
    return el;
  }
  const list = h("ol", { class: "group-children" });
  group.children.forEach((child, index) => {
    const item = h("li", { class: "group-item" });
    if (index > 0) item.append(h("span", { class: `joiner joiner-${group.op}`, "aria-hidden": "true" }, group.op === "all" ? "and" : "or"));
    const childPlace = { index, siblings: group.children.length, parent: group, depth: depth + 1 };
    item.append(child.type === "group" ? renderGroup(child, ctx, childPlace) : renderCondition(child, ctx, childPlace));
    list.append(item);
  });
  if (!group.children.length) {
    list.append(h("li", { class: "group-empty muted" }, place.root ? "No conditions yet: everyone matches. Add a first condition below." : "Empty group: add a condition."));
  }
  el.append(list);
  el.append(
    h(
      "div",
      { class: "group-foot" },
      h("button", {
        type: "button",
        class: "btn btn-sm",
        dataset: { fk: `${group.id}:add-condition`, action: "add-condition" },
        "aria-label": place.root ? "Add condition" : "Add condition to this group",
        onclick: () => {
          const condition = newCondition(ctx.lastKind || "event");
          group.children.push(condition);
          group.collapsed = false;
          ctx.update(true, `${condition.id}:kind`);
        },
      }, "+ Condition"),
      h("button", {
        type: "button",
        class: "btn btn-sm btn-ghost",
        dataset: { fk: `${group.id}:add-group`, action: "add-group" },
        "aria-label": place.root ? "Add group" : "Add group inside this group",
        onclick: () => {
          const inner = newGroup(group.op === "all" ? "any" : "all", [newCondition(ctx.lastKind || "event")]);
          group.children.push(inner);
          ctx.update(true, `${inner.children[0].id}:kind`);
        },
      }, "+ Group"),
    ),
  );
  return el;
}

// --- shared node controls ----------------------------------------------------------------------

function notToggle(node, ctx, text) {
  return h("button", {
    type: "button",
    class: `toggle-not${node.negated ? " is-on" : ""}`,
    "aria-pressed": node.negated ? "true" : "false",
    title: node.type === "group" ? "Exclude the people this group matches" : "Negate this condition",
    "aria-label": node.type === "group" ? "Exclude people matching this group" : "Negate this condition (NOT)",
    dataset: { fk: `${node.id}:not` },
    onclick: () => {
      node.negated = !node.negated;
      ctx.update(true, `${node.id}:not`);
    },
  }, text);
}

function moveButtons(node, ctx, place) {
  const move = (delta) => {
    const siblings = place.parent.children;
    const from = siblings.indexOf(node);
    const to = from + delta;
    if (to < 0 || to >= siblings.length) return;
    siblings.splice(from, 1);
    siblings.splice(to, 0, node);
    ctx.update(true, `${node.id}:${delta < 0 ? "up" : "down"}`);
  };
  return [
    h("button", { type: "button", class: "icon-btn", "aria-label": "Move up", title: "Move up (Alt+↑)", disabled: place.index === 0, dataset: { fk: `${node.id}:up`, move: "-1" }, onclick: () => move(-1) }, "↑"),
    h("button", { type: "button", class: "icon-btn", "aria-label": "Move down", title: "Move down (Alt+↓)", disabled: place.index === place.siblings - 1, dataset: { fk: `${node.id}:down`, move: "1" }, onclick: () => move(1) }, "↓"),
  ];
}

function removeButton(node, ctx, what) {
  return h("button", {
    type: "button",
    class: "icon-btn icon-btn-danger",
    "aria-label": `Remove ${what}`,
    title: `Remove ${what}`,
    dataset: { fk: `${node.id}:remove` },
    onclick: () => {
      const parent = findParent(ctx.root(), node.id);
      if (!parent) return;
      const index = parent.children.indexOf(node);
      parent.children.splice(index, 1);
      const next = parent.children[index] || parent.children[index - 1];
      ctx.update(true, next ? `${next.id}:remove` : `${parent.id}:add-condition`);
    },
  }, "✕");
}

function errorSlot(node, ctx) {
  const message = (ctx.errors && ctx.errors[node.id]) || (ctx.showProblems && ctx.problems && ctx.problems[node.id]) || "";
  return h("p", { class: "node-error", role: message ? "alert" : null, dataset: { errorFor: node.id }, hidden: !message }, message);
}

// --- conditions ---------------------------------------------------------------------------------

function renderCondition(node, ctx, place) {
  const el = h("div", {
    class: `rule-condition${node.negated ? " is-negated" : ""}${ctx.errors && ctx.errors[node.id] ? " is-invalid" : ""}`,
    role: "group",
    "aria-label": `Condition: ${conditionPhrase(node, ctx.names)}`,
    dataset: { nodeId: node.id },
  });
  const fields = h("div", { class: "cond-fields" });
  fields.append(
    notToggle(node, ctx, "Not"),
    h(
      "select",
      {
        class: "kind-select",
        "aria-label": "Condition type",
        dataset: { fk: `${node.id}:kind` },
        onchange: (e) => {
          const fresh = newCondition(e.target.value);
          ctx.lastKind = e.target.value;
          Object.keys(node).forEach((k) => k !== "id" && k !== "negated" && delete node[k]);
          Object.assign(node, { ...fresh, id: node.id, negated: node.negated });
          ctx.update(true, `${node.id}:kind`);
        },
      },
      Object.entries(KINDS).map(([kind, label]) => option(kind, label, node.kind === kind)),
    ),
  );
  const body = EDITORS[node.kind](node, ctx);
  fields.append(...body.line);
  const actions = h("div", { class: "node-actions" }, ...moveButtons(node, ctx, place), removeButton(node, ctx, "condition"));
  el.append(h("div", { class: "cond-line" }, fields, actions));
  if (body.extra) el.append(body.extra);
  el.append(errorSlot(node, ctx));
  return el;
}

function datalistFor(items) {
  const id = `picker-${++listCounter}`;
  return { id, list: h("datalist", { id }, items) };
}

function comparisonControls(node, ctx, { kind, label, suggest }) {
  const type = node.vtype || "string";
  const ops = OPS_BY_TYPE[type] || OPS_BY_TYPE.string;
  const controls = [];
  if (kind !== "metric") {
    controls.push(
      h(
        "select",
        {
          class: "type-select",
          "aria-label": `${label} type`,
          title: "How the value is compared",
          dataset: { fk: `${node.id}:vtype` },
          onchange: (e) => {
            node.vtype = e.target.value;
            resetOp(node);
            ctx.update(true, `${node.id}:vtype`);
          },
        },
        Object.entries(TYPE_LABELS)
          .filter(([t]) => t !== "other" || type === "other")
          .map(([t, text]) => option(t, text, t === type)),
      ),
    );
  }
  controls.push(
    h(
      "select",
      {
        class: "op-select",
        "aria-label": `${label} operator`,
        dataset: { fk: `${node.id}:op` },
        onchange: (e) => {
          const before = OPERATORS[node.op] ? OPERATORS[node.op].takes : null;
          node.op = e.target.value;
          if (OPERATORS[node.op].takes !== before) node.value = defaultValue(node.op, type);
          ctx.update(true, `${node.id}:op`);
        },
      },
      (ops.includes(node.op) ? ops : [node.op, ...ops]).map((op) => option(op, OPERATORS[op] ? OPERATORS[op].label : op, op === node.op)),
    ),
  );
  const editor = valueEditor({
    op: node.op,
    vtype: type,
    value: node.value,
    label: `${label} value`,
    fk: `${node.id}:value`,
    suggest,
    onInput: (value) => {
      node.value = value;
      ctx.update(false);
    },
    onCommit: (value) => {
      node.value = value;
      ctx.update(true);
    },
  });
  if (editor) controls.push(editor);
  return controls;
}

function resetOp(node) {
  const ops = OPS_BY_TYPE[node.vtype] || OPS_BY_TYPE.string;
  if (!ops.includes(node.op)) {
    node.op = ops[0];
    node.value = defaultValue(node.op, node.vtype);
  } else if (OPERATORS[node.op].takes === "scalar" || OPERATORS[node.op].takes === "list") {
    node.value = defaultValue(node.op, node.vtype);
  }
}

// A text input with suggestions (a datalist) for what a condition or filter names: a trait key, an
// event name, a property. Typing updates target[field] (trimmed) without re-rendering; a committed
// change calls onCommit(value), which re-renders.
function pickerInput(ctx, { target, field, fk, label, placeholder, suggestions, short = false, onCommit = null }) {
  const input = h("input", {
    type: "text",
    class: `key-input${short ? " key-short" : ""}`,
    list: suggestions.id,
    "aria-label": label,
    placeholder,
    autocomplete: "off",
    value: target[field] || "",
    dataset: { fk },
    oninput: (e) => {
      target[field] = e.target.value.trim();
      ctx.update(false);
    },
    onchange: onCommit && ((e) => {
      target[field] = e.target.value.trim();
      onCommit(target[field]);
    }),
  });
  return h("span", { class: "picker" }, input, suggestions.list);
}

// The suggestions of a picker, recently used first.
function suggestionOptions(kind, items, keyOf, describe) {
  return recentFirst(kind, items, keyOf).map((item) => h("option", { value: keyOf(item), label: `${item.recent ? "Recent · " : ""}${describe(item)}` }));
}

// A select of what a condition is about (a metric, a segment, a consent purpose): the choice is
// remembered as recently used, and the tree re-renders with the focus kept on it.
function choiceSelect(node, ctx, { field, label, recent, parse = (value) => value, onPick = null }, ...options) {
  const fk = `${node.id}:${field}`;
  return h(
    "select",
    {
      class: "key-select",
      "aria-label": label,
      dataset: { fk },
      onchange: (e) => {
        node[field] = parse(e.target.value);
        remember(recent, node[field]);
        if (onPick) onPick(node[field]);
        ctx.update(true, fk);
      },
    },
    ...options,
  );
}

// A two-way select of a boolean field ("is a member" / "is not a member").
function yesNoSelect(node, ctx, { field, label, yes, no }) {
  return h(
    "select",
    { class: "op-select", "aria-label": label, dataset: { fk: `${node.id}:${field}` }, onchange: (e) => { node[field] = e.target.value === "true"; ctx.update(true); } },
    option("true", yes, node[field]),
    option("false", no, !node[field]),
  );
}

const EDITORS = {
  trait(node, ctx) {
    const schema = ctx.schema;
    const picker = pickerInput(ctx, {
      target: node,
      field: "key",
      fk: `${node.id}:key`,
      label: "Trait",
      placeholder: "trait, e.g. plan",
      suggestions: datalistFor(suggestionOptions("trait", schema.data.traits, (t) => t.key, (t) => `${TYPE_LABELS[typeOf(t.type)]} · ${Math.round(t.share * 100)}% of profiles`)),
      onCommit: (key) => {
        remember("trait", key);
        const found = schema.trait(key);
        if (found) {
          node.vtype = typeOf(found.type);
          resetOp(node);
        }
        ctx.update(true);
      },
    });
    return { line: [picker, ...comparisonControls(node, ctx, { kind: "trait", label: "Trait", suggest: () => schema.values("trait", node.key) })] };
  },

  metric(node, ctx) {
    const schema = ctx.schema;
    const metrics = recentFirst("metric", schema.data.metrics, (m) => m.key);
    const pick = (key) => {
      const found = schema.metric(key);
      node.vtype = found ? typeOf(found.type) : "number";
      resetOp(node);
    };
    const select = choiceSelect(
      node,
      ctx,
      { field: "key", label: "Metric", recent: "metric", onPick: pick },
      option("", "Choose a metric…", !node.key),
      metrics.some((m) => m.recent) ? h("optgroup", { label: "Recently used" }, metrics.filter((m) => m.recent).map((m) => option(m.key, m.label, false))) : null,
      ["number", "datetime", "string"].map((type) =>
        h("optgroup", { label: { number: "Numbers", datetime: "Dates", string: "Text" }[type] }, schema.data.metrics.filter((m) => typeOf(m.type) === type).map((m) => option(m.key, m.label, m.key === node.key))),
      ),
    );
    if (node.key) select.value = node.key;
    return { line: [select, ...comparisonControls(node, ctx, { kind: "metric", label: "Metric", suggest: () => schema.values("metric", node.key) })] };
  },

  segment(node, ctx) {
    const schema = ctx.schema;
    const others = recentFirst("segment", schema.data.segments.filter((s) => String(s.id) !== String(ctx.selfId)), (s) => s.id);
    const known = schema.segment(node.segment);
    const select = choiceSelect(
      node,
      ctx,
      { field: "segment", label: "Segment", recent: "segment", parse: (value) => (value ? Number(value) : null) },
      option("", others.length ? "Choose a segment…" : "No other segments yet", !node.segment),
      others.map((s) => option(String(s.id), `${s.recent ? "↺ " : ""}${s.name} (${formatNumber(s.member_count)})`, String(s.id) === String(node.segment))),
      node.segment && !known ? option(String(node.segment), `Segment #${node.segment}`, true) : null,
    );
    const member = yesNoSelect(node, ctx, { field: "member", label: "Membership", yes: "is a member", no: "is not a member" });
    return { line: [member, select] };
  },

  consent(node, ctx) {
    const schema = ctx.schema;
    const purposes = recentFirst("purpose", schema.data.purposes, (p) => p.slug);
    const select = choiceSelect(
      node,
      ctx,
      { field: "purpose", label: "Consent purpose", recent: "purpose" },
      option("", "Choose a purpose…", !node.purpose),
      purposes.map((p) => option(p.slug, p.name, p.slug === node.purpose)),
      node.purpose && !schema.purpose(node.purpose) ? option(node.purpose, node.purpose, true) : null,
    );
    const granted = yesNoSelect(node, ctx, { field: "granted", label: "Consent state", yes: "has agreed to", no: "has not agreed to" });
    return { line: [granted, select] };
  },

  event(node, ctx) {
    const schema = ctx.schema;
    const picker = pickerInput(ctx, {
      target: node,
      field: "event",
      fk: `${node.id}:event`,
      label: "Event name",
      placeholder: "event, e.g. Order Completed",
      suggestions: datalistFor(suggestionOptions("event", schema.data.events, (e) => e.name, (e) => `${formatNumber(e.count)} events${e.last_seen ? ` · last ${e.last_seen}` : ""}`)),
      onCommit: (name) => {
        remember("event", name);
        schema.eventProperties(name);
        ctx.update(true);
      },
    });
    const measure = h(
      "select",
      {
        class: "op-select",
        "aria-label": "How often",
        dataset: { fk: `${node.id}:measure` },
        onchange: (e) => {
          node.measure = e.target.value;
          node.countWritten = false;
          ctx.update(true, `${node.id}:measure`);
        },
      },
      Object.entries(MEASURES).map(([key, label]) => option(key, label, key === node.measure)),
    );
    const line = [picker, measure];
    if (node.measure === "count") line.push(...countControls(node, ctx));
    if (node.measure === "aggregate") line.push(...aggregateControls(node, ctx));
    line.push(...windowControls(node, ctx));
    return { line, extra: filtersBlock(node, ctx) };
  },
};

function countControls(node, ctx) {
  const count = node.count;
  const op = h(
    "select",
    {
      class: "op-select",
      "aria-label": "Count comparison",
      dataset: { fk: `${node.id}:count-op` },
      onchange: (e) => {
        const wasRange = count.op === "between";
        count.op = e.target.value;
        if ((count.op === "between") !== wasRange) count.value = count.op === "between" ? [1, 3] : 3;
        ctx.update(true, `${node.id}:count-op`);
      },
    },
    Object.entries(COUNT_OPS).map(([key, label]) => option(key, label, key === count.op)),
  );
  const editor = valueEditor({
    op: count.op === "between" ? "between" : "gte",
    vtype: "number",
    value: count.value,
    label: "Number of times",
    fk: `${node.id}:count-value`,
    onInput: (value) => {
      count.value = Array.isArray(value) ? value.map(wholeNumber) : wholeNumber(value);
      ctx.update(false);
    },
  });
  editor.querySelectorAll("input").forEach((input) => {
    input.min = "0";
    input.step = "1";
    input.classList.add("value-short");
  });
  if (editor.tagName === "INPUT") {
    editor.min = "0";
    editor.step = "1";
  }
  return [op, editor, h("span", { class: "muted" }, "times")];
}

function wholeNumber(value) {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : value;
}

function aggregateControls(node, ctx) {
  const a = node.aggregate;
  const fn = h(
    "select",
    { class: "op-select", "aria-label": "Aggregate", dataset: { fk: `${node.id}:agg-fn` }, onchange: (e) => { a.fn = e.target.value; ctx.update(true); } },
    Object.entries(AGG_FNS).map(([key, label]) => option(key, `${label} of`, key === a.fn)),
  );
  const suggestions = datalistFor([]);
  ctx.schema.eventProperties(node.event).then((props) => {
    suggestions.list.replaceChildren(...props.filter((p) => p.type === "number").map((p) => h("option", { value: p.key, label: "number" })));
  });
  const property = pickerInput(ctx, {
    target: a,
    field: "property",
    fk: `${node.id}:agg-property`,
    label: "Property to aggregate",
    placeholder: "e.g. revenue",
    suggestions,
    short: true,
  });
  const op = h(
    "select",
    {
      class: "op-select",
      "aria-label": "Aggregate comparison",
      dataset: { fk: `${node.id}:agg-op` },
      onchange: (e) => {
        const wasRange = a.op === "between";
        a.op = e.target.value;
        if ((a.op === "between") !== wasRange) a.value = a.op === "between" ? [null, null] : null;
        ctx.update(true, `${node.id}:agg-op`);
      },
    },
    ["gte", "gt", "eq", "neq", "lte", "lt", "between"].map((key) => option(key, OPERATORS[key].label, key === a.op)),
  );
  const value = valueEditor({
    op: a.op,
    vtype: "number",
    value: a.value,
    label: "Aggregate amount",
    fk: `${node.id}:agg-value`,
    onInput: (v) => {
      a.value = v;
      ctx.update(false);
    },
  });
  return [fn, property, op, value];
}

function windowControls(node, ctx) {
  const w = node.window;
  const mode = h(
    "select",
    {
      class: "op-select",
      "aria-label": "When",
      dataset: { fk: `${node.id}:window` },
      onchange: (e) => {
        w.mode = e.target.value;
        ctx.update(true, `${node.id}:window`);
      },
    },
    option("last", "in the last", w.mode === "last"),
    option("range", "between dates", w.mode === "range"),
    option("any", "ever", w.mode === "any"),
  );
  if (w.mode === "last") {
    const editor = durationInput({
      value: { [w.unit]: w.amount },
      label: "Window",
      fk: `${node.id}:window-last`,
      onInput: (value) => {
        const [unit, amount] = Object.entries(value)[0];
        w.unit = unit;
        w.amount = amount;
        ctx.update(false);
      },
      onCommit: (value) => {
        const [unit, amount] = Object.entries(value)[0];
        w.unit = unit;
        w.amount = amount;
        ctx.update(true);
      },
    });
    return [mode, editor];
  }
  if (w.mode === "range") {
    const date = (field, label) =>
      h("input", {
        type: "date",
        class: "value-input value-date",
        "aria-label": label,
        value: w[field] || "",
        dataset: { fk: `${node.id}:window-${field}` },
        oninput: (e) => {
          w[field] = e.target.value;
          ctx.update(false);
        },
      });
    return [mode, h("span", { class: "value-wrap" }, date("after", "From (included)"), h("span", { class: "muted" }, "to"), date("before", "Until (excluded)"))];
  }
  return [mode];
}

function filtersBlock(node, ctx) {
  const block = h("div", { class: "filters-block" });
  node.where.forEach((filter, index) => {
    const kind = `property:${node.event}`;
    const suggestions = datalistFor([]);
    ctx.schema.eventProperties(node.event).then((props) => {
      const describe = (p) => `${TYPE_LABELS[typeOf(p.type)]}${p.values.length ? ` · e.g. ${p.values.slice(0, 3).map((v) => v.value).join(", ")}` : ""}`;
      suggestions.list.replaceChildren(...suggestionOptions(kind, props, (p) => p.key, describe));
    });
    const key = pickerInput(ctx, {
      target: filter,
      field: "key",
      fk: `${filter.id}:key`,
      label: "Property",
      placeholder: "property",
      suggestions,
      short: true,
      onCommit: async (name) => {
        remember(kind, name);
        const props = await ctx.schema.eventProperties(node.event);
        const found = props.find((p) => p.key === name);
        if (found) {
          filter.vtype = typeOf(found.type);
          resetOp(filter);
        }
        ctx.update(true);
      },
    });
    const row = h(
      "div",
      { class: "filter-row", role: "group", "aria-label": `Property filter ${index + 1}` },
      h("span", { class: "filter-where muted" }, index === 0 ? "where" : "and"),
      key,
      ...comparisonControls(filter, ctx, { kind: "property", label: "Property", suggest: () => ctx.schema.values("property", filter.key, node.event) }),
      h("button", {
        type: "button",
        class: "icon-btn icon-btn-danger",
        "aria-label": "Remove property filter",
        dataset: { fk: `${filter.id}:remove` },
        onclick: () => {
          node.where.splice(index, 1);
          ctx.update(true, `${node.id}:add-filter`);
        },
      }, "✕"),
    );
    block.append(row);
  });
  block.append(
    h("button", {
      type: "button",
      class: "link-btn",
      dataset: { fk: `${node.id}:add-filter` },
      onclick: () => {
        const filter = newFilter();
        node.where.push(filter);
        ctx.update(true, `${filter.id}:key`);
      },
    }, node.where.length ? "+ and another property" : "+ where a property…"),
  );
  return block;
}

