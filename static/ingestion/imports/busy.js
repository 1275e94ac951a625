// Loading state for slow forms (upload, dry run, start): on submit, the clicked button is disabled
// and shows its data-busy-label, so nobody submits twice while the server works.

for (const form of document.querySelectorAll("form[data-busy-form]")) {
  form.addEventListener("submit", (event) => {
    const submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    const button = submitter || form.querySelector("[data-busy-label]");
    if (!button || !button.dataset.busyLabel) return;
    // Disable after the submission has been built (a disabled submitter would be left out).
    window.setTimeout(() => {
      button.dataset.idleLabel = button.textContent;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = button.dataset.busyLabel;
    }, 0);
  });
}

// Coming back with the browser's Back button restores the page from cache: re-enable its buttons.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll("form[data-busy-form] [aria-busy='true']")) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = button.dataset.idleLabel;
  }
});
