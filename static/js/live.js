// Live pages (an open thread, the timeline). Their pollers get out-of-band replacements for
// what changed (posts edited, deleted or moderated; the upcoming events). Here we make sure a
// replacement never takes anything from the person reading or writing:
//  - a post whose fingerprint (data-version) is unchanged is left alone, with its unread
//    marker and anything focused in it;
//  - what the person looks at stays where it is on the screen: the focused control if it is
//    in view, else what is in the middle of the window (the browser's own scroll anchoring
//    gives up when its anchor is inside the replaced element, so we do it ourselves);
//  - when the replaced element held the focus, focus goes to the same control in the new
//    one (same link target or button, else the same position), without scrolling.
//  Forms being typed in (the reply form) are never part of a replacement.

const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

let pending = null;

function inView(elt) {
  const box = elt.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}

// The element whose place on the screen must not move: outside the replaced one if we can.
function anchorOutside(target, active) {
  if (active && active !== document.body && !target.contains(active) && inView(active)) {
    return active;
  }
  const middle = document.elementFromPoint(window.innerWidth / 2, window.innerHeight / 2);
  const page = [document.documentElement, document.body];
  if (middle && !page.includes(middle) && !target.contains(middle)) return middle;
  return null; // the replaced element itself, found again by its id
}

function sameControl(controls, old, index) {
  const href = old.getAttribute("href");
  const match = controls.find(
    (c) =>
      (href && c.getAttribute("href") === href) ||
      (old.name && c.name === old.name && c.value === old.value),
  );
  return match || controls[Math.min(index, controls.length - 1)] || null;
}

document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const { target, fragment } = event.detail;
  const incoming = fragment.firstElementChild;
  const version = target.getAttribute("data-version");
  if (version && incoming && incoming.getAttribute("data-version") === version) {
    event.detail.shouldSwap = false;
    return;
  }
  if (!target.id) return;
  const active = document.activeElement;
  const anchor = anchorOutside(target, active);
  pending = {
    id: target.id,
    anchor,
    top: (anchor || target).getBoundingClientRect().top,
    focused: active && target.contains(active) ? active : null,
    index: [...target.querySelectorAll(FOCUSABLE)].indexOf(active),
  };
  // Only our correction below: the browser's own anchoring would add to it. (Setting a
  // style property from script is allowed by the CSP; a style attribute in markup is not.)
  document.documentElement.style.overflowAnchor = "none";
});

document.addEventListener("htmx:oobAfterSwap", () => {
  if (!pending) return;
  const { id, anchor, top, focused, index } = pending;
  pending = null;
  const replaced = document.getElementById(id);
  const still = anchor && anchor.isConnected ? anchor : replaced;
  if (still) {
    const moved = still.getBoundingClientRect().top - top;
    if (Math.abs(moved) >= 1) window.scrollBy({ top: moved, behavior: "instant" });
  }
  requestAnimationFrame(() =>
    requestAnimationFrame(() => document.documentElement.style.removeProperty("overflow-anchor")),
  );
  if (!focused || !replaced || replaced.contains(document.activeElement)) return;
  let next = sameControl([...replaced.querySelectorAll(FOCUSABLE)], focused, index);
  if (!next) {
    // Nothing to operate left in it (a post now hidden or deleted): the element itself.
    replaced.setAttribute("tabindex", "-1");
    next = replaced;
  }
  next.focus({ preventScroll: true });
});
