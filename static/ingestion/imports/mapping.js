// Mapping page: the trait name and type inputs only matter when a column maps to "Trait";
// hide them otherwise (without JavaScript they simply stay visible and are ignored).

const TRAIT = "trait";

function sync(row) {
  const select = row.querySelector("[data-target-select]");
  const isTrait = select.value === TRAIT;
  for (const cell of row.querySelectorAll("[data-trait-field]")) {
    for (const control of cell.querySelectorAll("input, select")) control.disabled = !isTrait;
    cell.classList.toggle("is-hidden", !isTrait);
  }
}

for (const row of document.querySelectorAll("[data-mapping-row]")) {
  sync(row);
  row.querySelector("[data-target-select]").addEventListener("change", () => {
    sync(row);
    if (row.querySelector("[data-target-select]").value === TRAIT) row.querySelector("input[type=text]").focus();
  });
}
