// Small pieces shared by the customer card and the search results.

import { post } from "../lib/api.js";
import { h } from "../lib/dom.js";
import { humanise, phone } from "../lib/format.js";
import { announce, attempt, toast } from "../lib/notify.js";

export function tierBadge(tier) {
  return h("span", { class: `tier tier-${tier ?? "standard"}` }, humanise(tier ?? "standard"));
}

export function churnLevel(risk) {
  if (risk >= 0.5) return { level: "high", label: "High churn risk" };
  if (risk >= 0.25) return { level: "medium", label: "Medium churn risk" };
  return { level: "low", label: "Low churn risk" };
}

/** Whether this desktop may dial out now (idle: available or paused, no call). */
export function canDial(desk) {
  return Boolean(desk.agent && ["available", "paused"].includes(desk.agent.state) && !desk.call);
}

/** A click-to-dial button; its `disabled` follows the desk (see syncDialButtons). */
export function dialButton(desk, number, customer) {
  const who = customer?.name ? `${customer.name} on ${phone(number)}` : phone(number);
  return h("button", {
    type: "button",
    class: "btn btn-small btn-dial dial",
    "aria-label": `Call ${who}`,
    disabled: !canDial(desk),
    onclick: () => dial(desk, number, customer),
  }, "Call");
}

export function syncDialButtons(desk) {
  const allowed = canDial(desk);
  for (const button of document.querySelectorAll("button.dial")) button.disabled = !allowed;
}

async function dial(desk, number, customer) {
  if (!canDial(desk)) return;
  const body = { number, customer_id: customer?.id ?? null };
  const result = await attempt(() => post("/api/calls/originate", body), "Could not dial");
  if (result) {
    const message = `Dialling ${phone(number)}: answer your phone when it rings.`;
    toast(message);
    announce(message);
  }
}
