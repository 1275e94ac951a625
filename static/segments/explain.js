// Renders an explanation from GET /api/v1/segments/{id}/explain/{profile}/ ("why is this person
// here"): the rule tree with a ✓ or ✗ per node and the value seen, in the builder's own words.

import { h } from "./dom.js";
import { fromRule, toRule, walk } from "./model.js";
import { conditionPhrase } from "./sentence.js";

// JSON path -> builder node, to phrase each explained condition as the builder does.
function nodesByPath(rule) {
  const byPath = {};
  try {
    const tree = fromRule(rule);
    const paths = {};
    toRule(tree, paths);
    const byId = {};
    walk(tree, (node) => {
      byId[node.id] = node;
    });
    for (const [path, id] of Object.entries(paths)) byPath[path] = byId[id];
    // A rule that was a single condition got wrapped in a group: its paths start one level down.
    if (!("all" in rule) && !("any" in rule) && !("not" in rule)) byPath.$ = tree.children[0];
  } catch (error) {
    /* unknown shapes fall back to the raw description */
  }
  return byPath;
}

function seenText(explained) {
  const seen = explained.seen;
  if (explained.node === "event") {
    if (seen && typeof seen === "object") {
      const parts = [`${seen.count} matching event${seen.count === 1 ? "" : "s"}`];
      for (const fn of ["sum", "avg", "min", "max"]) if (fn in seen) parts.push(`${fn} ${seen[fn] === null ? "—" : seen[fn]}`);
      return parts.join(", ");
    }
    return "";
  }
  if (explained.node === "segment") return explained.result === explained.member ? "is a member" : "is not a member";
  if (explained.node === "consent") return seen === true ? "agreed" : seen === false ? "not agreed" : "no answer recorded";
  if (seen === null || seen === undefined) return "not set";
  return `seen: ${typeof seen === "object" ? JSON.stringify(seen) : String(seen)}`;
}

function describe(explained, byPath, names) {
  const node = byPath[explained.at];
  if (explained.node === "all") return "All of these hold";
  if (explained.node === "any") return "At least one of these holds";
  if (explained.node === "not") return "This does not hold";
  if (node && node.type === "condition") return conditionPhrase({ ...node, negated: false }, names).replace(/^who /, "");
  return `${explained.node} ${explained[explained.node] ?? ""}`;
}

function item(explained, byPath, names) {
  const li = h("li", { class: `explain-${explained.result ? "true" : "false"}` });
  const seen = explained.children ? "" : seenText(explained);
  li.append(
    h(
      "div",
      { class: "explain-line" },
      h("span", { class: "explain-mark", "aria-label": explained.result ? "holds" : "does not hold" }, explained.result ? "✓" : "✗"),
      describe(explained, byPath, names),
      seen ? h("span", { class: "explain-seen" }, ` — ${seen}`) : null,
    ),
  );
  if (explained.children) li.append(h("ul", { class: "explain" }, explained.children.map((child) => item(child, byPath, names))));
  return li;
}

export function renderExplanation(body, rule, names = {}) {
  const byPath = nodesByPath(rule);
  const change = body.last_change;
  const verdict = body.member
    ? `In the segment${change && change.change === "entered" ? ` since ${new Date(change.at).toLocaleString()} (${causeLabel(change.cause)})` : ""}.`
    : "Not in the segment now.";
  return h(
    "div",
    { class: "explanation" },
    h("p", { class: "small" }, h("strong", {}, verdict), ` Evaluated ${new Date(body.evaluated_at).toLocaleTimeString()}.`),
    h("ul", { class: "explain explain-root" }, item(body.explanation, byPath, names)),
  );
}

export const CAUSES = {
  event: "an event",
  time: "time passing",
  rule_edit: "rule created or edited",
  merge: "profiles merged",
  erasure: "erasure",
  archive: "segment archived",
  consent: "consent changed",
};

export function causeLabel(cause) {
  return CAUSES[cause] || cause;
}
