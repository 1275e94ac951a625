// The builder's model: a tree of groups and conditions that converts to and from the rule JSON
// (docs/rules.md). `toRule` also records which node each JSON path belongs to, so an API error
// ("$.all[1].count.op") is shown on the condition that caused it.

let counter = 0;
export const newId = () => `n${++counter}`;

export const KINDS = {
  event: "Did an event",
  trait: "Has a trait",
  metric: "Has a metric",
  segment: "Is in a segment",
  consent: "Gave consent",
};

export const OPERATORS = {
  eq: { label: "is", takes: "scalar" },
  neq: { label: "is not", takes: "scalar" },
  gt: { label: "is more than", takes: "number" },
  gte: { label: "is at least", takes: "number" },
  lt: { label: "is less than", takes: "number" },
  lte: { label: "is at most", takes: "number" },
  between: { label: "is between", takes: "range" },
  in: { label: "is one of", takes: "list" },
  not_in: { label: "is none of", takes: "list" },
  contains: { label: "contains", takes: "text" },
  not_contains: { label: "does not contain", takes: "text" },
  starts_with: { label: "starts with", takes: "text" },
  ends_with: { label: "ends with", takes: "text" },
  exists: { label: "is set", takes: "nothing" },
  not_exists: { label: "is not set", takes: "nothing" },
  before: { label: "is before", takes: "moment" },
  after: { label: "is after", takes: "moment" },
  within_last: { label: "is within the last", takes: "duration" },
  more_than_ago: { label: "is more than … ago", takes: "duration" },
};

// Operators offered per value type (docs/rules.md, Operators and Metrics).
export const OPS_BY_TYPE = {
  number: ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "not_in", "exists", "not_exists"],
  string: ["eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with", "exists", "not_exists"],
  boolean: ["eq", "neq", "exists", "not_exists"],
  datetime: ["before", "after", "within_last", "more_than_ago", "exists", "not_exists"],
  other: ["exists", "not_exists"],
};
export const TYPE_LABELS = { number: "number", string: "text", boolean: "yes/no", datetime: "date", other: "list or object" };

export const COUNT_OPS = {
  gte: "at least",
  gt: "more than",
  eq: "exactly",
  neq: "not exactly",
  lte: "at most",
  lt: "fewer than",
  between: "between",
};
export const AGG_FNS = { sum: "total", avg: "average", min: "smallest", max: "largest" };
export const MEASURES = {
  once: "at least once",
  none: "not at all",
  count: "a number of times",
  aggregate: "with a sum or average of…",
};
export const UNITS = { days: "days", hours: "hours", minutes: "minutes" };

export function typeOf(discovered) {
  if (discovered === "list" || discovered === "object") return "other";
  return OPS_BY_TYPE[discovered] ? discovered : "string";
}

// The value type an existing comparison implies (a rule loaded from JSON).
export function inferType(op, value, known) {
  if (["before", "after", "within_last", "more_than_ago"].includes(op)) return "datetime";
  if (["gt", "gte", "lt", "lte", "between"].includes(op)) return "number";
  if (["contains", "not_contains", "starts_with", "ends_with"].includes(op)) return "string";
  const sample = Array.isArray(value) ? value[0] : value;
  if (typeof sample === "number") return "number";
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "string") return "string";
  return known ? typeOf(known) : "string";
}

export function defaultValue(op, type) {
  const takes = OPERATORS[op] ? OPERATORS[op].takes : "scalar";
  if (takes === "nothing") return undefined;
  if (takes === "range") return [null, null];
  if (takes === "list") return [];
  if (takes === "duration") return { days: 30 };
  if (type === "boolean") return true;
  return null;
}

export function newGroup(op = "all", children = []) {
  return { id: newId(), type: "group", op, negated: false, collapsed: false, children };
}

export function newCondition(kind = "event") {
  const base = { id: newId(), type: "condition", kind, negated: false };
  if (kind === "event") {
    return { ...base, event: "", where: [], window: { mode: "last", amount: 30, unit: "days", after: "", before: "" }, measure: "once", count: { op: "gte", value: 1 }, aggregate: { fn: "sum", property: "", op: "gte", value: null, vtype: "number" } };
  }
  if (kind === "trait") return { ...base, key: "", vtype: "string", op: "eq", value: null };
  if (kind === "metric") return { ...base, key: "", vtype: "number", op: "gte", value: null };
  if (kind === "segment") return { ...base, segment: null, member: true };
  return { ...base, purpose: "", granted: true };
}

export function newFilter() {
  return { id: newId(), key: "", vtype: "string", op: "eq", value: null };
}

// --- JSON -> model ------------------------------------------------------------------------------

export class RuleShapeError extends Error {}

export function fromRule(rule, lookups = {}) {
  let node = nodeFrom(rule, lookups);
  if (node.type !== "group") node = newGroup("all", [node]);
  return node;
}

function nodeFrom(rule, lookups) {
  if (!rule || typeof rule !== "object" || Array.isArray(rule)) throw new RuleShapeError("each node must be an object");
  if ("not" in rule) {
    const inner = nodeFrom(rule.not, lookups);
    inner.negated = !inner.negated;
    return inner;
  }
  for (const op of ["all", "any"]) {
    if (op in rule) {
      if (!Array.isArray(rule[op])) throw new RuleShapeError(`“${op}” must be a list`);
      return newGroup(op, rule[op].map((child) => nodeFrom(child, lookups)));
    }
  }
  if ("trait" in rule || "metric" in rule) {
    const kind = "trait" in rule ? "trait" : "metric";
    const key = String(rule[kind]);
    const known = kind === "trait" ? lookups.traitType && lookups.traitType(key) : lookups.metricType && lookups.metricType(key);
    const vtype = kind === "metric" && known ? typeOf(known) : inferType(rule.op, rule.value, known);
    return { ...newCondition(kind), key, vtype, op: rule.op, value: clone(rule.value) };
  }
  if ("event" in rule) {
    const node = newCondition("event");
    node.event = String(rule.event);
    node.where = (rule.where || []).map((f) => ({ id: newId(), key: String(f.property), vtype: inferType(f.op, f.value), op: f.op, value: clone(f.value) }));
    const within = rule.within;
    if (!within) node.window = { ...node.window, mode: "any" };
    else if (within.last) {
      const [unit, amount] = Object.entries(within.last)[0] || ["days", 30];
      node.window = { ...node.window, mode: "last", unit, amount };
    } else node.window = { ...node.window, mode: "range", after: within.after || "", before: within.before || "" };
    if (rule.aggregate) {
      node.measure = "aggregate";
      node.aggregate = { ...rule.aggregate, vtype: "number", value: clone(rule.aggregate.value) };
    } else if (rule.count) {
      if (rule.count.op === "eq" && rule.count.value === 0) node.measure = "none";
      else if (rule.count.op === "gte" && rule.count.value === 1) node.measure = "once";
      else node.measure = "count";
      node.count = { op: rule.count.op, value: clone(rule.count.value) };
      if (node.measure !== "count") node.count = { op: "gte", value: 1 };
    }
    node.countWritten = Boolean(rule.count && node.measure === "once");
    return node;
  }
  if ("segment" in rule) return { ...newCondition("segment"), segment: rule.segment, member: rule.member !== false };
  if ("consent" in rule) return { ...newCondition("consent"), purpose: rule.consent, granted: rule.granted !== false };
  throw new RuleShapeError(`unknown node: ${Object.keys(rule).join(", ") || "empty object"}`);
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// --- model -> JSON ------------------------------------------------------------------------------

// Returns the rule JSON; fills `paths` (JSON path -> node id) when given.
export function toRule(node, paths = null, path = "$") {
  if (node.negated) {
    if (paths) paths[path] = node.id;
    return { not: plain(node, paths, `${path}.not`) };
  }
  return plain(node, paths, path);
}

function plain(node, paths, path) {
  if (paths) paths[path] = node.id;
  if (node.type === "group") {
    return { [node.op]: node.children.map((child, i) => toRule(child, paths, `${path}.${node.op}[${i}]`)) };
  }
  if (node.kind === "trait" || node.kind === "metric") return comparison({ [node.kind]: node.key }, node);
  if (node.kind === "segment") return node.member ? { segment: node.segment } : { segment: node.segment, member: false };
  if (node.kind === "consent") return node.granted ? { consent: node.purpose } : { consent: node.purpose, granted: false };
  const rule = { event: node.event };
  if (node.where.length) {
    rule.where = node.where.map((f, i) => {
      if (paths) paths[`${path}.where[${i}]`] = node.id;
      return comparison({ property: f.key }, f);
    });
  }
  const w = node.window;
  if (w.mode === "last") rule.within = { last: { [w.unit]: numberOrRaw(w.amount) } };
  else if (w.mode === "range") {
    rule.within = {};
    if (w.after) rule.within.after = w.after;
    if (w.before) rule.within.before = w.before;
  }
  if (node.measure === "none") rule.count = { op: "eq", value: 0 };
  else if (node.measure === "count") rule.count = { op: node.count.op, value: node.count.value };
  else if (node.measure === "aggregate") {
    const a = node.aggregate;
    rule.aggregate = { fn: a.fn, property: a.property, op: a.op, value: a.value };
  } else if (node.countWritten) rule.count = { op: "gte", value: 1 };
  return rule;
}

function comparison(head, node) {
  const out = { ...head, op: node.op };
  if (OPERATORS[node.op] && OPERATORS[node.op].takes !== "nothing") out.value = node.value;
  return out;
}

function numberOrRaw(value) {
  const n = Number(value);
  return value === "" || value === null || Number.isNaN(n) ? value : n;
}

// --- what is still missing before the rule can be counted -----------------------------------------

export function incomplete(root) {
  const found = {};
  walk(root, (node) => {
    const problem = nodeProblem(node);
    if (problem) found[node.id] = problem;
  });
  return found;
}

function missing(value, takes) {
  if (takes === "nothing") return false;
  if (value === null || value === undefined || value === "") return true;
  if (takes === "range") return !Array.isArray(value) || value.some((v) => v === null || v === "" || Number.isNaN(v));
  if (takes === "list") return !Array.isArray(value) || value.length === 0;
  if (takes === "duration") {
    const amount = Object.values(value || {})[0];
    return amount === null || amount === "" || amount === undefined || Number.isNaN(amount);
  }
  return typeof value === "number" && Number.isNaN(value);
}

function comparisonProblem(node, what) {
  if (!node.key) return `Choose a ${what}`;
  const takes = OPERATORS[node.op] ? OPERATORS[node.op].takes : "scalar";
  if (missing(node.value, takes)) return takes === "list" ? "Add at least one value" : "Enter a value";
  return null;
}

function nodeProblem(node) {
  if (node.type === "group") return node.children.length ? null : "Add a condition to this group, or remove it";
  if (node.kind === "trait") return comparisonProblem(node, "trait");
  if (node.kind === "metric") return comparisonProblem(node, "metric");
  if (node.kind === "segment") return node.segment ? null : "Choose a segment";
  if (node.kind === "consent") return node.purpose ? null : "Choose a purpose";
  if (!node.event) return "Choose an event";
  for (const filter of node.where) {
    const problem = comparisonProblem(filter, "property");
    if (problem) return `Property filter: ${problem.toLowerCase()}`;
  }
  if (node.window.mode === "last" && missing(node.window.amount, "number")) return "Enter how many days";
  if (node.window.mode === "range" && !node.window.after && !node.window.before) return "Choose a start or an end date";
  if (node.measure === "count" && missing(node.count.value, OPERATORS[node.count.op] ? OPERATORS[node.count.op].takes : "number")) return "Enter how many times";
  if (node.measure === "aggregate") {
    if (!node.aggregate.property) return "Choose the property to add up";
    if (missing(node.aggregate.value, node.aggregate.op === "between" ? "range" : "number")) return "Enter an amount";
  }
  return null;
}

export function walk(node, visit, parent = null) {
  visit(node, parent);
  if (node.type === "group") for (const child of node.children) walk(child, visit, node);
}

export function findParent(root, id) {
  let found = null;
  walk(root, (node, parent) => {
    if (node.id === id) found = parent;
  });
  return found;
}

export function findNode(root, id) {
  let found = null;
  walk(root, (node) => {
    if (node.id === id) found = node;
    if (node.type === "condition" && node.kind === "event") {
      for (const f of node.where) if (f.id === id) found = found || node;
    }
  });
  return found;
}

export function countConditions(node) {
  let n = 0;
  walk(node, (x) => {
    if (x.type === "condition") n += 1;
  });
  return n;
}

// JSON text with object keys sorted, to compare rules whatever order their keys were stored in.
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}
