// File inputs of attachment forms (workspace/attachments.py AttachmentsField) carry their
// limits in data-* attributes. Checked when files are chosen and again before the form is
// sent: a form over the limits is not sent (the server would refuse all of it, text
// included), and the reason shows as a field error tied to the input.

const FILE_INPUTS = "input[type=file][data-max-bytes]";

function problemWith(input) {
  const files = Array.from(input.files || []);
  const each = Number(input.dataset.maxBytes);
  const total = Number(input.dataset.maxTotal);
  const count = Number(input.dataset.maxFiles);
  if (files.length > count) return input.dataset.errorCount;
  const big = files.find((file) => file.size > each);
  if (big) return input.dataset.errorSize.replace("{name}", big.name);
  const sum = files.reduce((acc, file) => acc + file.size, 0);
  // The text of the form travels with the files: keep a little room for it.
  if (sum > total - 64 * 1024) return input.dataset.errorTotal;
  return null;
}

function showProblem(input, message) {
  const id = `${input.id}-client-errors`;
  let list = document.getElementById(id);
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  const field = input.closest(".field");
  if (!message) {
    if (list) list.remove();
    const rest = described.filter((part) => part !== id);
    if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
    else input.removeAttribute("aria-describedby");
    if (!document.getElementById(`${input.id}-errors`)) {
      input.removeAttribute("aria-invalid");
      if (field) field.classList.remove("field--invalid");
    }
    return;
  }
  if (!list) {
    list = document.createElement("ul");
    list.className = "errors";
    list.id = id;
    input.insertAdjacentElement("afterend", list);
  }
  const item = document.createElement("li");
  item.textContent = message;
  list.replaceChildren(item);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
  input.setAttribute("aria-invalid", "true");
  if (field) field.classList.add("field--invalid");
}

document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches(FILE_INPUTS)) {
    showProblem(event.target, problemWith(event.target));
  }
});

// Capture phase: runs before htmx's own submit listener on the form, so stopping the
// event here keeps htmx from sending it too.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    let first = null;
    for (const input of form.querySelectorAll(FILE_INPUTS)) {
      const message = problemWith(input);
      showProblem(input, message);
      if (message && !first) first = input;
    }
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  },
  true,
);

// Should the server still refuse the request as too large (htmx does not swap errors),
// say so at the file input instead of leaving the form silent.
document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.xhr.status !== 413) return;
  const input = event.detail.elt.querySelector && event.detail.elt.querySelector(FILE_INPUTS);
  if (input) {
    showProblem(input, input.dataset.errorTotal);
    input.focus();
  }
});

// A removed file's list item goes; keep focus in the list (or on the next heading).
let removedFrom = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  removedFrom = target.matches && target.matches("ul.attachments > li") ? target : null;
  if (removedFrom) {
    const next = removedFrom.nextElementSibling || removedFrom.previousElementSibling;
    removedFrom = next ? next.querySelector("a") : removedFrom.closest("section, article");
  }
});
document.addEventListener("htmx:afterSettle", () => {
  if (!removedFrom) return;
  if (!removedFrom.matches("a")) removedFrom.setAttribute("tabindex", "-1");
  removedFrom.focus({ preventScroll: true });
  removedFrom = null;
});
