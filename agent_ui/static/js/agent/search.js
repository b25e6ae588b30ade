// Customer search (GET /api/customers?q=) with open and click-to-dial on each result.

import { get } from "../lib/api.js";
import { byId, fill, h } from "../lib/dom.js";
import { phone } from "../lib/format.js";
import { bind } from "../lib/keys.js";
import { dialButton, tierBadge } from "./widgets.js";

const $ = byId;

export function mountSearch(desk) {
  const form = $("search-form");
  const input = $("search-q");
  const status = $("search-status");
  const results = $("search-results");
  let seq = 0;

  async function run() {
    const q = input.value.trim();
    if (q.length < 2) {
      status.textContent = "Type at least two characters.";
      fill(results);
      return;
    }
    const mine = ++seq;
    status.textContent = "Searching…";
    let found;
    try {
      found = await get(`/api/customers?q=${encodeURIComponent(q)}`);
    } catch (err) {
      if (mine === seq) status.textContent = `Search failed: ${err.message}`;
      return;
    }
    if (mine !== seq) return;
    status.textContent = found.length
      ? `${found.length} customer${found.length === 1 ? "" : "s"} found.`
      : "No customer matches.";
    fill(results, found.map((c) => result(desk, c)));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  bind("Alt+S", "Search for a customer", () => {
    input.focus();
    input.select();
  }, input);
}

function result(desk, c) {
  const first = c.phones?.[0];
  return h("li", { class: "result" },
    h("div", { class: "result-main" },
      h("span", { class: "result-title" }, h("span", { class: "result-name" }, c.name), tierBadge(c.tier)),
      h("span", { class: "muted small result-sub" },
        [first && phone(first), c.account_number].filter(Boolean).join(" · "))),
    h("div", { class: "btn-row" },
      h("button", {
        type: "button",
        class: "btn btn-small",
        "aria-label": `Open ${c.name}`,
        onclick: () => {
          desk.update({ card: c });
          byId("customer-heading").scrollIntoView({ block: "nearest" });
        },
      }, "Open"),
      first ? dialButton(desk, first, c) : null));
}
