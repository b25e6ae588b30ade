// Preview dialling: when the agent is in the queue of a running preview campaign, the next
// lead's card shows here with Dial and Skip; the same lead stays until they choose.

import { get, post } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { announce } from "../lib/notify.js";

const LOOK_EVERY_MS = 5_000;
const path = (name, rest = "") => `/api/dialer/campaigns/${encodeURIComponent(name)}/preview${rest}`;

export function mountPreview() {
  let campaign = null;
  let lead = null;
  let busy = false;

  function render() {
    show(byId("preview-panel"), Boolean(campaign && lead));
    if (!campaign || !lead) return;
    setText(byId("preview-campaign"), campaign.name);
    const rows = [["Name", lead.name], ["Phone", lead.phone], ["Account", lead.account ?? "—"],
      ["Attempts so far", String(lead.attempts)],
      ...Object.entries(lead.fields ?? {}).map(([k, v]) => [k, String(v)])];
    fill(byId("preview-card"),
      h("dl", { class: "preview-lead" }, rows.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
      campaign.script ? h("div", { class: "script-text" }, campaign.script) : null);
  }

  async function look() {
    if (busy || lead) return;
    busy = true;
    try {
      const campaigns = await get("/api/dialer/preview");
      campaign = campaigns[0] ?? null;
      lead = campaign ? await post(path(campaign.name)) : null;
      setText(byId("preview-error"), "");
      if (lead) announce(`Preview lead: ${lead.name}.`);
    } catch (err) {
      setText(byId("preview-error"), err.message);
    } finally {
      busy = false;
    }
    render();
  }

  async function choose(dial) {
    if (!campaign || !lead) return;
    try {
      const result = await post(path(campaign.name, `/${lead.id}`), { dial });
      announce(result.dialled ? `Dialling ${lead.name}.` : `Skipped ${lead.name}.`);
      lead = null;
      render();
      if (!dial) look();
    } catch (err) {
      setText(byId("preview-error"), err.message);
    }
  }

  byId("preview-dial").addEventListener("click", () => choose(true));
  byId("preview-skip").addEventListener("click", () => choose(false));
  look();
  setInterval(look, LOOK_EVERY_MS);
}
