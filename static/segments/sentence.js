// Reads a builder tree back in plain language:
// "People who did Order Completed at least 3 times in the last 30 days and whose plan is pro".

import { AGG_FNS, COUNT_OPS, OPERATORS } from "./model.js";

const BLANK = "…";

export function sentence(root, names = {}) {
  if (!root || (root.type === "group" && !root.children.length)) return "Everyone — add a condition to narrow it down.";
  return `People ${phrase(root, names, true)}`.replace(/\s+/g, " ").trim() + ".";
}

// Each clause carries its own relative pronoun ("who did …", "whose plan is …"), so clauses join
// with "and" / "or" and nest in parentheses.
function phrase(node, names, top = false) {
  if (node.type === "group") {
    const clauses = node.children.map((child) => phrase(child, names));
    if (!clauses.length) return BLANK;
    // "who did X and did Y", not "who did X and who did Y".
    const parts = clauses.map((text, i) => (i > 0 && text.startsWith("who ") && clauses[i - 1].startsWith("who ") ? text.slice(4) : text));
    const joiner = node.op === "all" ? " and " : " or ";
    const text = parts.join(joiner);
    if (node.negated) return `who do not match (${parts.length > 1 && node.op === "any" ? "either " : ""}${text})`;
    if (!top && parts.length > 1) return node.op === "any" ? `(either ${text})` : `(${text})`;
    return text;
  }
  return conditionPhrase(node, names);
}

export function conditionPhrase(node, names = {}) {
  const not = node.negated;
  if (node.kind === "event") return eventPhrase(node, not);
  if (node.kind === "segment") {
    const name = names.segment ? names.segment(node.segment) : null;
    const label = name ? `“${name}”` : node.segment ? `segment #${node.segment}` : BLANK;
    return node.member !== not ? `who are in ${label}` : `who are not in ${label}`;
  }
  if (node.kind === "consent") {
    const label = node.purpose ? lowerFirst(names.purpose ? names.purpose(node.purpose) : node.purpose) : BLANK;
    return node.granted !== not ? `who agreed to ${label}` : `who have not agreed to ${label}`;
  }
  const field = node.kind === "metric" && names.metric ? names.metric(node.key) : node.key;
  const label = field ? (node.kind === "metric" ? lowerFirst(field) : field) : BLANK;
  return `whose ${label} ${comparisonPhrase(not ? negatedOp(node.op) : node.op, node.value, not)}`;
}

// NOT of a comparison, in words: the negative twin where there is one ("is not pro"); otherwise
// the positive phrase with "not" ("is not more than 5").
const TWINS = { eq: "neq", neq: "eq", in: "not_in", not_in: "in", contains: "not_contains", not_contains: "contains", exists: "not_exists", not_exists: "exists" };

function negatedOp(op) {
  return TWINS[op] || op;
}

// "Number of orders" → "number of orders", but "RFM class" stays.
function lowerFirst(text) {
  return /^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

function eventPhrase(node, not) {
  const name = node.event || BLANK;
  let what = `${name}`;
  if (node.where.length) {
    // "with category books or games", "with revenue more than 50"
    what += " with " + node.where.map((f) => `${f.key || BLANK} ${comparisonPhrase(f.op, f.value).replace(/^is (?!not )/, "")}`).join(" and ");
  }
  let measure = "";
  let verb = "did";
  if (node.measure === "none") verb = "did not do";
  else if (node.measure === "count") measure = ` ${countPhrase(node.count)}`;
  else if (node.measure === "aggregate") {
    const a = node.aggregate;
    const amount = a.op === "between" && Array.isArray(a.value) ? `between ${show(a.value[0])} and ${show(a.value[1])}` : `${COUNT_OPS[a.op] || a.op} ${show(a.value)}`;
    measure = ` with a ${AGG_FNS[a.fn] || a.fn} ${a.property || BLANK} of ${amount}`;
  }
  if (not) verb = verb === "did" ? "did not do" : "did";
  return `who ${verb} ${what}${measure}${windowPhrase(node.window)}`;
}

function countPhrase(count) {
  const op = COUNT_OPS[count.op] || count.op;
  if (count.op === "between" && Array.isArray(count.value)) return `between ${show(count.value[0])} and ${show(count.value[1])} times`;
  const n = count.value;
  return `${op} ${show(n)} ${n === 1 ? "time" : "times"}`;
}

function windowPhrase(window) {
  if (!window || window.mode === "any") return "";
  if (window.mode === "last") return ` in the last ${show(window.amount)} ${unitLabel(window.unit, window.amount)}`;
  if (window.after && window.before) return ` between ${window.after} and ${window.before}`;
  if (window.after) return ` since ${window.after}`;
  if (window.before) return ` before ${window.before}`;
  return "";
}

function unitLabel(unit, amount) {
  return Number(amount) === 1 ? unit.replace(/s$/, "") : unit;
}

export function comparisonPhrase(op, value, negated = false) {
  const info = OPERATORS[op];
  if (!info) return `${op} ${show(value)}`;
  if (negated && !(op in TWINS)) {
    const positive = comparisonPhrase(op, value);
    if (positive.startsWith("is ")) return `is not ${positive.slice(3)}`;
    if (positive.startsWith("starts with")) return `does not start with${positive.slice(11)}`;
    if (positive.startsWith("ends with")) return `does not end with${positive.slice(9)}`;
    return `not ${positive}`;
  }
  switch (info.takes) {
    case "nothing":
      return info.label;
    case "range":
      return Array.isArray(value) ? `between ${show(value[0])} and ${show(value[1])}` : `between ${BLANK}`;
    case "list": {
      const list = Array.isArray(value) && value.length ? value.map(show) : [BLANK];
      const joined = list.length > 1 ? `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}` : list[0];
      return op === "in" ? `is ${joined}` : `is not ${joined}`;
    }
    case "duration": {
      const [unit, amount] = Object.entries(value || {})[0] || ["days", null];
      const span = `${show(amount)} ${unitLabel(unit, amount)}`;
      return op === "within_last" ? `is within the last ${span}` : `is more than ${span} ago`;
    }
    default:
      return `${info.label} ${show(value)}`;
  }
}

function show(value) {
  if (value === null || value === undefined || value === "" || Number.isNaN(value)) return BLANK;
  if (typeof value === "boolean") return value ? "true" : "false";
  return String(value);
}
