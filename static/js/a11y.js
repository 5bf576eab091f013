// Keeps keyboard and screen-reader users oriented, on every page and after every htmx swap.
//
//  - A form that comes back with errors (a full page after a plain post, or a block swapped
//    in by htmx) gets an error summary at its top: "There is a problem", then one link per
//    invalid field, to the field. The summary takes the focus. Each field already names its
//    own errors (aria-invalid, aria-describedby; templates/_macros/forms.html).
//  - After a swap, focus is never left on <body>: if the focused control went away with the
//    old content, focus goes to the control with the same id, else the one that made the
//    request, else the heading of the new content, else the new content itself. Swaps that
//    did not take the focus away (a poll while someone reads) move nothing.
//  - A status message that arrives in a live region created by the swap (screen readers
//    ignore a region that is born full) is said through #announcer, a live region that is in
//    the page, empty, from the start; the copy in the content is kept quiet.
(() => {
  "use strict";

  const LIVE = "[role='status'], [role='alert'], [aria-live]";
  const FOCUSABLE =
    "a[href], button:not([disabled]), input:not([type='hidden']):not([disabled]), " +
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]";

  const visible = (elt) =>
    elt && elt.isConnected && elt !== document.body && elt.getClientRects().length > 0;

  const focusOn = (elt) => {
    if (!elt.matches(FOCUSABLE)) elt.setAttribute("tabindex", "-1");
    elt.focus();
  };

  // ---- Error summaries ----

  let summaries = 0;

  function controlOf(field) {
    return (
      field.querySelector("[aria-invalid='true']") ||
      field.querySelector("input:not([type='hidden']), select, textarea")
    );
  }

  function labelOf(field, control) {
    const legend = field.querySelector("legend");
    if (legend) return legend.textContent.trim();
    const label = control && control.id && field.querySelector(`label[for="${CSS.escape(control.id)}"]`);
    return label ? label.textContent.trim() : "";
  }

  function buildSummary(form) {
    const template = document.getElementById("error-summary-template");
    if (!template || form.querySelector(":scope > .error-summary")) return null;
    const fields = [...form.querySelectorAll(".field--invalid")];
    if (!fields.length) return null;
    const summary = template.content.firstElementChild.cloneNode(true);
    summaries += 1;
    const title = summary.querySelector(".error-summary__title");
    title.id = `error-summary-${summaries}-title`;
    summary.setAttribute("aria-labelledby", title.id);
    const list = summary.querySelector(".error-summary__list");
    const pattern = summary.dataset.item;
    fields.forEach((field) => {
      const control = controlOf(field);
      if (!control || !control.id) return;
      const name = labelOf(field, control);
      field.querySelectorAll(".errors li").forEach((error) => {
        const link = document.createElement("a");
        link.href = `#${control.id}`;
        link.textContent = name
          ? pattern.replace("%(field)s", name).replace("%(error)s", error.textContent.trim())
          : error.textContent.trim();
        const item = document.createElement("li");
        item.append(link);
        list.append(item);
      });
    });
    if (!list.children.length) return null;
    // A closed <details> holding an invalid field opens, so the link has somewhere to go.
    fields.forEach((field) => {
      const details = field.closest("details");
      if (details && form.contains(details)) details.open = true;
    });
    form.prepend(summary);
    return summary;
  }

  function summariseIn(root) {
    const forms = root.matches && root.matches("form") ? [root] : [];
    forms.push(...root.querySelectorAll("form"));
    return forms.map(buildSummary).filter(Boolean);
  }

  // A link of the summary puts the focus in its field, with the field's label in view.
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    const control = document.getElementById(link.getAttribute("href").slice(1));
    if (!control) return;
    event.preventDefault();
    const field = control.closest(".field") || control;
    field.scrollIntoView({ block: "start" });
    control.focus({ preventScroll: true });
  });

  // A full page with a form in error: the summary, focused.
  const onLoad = () => {
    const [first] = summariseIn(document.body);
    if (first) first.focus();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onLoad);
  else onLoad();

  // ---- After htmx swaps ----

  const swaps = new WeakMap(); // xhr → what the page was like before the swap
  let announced = 0;

  function announce(text) {
    const announcer = document.getElementById("announcer");
    if (!announcer) return;
    // Emptied first, so the same words said twice in a row are said again.
    announcer.textContent = "";
    announced += 1;
    const turn = announced;
    setTimeout(() => {
      if (turn === announced) announcer.textContent = text;
    }, 50);
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, target } = event.detail;
    if (!xhr) return;
    const active = document.activeElement;
    swaps.set(xhr, {
      target,
      targetId: target && target.id,
      active: active && active !== document.body ? active : null,
      activeId: active && active.id,
      live: new Set(document.querySelectorAll(LIVE)),
    });
  });

  function afterSwap(event) {
    const { xhr, elt } = event.detail;
    const before = xhr && swaps.get(xhr);
    if (!before) return;
    swaps.delete(xhr);
    const region =
      (before.target && before.target.isConnected && before.target) ||
      (before.targetId && document.getElementById(before.targetId)) ||
      null;

    // Status messages born with the swap: said through the announcer.
    const said = [];
    document.querySelectorAll(LIVE).forEach((live) => {
      if (before.live.has(live) || live.id === "announcer") return;
      if (live.closest(".error-summary") || live.getAttribute("aria-live") === "off") return;
      const text = live.textContent.replace(/\s+/g, " ").trim();
      if (!text) return;
      said.push(text);
      live.setAttribute("aria-live", "off");
    });
    if (said.length) announce(said.join(" "));

    // Errors: the summary of the form that came back takes the focus.
    if (region) {
      const [summary] = summariseIn(region);
      if (summary) {
        summary.focus();
        return;
      }
    }

    // Focus still somewhere real: leave it there.
    if (visible(document.activeElement)) return;
    // Focus was not taken by this swap (nothing was focused): nothing to give back.
    if (!before.active) return;

    const candidates = [];
    if (before.activeId) candidates.push(document.getElementById(before.activeId));
    if (elt && elt.matches && elt.matches(FOCUSABLE)) candidates.push(elt);
    if (region) {
      candidates.push(region.querySelector("h1, h2, h3, h4"));
      candidates.push(region);
    }
    candidates.push(document.querySelector("main h1"), document.getElementById("main"));
    const next = candidates.find(visible);
    if (next) focusOn(next);
  }

  // After the other handlers of the settle (tasks.js and live.js place focus themselves).
  document.addEventListener("htmx:afterSettle", (event) => {
    queueMicrotask(() => afterSwap(event));
  });
})();
