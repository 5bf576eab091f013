// Live task lists (templates/tasks/index.html). A poller element marked data-live-poll asks
// for its region with If-None-Match every few seconds; the server answers 304 when nothing
// changed. Here we make sure a refresh never takes anything from the person using the page:
//  - no poll while someone types, ticks boxes or has a panel (<details>) open in the region,
//    or has changed a field there: the next poll after they are done brings the news;
//  - otherwise the swap keeps focus on the element with the same id (htmx does that, and
//    every control in the region has a stable id) without scrolling; if that element is
//    gone or hidden, focus goes to the closest remaining landmark we noted before the swap.

function liveRegionOf(elt) {
  const selector = elt.getAttribute("hx-target");
  return selector ? document.querySelector(selector) : null;
}

function isBusy(region) {
  const active = document.activeElement;
  if (active && region.contains(active) && active.matches("input, textarea, select")) return true;
  if (region.querySelector("details[open]")) return true;
  for (const field of region.querySelectorAll("input, textarea, select")) {
    if (field.type === "hidden") continue;
    if (field.type === "checkbox" || field.type === "radio") {
      if (field.checked !== field.defaultChecked) return true;
    } else if (field.tagName === "SELECT") {
      for (const option of field.options) {
        if (option.selected !== option.defaultSelected) return true;
      }
    } else if (field.value !== field.defaultValue) {
      return true;
    }
  }
  return false;
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (!elt.hasAttribute || !elt.hasAttribute("data-live-poll")) return;
  const region = liveRegionOf(elt);
  if (region && isBusy(region)) event.preventDefault();
});

// Where focus should land if the focused control disappears or ends up hidden in a closed
// panel: the panel's summary, else the heading of its list.
// After "next page" appended a list's next tasks in place of its link: the first new one.
let focusFallback = [];
let firstNew = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const active = document.activeElement;
  const region = event.detail.target;
  focusFallback = [];
  firstNew = null;
  if (!active || !region || !region.contains(active)) return;
  const more = active.closest(".tasks__more");
  if (more) {
    firstNew = { list: more.parentElement, after: more.previousElementSibling };
    return;
  }
  const summary = active.closest("details")?.querySelector("summary[id]");
  if (summary) focusFallback.push(summary.id);
  const heading = active.closest("section")?.querySelector("h2[id]");
  if (heading) focusFallback.push(heading.id);
});
document.addEventListener("htmx:afterSettle", () => {
  if (firstNew) {
    const row = firstNew.after ? firstNew.after.nextElementSibling : firstNew.list.firstElementChild;
    firstNew = null;
    const control = row && row.querySelector("button, a[href], summary");
    if (control) {
      control.focus({ preventScroll: false });
      return;
    }
  }
  const active = document.activeElement;
  const lost = !active || active === document.body || active.offsetParent === null;
  if (lost) {
    for (const id of focusFallback) {
      const elt = document.getElementById(id);
      if (elt && elt.offsetParent !== null) {
        elt.focus({ preventScroll: true });
        break;
      }
    }
  }
  focusFallback = [];
});
