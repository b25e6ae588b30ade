// Telling people what happened: screen-reader announcements (aria-live regions) and short
// visible notices. Pages include the three containers (see agent.html and board.html).

import { h } from "./dom.js";

/** Speak a message through the polite (default) or assertive live region. */
export function announce(message, { assertive = false } = {}) {
  const region = document.getElementById(assertive ? "sr-assertive" : "sr-polite");
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = "";
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** A visible notice that fades after a while; errors stay until dismissed. */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const close = h("button", {
    class: "toast-close",
    type: "button",
    "aria-label": "Dismiss",
    onclick: () => item.remove(),
  }, "×");
  const item = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : null },
    h("span", {}, message), close);
  box.append(item);
  while (box.children.length > 4) box.firstElementChild.remove();
  if (kind !== "error") setTimeout(() => item.remove(), 6000);
}

/** Run an action, reporting its failure as an error notice; returns its result or null. */
export async function attempt(action, what) {
  try {
    return await action();
  } catch (err) {
    if (err?.status !== 401) toast(`${what}: ${err?.message ?? err}`, "error");
    return null;
  }
}
