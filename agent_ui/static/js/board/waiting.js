// Waiting calls (GET /api/calls/waiting) and, for any of them, the ACD's explanation of
// why it still waits (GET /api/calls/{id}/routing).

import { get } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { duration, humanise, phone } from "../lib/format.js";

const REFRESH_MS = 1000;

export function createWaiting() {
  const rows = byId("waiting-rows");
  const table = byId("waiting-table");
  const note = byId("waiting-note");
  let calls = [];
  let fetchedAt = 0;
  let inFlight = false;
  let unsupported = false;
  let lastAsked = 0;
  let trailing = null;
  let labels = new Map();
  const label = (queue) => labels.get(queue) ?? humanise(queue);

  async function refresh(anyWaiting, queueLabels = labels) {
    labels = queueLabels;
    if (unsupported) return;
    if (!anyWaiting) {
      calls = [];
      paint(Date.now());
      return;
    }
    const wait = REFRESH_MS - (Date.now() - lastAsked);
    if (inFlight || wait > 0) {
      // Ask again once the current request or the rate limit allows, so no change is missed.
      trailing ??= setTimeout(() => {
        trailing = null;
        refresh(true);
      }, Math.max(wait, 200));
      return;
    }
    inFlight = true;
    lastAsked = Date.now();
    try {
      calls = await get("/api/calls/waiting");
      fetchedAt = Date.now();
    } catch (err) {
      if (err.status === 404 || err.status === 405) {
        unsupported = true;
        calls = [];
        setText(note, "This server does not list waiting calls yet.");
      }
    } finally {
      inFlight = false;
    }
    paint(Date.now());
  }

  function paint(now) {
    show(table, calls.length > 0);
    if (!unsupported) setText(note, calls.length ? "" : "No calls waiting.");
    show(note, calls.length === 0);
    const sorted = [...calls].sort((a, b) => b.waiting_seconds - a.waiting_seconds);
    fill(rows, sorted.map((call) => {
      const waited = call.waiting_seconds + (now - fetchedAt) / 1000;
      const caller = phone(call.caller_number);
      return h("tr", { dataset: { call: call.call_id } },
        h("td", {}, label(call.queue)),
        h("td", { class: "mono" }, caller),
        h("td", { class: "num", dataset: { waited: String(call.waiting_seconds) } }, duration(waited)),
        h("td", { class: "actions" }, h("button", {
          type: "button",
          class: "btn btn-small",
          "aria-haspopup": "dialog",
          "aria-label": `Why waiting? The call from ${caller} in ${label(call.queue)}`,
          onclick: () => explain(call),
        }, "Why waiting?")));
    }));
  }

  function tick(now) {
    for (const cell of rows.querySelectorAll("td[data-waited]")) {
      setText(cell, duration(Number(cell.dataset.waited) + (now - fetchedAt) / 1000));
    }
  }

  return {
    refresh,
    tick,
    blank() {
      calls = [];
      fill(rows);
      show(table, false);
      show(note, true);
      setText(note, "—");
    },
  };
}

// -- the routing explanation -----------------------------------------------------------------

async function explain(call) {
  const dialog = byId("routing-dialog");
  const body = byId("routing-body");
  fill(body, h("p", { class: "muted" }, "Asking the ACD…"));
  if (!dialog.open) dialog.showModal();
  let routing;
  try {
    routing = await get(`/api/calls/${encodeURIComponent(call.call_id)}/routing`);
  } catch (err) {
    const text = err.status === 404 && err.errorId === "not-found" && !err.details?.call_id
      ? "This server does not explain routing yet."
      : err.status === 404 ? "That call is no longer waiting." : `Could not explain: ${err.message}`;
    fill(body, h("p", { class: "notice" }, text));
    return;
  }
  fill(body, explanation(routing));
}

function explanation(r) {
  const needs = Object.entries(r.requirements?.skills ?? {}).map(([name, level]) => `${name} ≥ ${level}`);
  const either = Object.entries(r.requirements?.alternatives ?? {}).map(([name, level]) => `${name} ≥ ${level}`);
  if (either.length) needs.push(`or any of ${either.join(", ")}`);
  if (r.requirements?.language) needs.push(`language ${r.requirements.language}`);
  return [
    h("p", { class: "routing-summary" }, sentence(r.summary) ?? "No summary."),
    h("dl", { class: "routing-facts" },
      fact("Queue", humanise(r.queue)),
      fact("Waiting", duration(r.waiting_seconds)),
      fact("Priority · score", `${r.priority ?? "—"} · ${typeof r.score === "number" ? r.score.toFixed(1) : "—"}`),
      fact("Needs", needs.length ? needs.join(", ") : "nothing special")),
    (r.reasons ?? []).length
      ? h("ul", { class: "reasons routing-reasons" }, r.reasons.map((reason) => h("li", {}, reason)))
      : null,
    h("div", { class: "routing-now" },
      h("section", { "aria-labelledby": "routing-eligible" },
        h("h3", { id: "routing-eligible" }, "Could take it now"),
        agentsList((r.now?.eligible_available ?? []).map((id) => [id, null]), "Nobody eligible is available.")),
      h("section", { "aria-labelledby": "routing-blocked" },
        h("h3", { id: "routing-blocked" }, "Not offered, and why"),
        agentsList((r.now?.blocked ?? []).map((b) => [b.agent_id ?? b.id, b.reason]), "No one is blocked."))),
    h("section", { "aria-labelledby": "routing-decisions" },
      h("h3", { id: "routing-decisions" }, "Decisions so far"),
      (r.decisions ?? []).length === 0
        ? h("p", { class: "muted" }, "The ACD has not tried to place this call yet.")
        : h("ol", { class: "decisions" }, r.decisions.map(decision))),
  ];
}

function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : null;
}

function fact(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, String(value)));
}

function agentsList(entries, empty) {
  if (entries.length === 0) return h("p", { class: "muted" }, empty);
  return h("ul", { class: "reasons" }, entries.map(([id, reason]) =>
    h("li", {}, h("span", { class: "mono" }, id), reason ? h("span", { class: "reason" }, ` — ${reason}`) : null)));
}

function decision(d) {
  const at = d.at ? new Date(typeof d.at === "number" ? d.at * 1000 : d.at) : null;
  const chosen = [d.chosen ?? []].flat().filter(Boolean);
  const passed = d.passed_over ?? [];
  return h("li", {},
    h("p", {}, at ? h("time", { datetime: at.toISOString() }, at.toLocaleTimeString("en-GB")) : null,
      ` ${humanise(d.rule)}: `, chosen.length ? `offered to ${chosen.join(", ")}` : "offered to nobody"),
    passed.length ? agentsList(passed.map((p) => [p.agent_id ?? p.id, p.reason]), "") : null);
}
