// A campaign call's lead: who the dialer reached, from the list's columns (name, phone,
// account and the rest), and which campaign it is. The pop carries it (`lead`, `campaign`);
// every value goes into text nodes via h().

import { byId, fill, h, setText, show } from "../lib/dom.js";
import { humanise, phone } from "../lib/format.js";

export function mountLead(desk) {
  let shown;
  desk.subscribe(() => {
    if (shown === desk.pop) return;
    shown = desk.pop;
    const lead = desk.pop?.lead;
    show(byId("lead-panel"), Boolean(lead));
    if (!lead) return;
    setText(byId("lead-campaign"), `Campaign: ${desk.pop.campaign?.name ?? "—"}`);
    const rows = [["Name", lead.name || "—"], ["Phone", phone(lead.phone)],
      ["Account", lead.account ?? "—"], ["Attempt", String(lead.attempts)],
      ...Object.entries(lead.fields ?? {}).map(([k, v]) => [humanise(k), String(v)])];
    fill(byId("lead-body"), rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  });
}
