// The customer panel (the CRM card), what the IVR collected, and the queue's call script.
// Every CRM string goes into text nodes via h(): nothing here parses markup.

import { get, post } from "../lib/api.js";
import { byId, fill, h, show } from "../lib/dom.js";
import { currency, dateTime, humanise, percent, phone, tenure } from "../lib/format.js";
import { attempt } from "../lib/notify.js";
import { churnLevel, dialButton, tierBadge } from "./widgets.js";

export function mountCustomer(desk) {
  const body = byId("customer-body");
  const clear = byId("btn-clear-customer");
  let shown = null;
  clear.addEventListener("click", () => desk.update({ card: null, pop: desk.call ? desk.pop : null }));
  desk.subscribe(() => {
    const key = [desk.card, desk.pop];
    if (shown && shown[0] === key[0] && shown[1] === key[1]) return;
    shown = key;
    fill(body, desk.card ? card(desk, desk.card) : noCard(desk), external(desk.pop?.crm));
    show(clear, Boolean(desk.card || desk.pop) && !desk.call);
  });
  mountIvr(desk);
  mountScript(desk);
}

// What the customer's own CRM says (SWITCHBOARD_CRM=http): pending at ring, then enriched.
function external(crm) {
  if (!crm) return null;
  const notes = {
    pending: "Looking the caller up in the CRM…",
    "not-found": "The CRM has no record of this number.",
    unavailable: "The CRM did not answer; the pop shows what Switchboard knows.",
    invalid: "The CRM's answer could not be read.",
    "no-number": "No number to look up in the CRM.",
  };
  const cards = crm.status === "found" ? crm.cards : [];
  return h("section", { class: "crm-external", "aria-label": "From the CRM", "aria-live": "polite" },
    h("h3", {}, "From the CRM"),
    cards.length ? null : h("p", { class: "muted" }, notes[crm.status] ?? crm.status),
    cards.map((c) => h("div", { class: "crm-card" },
      h("p", {}, h("strong", {}, c.name ?? c.external_id), " ", c.tier ? tierBadge(c.tier) : null),
      h("dl", {},
        c.lifetime_value !== null ? [h("dt", {}, "Lifetime value"), h("dd", {}, currency(c.lifetime_value))] : null,
        c.churn_risk !== null ? [h("dt", {}, "Churn risk"), h("dd", {}, percent(c.churn_risk))] : null,
        c.open_complaints !== null ? [h("dt", {}, "Open complaints"), h("dd", {}, String(c.open_complaints))] : null),
      c.history.length ? h("ul", { class: "crm-history" }, c.history.map((i) => h("li", {},
        [i.at ? dateTime(i.at) : null, i.summary, i.disposition].filter(Boolean).join(" · ")))) : null)));
}

function noCard(desk) {
  const customer = desk.pop?.customer;
  if (!customer) return h("p", { class: "big-muted" }, "No customer open.");
  if (customer.status === "ambiguous") return choose(desk, customer.matches);
  if (customer.status === "unavailable") {
    return h("p", { class: "notice" }, "The CRM did not answer in time for this call.");
  }
  const number = customer.number ?? desk.pop.call.caller_number;
  const title = customer.status === "withheld" ? "Number withheld" : `Unknown caller ${phone(number)}`;
  return h("div", { class: "unknown" },
    h("h3", { class: "card-name" }, title),
    h("p", { class: "muted" }, "No customer record matches this caller."),
    customer.offer_create ? createForm(desk, customer.status === "withheld" ? null : number) : null);
}

function choose(desk, matches) {
  return h("div", { class: "choose" },
    h("p", { class: "notice" }, `${matches.length} customers share this number. Ask who is calling:`),
    h("ul", { class: "results" }, matches.map((m) => h("li", { class: "result" },
      h("span", { class: "result-name" }, m.name), tierBadge(m.tier),
      h("button", {
        type: "button",
        class: "btn btn-small",
        "aria-label": `Open ${m.name}`,
        onclick: () => desk.update({ card: m }),
      }, "Open")))));
}

function createForm(desk, number) {
  const input = h("input", { id: "new-customer-name", required: true, maxlength: "200" });
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "stack create", novalidate: true },
    h("label", { for: "new-customer-name" }, "Create a customer: full name"), input, error,
    h("button", { type: "submit", class: "btn" }, "Create customer"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      error.textContent = "Enter the customer's name.";
      input.focus();
      return;
    }
    const phones = number ? [number] : [];
    const created = await attempt(() => post("/api/customers", { name, phones }), "Could not create");
    if (created) desk.update({ card: created });
  });
  return form;
}

function card(desk, c) {
  const churn = churnLevel(c.churn_risk);
  const about = [c.account_number && `Account ${c.account_number}`, c.segment && humanise(c.segment),
    c.email].filter(Boolean).join(" · ");
  return h("article", { class: "card", "aria-labelledby": "customer-name" },
    h("div", { class: "card-head" },
      h("h3", { id: "customer-name", class: "card-name" }, c.name),
      tierBadge(c.tier),
      churn.level === "high" ? h("span", { class: "flag flag-risk" }, churn.label) : null,
      c.open_complaints > 0
        ? h("span", { class: "flag flag-warn" }, `${c.open_complaints} open complaint${c.open_complaints === 1 ? "" : "s"}`)
        : null),
    about ? h("p", { class: "muted" }, about) : null,
    h("dl", { class: "kpis" },
      kpi("Lifetime value", currency(c.lifetime_value), humanise(c.segment ?? c.tier)),
      kpi("Churn risk", percent(c.churn_risk), humanise(churn.level), `risk-${churn.level}`),
      kpi("Open complaints", String(c.open_complaints), c.open_complaints > 0 ? "Unresolved" : "None open",
        c.open_complaints > 0 ? "risk-high" : null),
      kpi("Customer since", ...tenure(c.customer_since).split(" · "))),
    phones(desk, c),
    history(c.recent ?? []));
}

function kpi(label, value, sub, tone) {
  return h("div", { class: "kpi" }, h("dt", {}, label),
    h("dd", { class: tone }, value, sub ? h("span", { class: "kpi-sub" }, sub) : null));
}

function phones(desk, c) {
  if (!c.phones?.length) return null;
  return h("div", { class: "phones" },
    h("h4", {}, "Phones"),
    h("ul", { class: "phone-list" }, c.phones.map((p) => h("li", {},
      h("span", { class: "mono" }, phone(p)), dialButton(desk, p, c)))));
}

function history(recent) {
  return h("section", { class: "history", "aria-labelledby": "history-heading" },
    h("h4", { id: "history-heading" }, "Last interactions"),
    recent.length === 0
      ? h("p", { class: "muted" }, "No earlier interactions.")
      : h("ol", { class: "timeline" }, recent.map((i) => h("li", {},
        h("p", { class: "meta" },
          h("time", { datetime: i.started_at }, dateTime(i.started_at)),
          ` · ${humanise(i.direction)} · ${i.queue ? humanise(i.queue) : "no queue"} · ${humanise(i.outcome)}`,
          i.agent_login ? ` · ${i.agent_login}` : ""),
        h("p", {},
          h("span", { class: `disp disp-${i.disposition ?? "none"}` }, i.disposition ? humanise(i.disposition) : "No disposition"),
          " ", h("span", { class: "note" }, i.notes || "No notes."))))));
}

function mountIvr(desk) {
  const list = byId("ivr-body");
  const empty = byId("ivr-empty");
  let shown;
  desk.subscribe(() => {
    if (shown === desk.pop) return;
    shown = desk.pop;
    // CRM_* variables are Switchboard's own bookkeeping (click-to-dial), not caller input.
    const entries = Object.entries(desk.pop?.ivr ?? desk.pop?.call?.ivr ?? {})
      .filter(([key]) => !key.startsWith("CRM_"));
    fill(list, entries.map(([key, value]) => [h("dt", {}, humanise(key)), h("dd", {}, String(value))]));
    show(list, entries.length > 0);
    show(empty, entries.length === 0);
    empty.textContent = desk.pop ? "The IVR collected nothing for this call." : "Nothing yet.";
  });
}

function mountScript(desk) {
  const box = byId("script-body");
  const cache = new Map();
  let queue;
  let campaignCall;
  desk.subscribe(async () => {
    const campaign = desk.pop?.campaign;
    if (campaign) {
      // a campaign call: the campaign's own script, not the queue's
      if (campaignCall === desk.pop.call.call_id) return;
      campaignCall = desk.pop.call.call_id;
      queue = undefined;
      fill(box, campaign.script
        ? [h("p", { class: "script-queue muted small" }, `Campaign ${campaign.name}`),
          h("div", { class: "script-text" }, campaign.script)]
        : h("p", { class: "muted" }, `No script for the campaign ${campaign.name}.`));
      return;
    }
    campaignCall = undefined;
    const wanted = desk.pop?.call?.queue ?? null;
    if (wanted === queue) return;
    queue = wanted;
    if (!wanted) {
      fill(box, h("p", { class: "muted" }, "The queue's script shows here during a call."));
      return;
    }
    if (!cache.has(wanted)) cache.set(wanted, fetchScript(wanted));
    const script = await cache.get(wanted);
    if (script === null) cache.delete(wanted);
    if (queue !== wanted) return;
    fill(box, script === null
      ? h("p", { class: "muted" }, `No script for the ${humanise(wanted)} queue.`)
      : [h("p", { class: "script-queue muted small" }, `${humanise(wanted)} queue`),
        h("div", { class: "script-text" }, script)]);
  });
}

async function fetchScript(queue) {
  try {
    const data = await get(`/api/queues/${encodeURIComponent(queue)}/script`);
    return data?.script ? String(data.script) : null;
  } catch {
    return null;
  }
}
