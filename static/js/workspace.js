// Keeps keyboard and screen-reader users oriented after htmx swaps a region.
document.addEventListener("htmx:afterSwap", (event) => {
  const region = event.detail.target;
  const invalid = region.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
    return;
  }
  const status = region.querySelector("[role='status'] .flash");
  if (status && !region.contains(document.activeElement)) {
    const heading = region.querySelector("h2, h3");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }
});

// Close the user menu when focus or a click leaves it.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
});
