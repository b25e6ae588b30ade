// The audit log page: GET /api/audit, filtered by user, action and time, a page at a time.
// Admins only; the server refuses everyone else anyway, the page just says so plainly.

import { ApiError, get } from "../lib/api.js";
import { byId, h, setText, show } from "../lib/dom.js";
import { end, requireSession } from "../lib/session.js";

const PAGE = 50;
const when = new Intl.DateTimeFormat("en-GB", {
  year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
});

const me = requireSession();
if (me) byId("btn-signout").addEventListener("click", () => end("signed-out"));
if (me && me.role !== "admin") show(byId("forbidden"), true);
else if (me) start(me);

let shown = 0;
let older = null;

function start(me) {
  setText(byId("who"), me.name);
  show(byId("audit-main"), true);
  byId("audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load(false);
  });
  byId("audit-older").addEventListener("click", () => load(true));
  load(false);
}

function query(more) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  const text = (id) => byId(id).value.trim();
  if (text("audit-user")) params.set("user", text("audit-user"));
  if (text("audit-action")) params.set("action", text("audit-action"));
  for (const [id, name] of [["audit-since", "since"], ["audit-until", "until"]]) {
    if (text(id)) params.set(name, new Date(text(id)).toISOString()); // local time, as UTC
  }
  if (more && older !== null) params.set("before", String(older));
  return params;
}

async function load(more) {
  setText(byId("audit-error"), "");
  try {
    const page = await get(`/api/audit?${query(more)}`);
    const rows = byId("audit-rows");
    if (!more) {
      rows.replaceChildren();
      shown = 0;
    }
    for (const entry of page.entries) rows.append(row(entry));
    shown += page.entries.length;
    older = page.next_before;
    show(byId("audit-older"), older !== null);
    setText(byId("audit-count"), shown === 0 ? "No entries match." : `${shown} entries shown${older !== null ? "; older ones remain" : ""}.`);
  } catch (err) {
    setText(byId("audit-error"), err instanceof ApiError ? err.message : String(err));
  }
}

function row(entry) {
  const target = Object.entries(entry.target).map(([k, v]) => `${k} ${v}`).join(", ");
  return h("tr", { dataset: { outcome: entry.outcome } },
    h("td", {}, h("time", { datetime: entry.at }, when.format(new Date(entry.at)))),
    h("td", {}, entry.actor),
    h("td", {}, entry.role ?? "—"),
    h("td", {}, h("code", {}, entry.action)),
    h("td", {}, target || "—"),
    h("td", {}, `${entry.outcome} (${entry.status})`),
    h("td", {}, entry.address));
}
