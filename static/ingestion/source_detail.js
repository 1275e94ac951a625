// A source's page: reveal and copy the write key, copy snippets, and switch snippet tabs.
// Without JavaScript every snippet is shown one below the other and the key stays masked.

function showCopied(button) {
  const original = button.dataset.label || button.innerHTML;
  button.dataset.label = original;
  button.textContent = "Copied";
  button.classList.add("is-done");
  window.setTimeout(() => {
    button.innerHTML = original;
    button.classList.remove("is-done");
  }, 2000);
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-HTTP pages have no async clipboard: copy through a temporary, off-screen textarea.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("copy refused");
}

function setUpCopy() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    const target = document.querySelector(button.dataset.copy);
    if (!target) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const isField = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
      const text = isField ? target.value : target.textContent;
      try {
        await copyText(text);
        showCopied(button);
      } catch (error) {
        button.textContent = "Press Ctrl+C";
      }
    });
  }
}

function setUpReveal() {
  for (const button of document.querySelectorAll("[data-reveal]")) {
    const input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const reveal = input.type === "password";
      input.type = reveal ? "text" : "password";
      button.setAttribute("aria-pressed", String(reveal));
      button.textContent = reveal ? "Hide" : "Reveal";
      if (reveal) input.select();
    });
  }
}

function setUpTabs(root) {
  const list = root.querySelector("[data-tab-list]");
  const tabs = [...list.querySelectorAll('[role="tab"]')];
  const panels = tabs.map((tab) => document.getElementById(tab.getAttribute("aria-controls")));
  for (const title of root.querySelectorAll("[data-tab-title]")) title.hidden = true;
  list.hidden = false;

  function select(index, focus) {
    tabs.forEach((tab, i) => {
      const selected = i === index;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panels[i].hidden = !selected;
    });
    if (focus) tabs[index].focus();
  }

  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(index, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select((moves[event.key] + tabs.length) % tabs.length, true);
    });
  });
  select(0, false);
}

setUpCopy();
setUpReveal();
for (const root of document.querySelectorAll("[data-tabs]")) setUpTabs(root);
