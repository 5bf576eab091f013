// Action plans: never lose a section's text, and say goodbye when leaving an editor.
//
// An editor form (data-draft-prefix "plan-draft:<section>:<language>:") keeps what is typed
// in localStorage under prefix + the revision it started from. When the editor opens again
// (after an expired session, a crash, a closed tab) the newest draft comes back into the
// form, with the revision it started from, so saving it merges like any other save. The
// page after a successful save names the drafts to forget (data-forget-drafts).
(() => {
  "use strict";

  const read = (key) => {
    try {
      return JSON.parse(localStorage.getItem(key));
    } catch {
      return null;
    }
  };
  const write = (key, value) => {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or disabled: the server-side safeguards still apply.
    }
  };
  const forget = (key) => {
    try {
      localStorage.removeItem(key);
    } catch {
      // nothing to forget
    }
  };
  const keysStartingWith = (prefix) => {
    const keys = [];
    try {
      for (let i = 0; i < localStorage.length; i += 1) {
        const key = localStorage.key(i);
        if (key && key.startsWith(prefix)) keys.push(key);
      }
    } catch {
      // no storage
    }
    return keys;
  };

  document.querySelectorAll("[data-forget-drafts]").forEach((element) => {
    element.dataset.forgetDrafts.split(" ").filter(Boolean).forEach(forget);
  });

  // Text given back after a failed save: keep it for the editor.
  document.querySelectorAll("[data-draft-rescue][data-draft-key]").forEach((element) => {
    write(element.dataset.draftKey, {
      title: element.querySelector("input").value,
      body: element.querySelector("textarea").value,
      base: element.dataset.draftBase,
      at: Date.now(),
    });
  });

  document.querySelectorAll("form[data-draft-prefix]").forEach((form) => {
    const prefix = form.dataset.draftPrefix;
    const base = form.elements.base_revision_id;
    const title = form.elements.title;
    const body = form.elements.body;
    const notice = document.querySelector("[data-draft-notice]");
    const key = () => prefix + (base.value || "0");
    const save = () =>
      write(key(), { title: title.value, body: body.value, base: base.value, at: Date.now() });

    if (form.dataset.draftReplaces) forget(form.dataset.draftReplaces);
    if (form.hasAttribute("data-draft-store-now")) save();

    const saved = { title: title.value, body: body.value, base: base.value };
    let newest = null;
    keysStartingWith(prefix).forEach((candidate) => {
      const draft = read(candidate);
      if (draft && draft.title === saved.title && draft.body === saved.body) {
        // What the draft holds is saved (the page that said so may have been left early).
        forget(candidate);
      } else if (draft && typeof draft.body === "string" && (!newest || draft.at > newest.at)) {
        newest = draft;
      }
    });
    if (newest && (newest.title !== title.value || newest.body !== body.value)) {
      title.value = newest.title;
      body.value = newest.body;
      if (newest.base) base.value = newest.base;
      if (notice) notice.hidden = false;
    }
    if (notice) {
      notice.querySelector("[data-draft-discard]").addEventListener("click", () => {
        forget(key());
        title.value = saved.title;
        body.value = saved.body;
        base.value = saved.base;
        notice.hidden = true;
        body.focus();
      });
    }
    form.addEventListener("input", save);
  });

  // Leaving the editor: tell the server at once rather than waiting for the heartbeat to age.
  const presence = document.querySelector("[data-leave-url]");
  if (presence) {
    window.addEventListener("pagehide", () => {
      const data = new FormData();
      try {
        const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
        data.append("csrf_token", headers["X-CSRFToken"] || "");
      } catch {
        // without a token the server refuses; the presence then simply ages out
      }
      navigator.sendBeacon(presence.dataset.leaveUrl, data);
    });
  }
})();
