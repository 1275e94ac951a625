// Value inputs of a comparison, chosen by what the operator takes and the field's type: numbers,
// text with autocomplete from observed values, yes/no, dates, relative windows, ranges, and a
// multi-select of chips for "is one of".

import { h, option } from "./dom.js";
import { OPERATORS, UNITS } from "./model.js";

let datalistCounter = 0;

function parseNumber(text) {
  if (text === "" || text === null || text === undefined) return null;
  const n = Number(text);
  return Number.isNaN(n) ? text : n;
}

function coerce(text, vtype) {
  if (vtype === "number") return parseNumber(text);
  if (vtype === "boolean") return text === "true";
  return text;
}

function suggestionList(suggest) {
  const id = `suggest-${++datalistCounter}`;
  const list = h("datalist", { id });
  let loaded = false;
  const load = async () => {
    if (loaded || !suggest) return;
    loaded = true;
    const values = await suggest();
    list.replaceChildren(...values.slice(0, 50).map((v) => h("option", { value: String(v) })));
  };
  return { id, list, load };
}

function textInput({ value, vtype, label, suggest, onInput, fk }) {
  const isNumber = vtype === "number";
  const hints = !isNumber || suggest ? suggestionList(suggest) : null;
  const input = h("input", {
    type: isNumber ? "number" : "text",
    step: isNumber ? "any" : null,
    class: "value-input",
    "aria-label": label,
    value: value === null || value === undefined ? "" : String(value),
    list: hints ? hints.id : null,
    placeholder: isNumber ? "0" : "value",
    autocomplete: "off",
    dataset: { fk },
    oninput: (e) => onInput(coerce(e.target.value, vtype)),
    onfocus: () => hints && hints.load(),
  });
  return h("span", { class: "value-wrap" }, input, hints ? hints.list : null);
}

function booleanInput({ value, label, onCommit, fk }) {
  return h(
    "select",
    { class: "value-input", "aria-label": label, dataset: { fk }, onchange: (e) => onCommit(e.target.value === "true") },
    option("true", "true (yes)", value !== false),
    option("false", "false (no)", value === false),
  );
}

function dateInput({ value, label, onInput, fk }) {
  const text = typeof value === "string" ? value : "";
  const precise = text.length > 10;
  return h("input", {
    type: precise ? "text" : "date",
    class: "value-input value-date",
    "aria-label": label,
    value: text,
    placeholder: "YYYY-MM-DD",
    dataset: { fk },
    oninput: (e) => onInput(e.target.value || null),
  });
}

export function durationInput({ value, label, onInput, onCommit, fk }) {
  const [unit, amount] = Object.entries(value || { days: 30 })[0];
  let current = { unit, amount };
  const emit = (commit) => (commit ? onCommit : onInput)({ [current.unit]: parseNumber(current.amount) });
  return h(
    "span",
    { class: "value-wrap value-duration" },
    h("input", {
      type: "number",
      min: "1",
      step: "1",
      class: "value-input value-short",
      "aria-label": `${label}: how many`,
      value: amount === null || amount === undefined ? "" : String(amount),
      dataset: { fk: `${fk}-amount` },
      oninput: (e) => {
        current = { ...current, amount: e.target.value };
        emit(false);
      },
    }),
    h(
      "select",
      {
        class: "value-input value-unit",
        "aria-label": `${label}: unit`,
        dataset: { fk: `${fk}-unit` },
        onchange: (e) => {
          current = { ...current, unit: e.target.value };
          emit(true);
        },
      },
      Object.entries(UNITS).map(([key, text]) => option(key, text, key === unit)),
    ),
  );
}

function rangeInput({ value, label, onInput, fk }) {
  const pair = Array.isArray(value) ? [...value] : [null, null];
  const part = (index, name) =>
    h("input", {
      type: "number",
      step: "any",
      class: "value-input value-short",
      "aria-label": `${label}: ${name}`,
      value: pair[index] === null || pair[index] === undefined ? "" : String(pair[index]),
      dataset: { fk: `${fk}-${index}` },
      oninput: (e) => {
        pair[index] = parseNumber(e.target.value);
        onInput([...pair]);
      },
    });
  return h("span", { class: "value-wrap value-range" }, part(0, "from"), h("span", { class: "muted" }, "and"), part(1, "to"));
}

function listInput({ value, vtype, label, suggest, onInput, fk }) {
  const values = Array.isArray(value) ? [...value] : [];
  const hints = suggestionList(suggest);
  const chips = h("span", { class: "chips" });
  const input = h("input", {
    type: vtype === "number" ? "number" : "text",
    step: vtype === "number" ? "any" : null,
    class: "chip-input",
    "aria-label": `${label}: add a value (Enter)`,
    placeholder: values.length ? "add…" : "type, then Enter",
    list: hints.id,
    autocomplete: "off",
    dataset: { fk },
    onfocus: () => hints.load(),
    onkeydown: (e) => {
      if ((e.key === "Enter" || e.key === ",") && e.target.value.trim() !== "") {
        e.preventDefault();
        add(e.target.value.trim());
        e.target.value = "";
      } else if (e.key === "Backspace" && e.target.value === "" && values.length) {
        values.pop();
        draw();
        onInput([...values]);
      }
    },
    onchange: (e) => {
      // Picking from the suggestion list commits the value without Enter.
      if (e.target.value.trim() !== "") {
        add(e.target.value.trim());
        e.target.value = "";
      }
    },
  });
  function add(text) {
    const item = coerce(text, vtype);
    if (!values.some((v) => String(v) === String(item))) values.push(item);
    draw();
    onInput([...values]);
  }
  function draw() {
    chips.replaceChildren(
      ...values.map((v, i) =>
        h(
          "span",
          { class: "chip" },
          String(v),
          h("button", {
            type: "button",
            class: "chip-remove",
            "aria-label": `Remove ${v}`,
            onclick: () => {
              values.splice(i, 1);
              draw();
              onInput([...values]);
              input.focus();
            },
          }, "×"),
        ),
      ),
    );
    input.placeholder = values.length ? "add…" : "type, then Enter";
  }
  draw();
  return h("span", { class: "value-wrap value-list", role: "group", "aria-label": label }, chips, input, hints.list);
}

// The right input for `op` on a field of type `vtype`. onInput: typing (no re-render);
// onCommit: a choice that may change the layout.
export function valueEditor({ op, vtype, value, label, suggest, onInput, onCommit, fk }) {
  const takes = OPERATORS[op] ? OPERATORS[op].takes : "scalar";
  const args = { value, vtype, label, suggest, onInput, onCommit: onCommit || onInput, fk };
  if (takes === "nothing") return null;
  if (takes === "range") return rangeInput(args);
  if (takes === "list") return listInput(args);
  if (takes === "duration") return durationInput(args);
  if (takes === "moment") return dateInput(args);
  if (takes === "number") return textInput({ ...args, vtype: "number" });
  if (takes === "text") return textInput({ ...args, vtype: "string" });
  if (vtype === "boolean") return booleanInput(args);
  return textInput(args);
}
