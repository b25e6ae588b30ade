// The admin pages: users, queues and skills, IVR flows, over the provisioning and routing
// APIs. Admins only; the server refuses everyone else anyway, the page just says so plainly.
// The tabs follow the ARIA tabs pattern: arrow keys, Home and End move between them.

import { byId, setText, show } from "../lib/dom.js";
import { end, requireSession } from "../lib/session.js";
import { setUpIvr } from "./ivr.js";
import { setUpQueues } from "./queues.js";
import { setUpUsers } from "./users.js";

const me = requireSession();
if (me) byId("btn-signout").addEventListener("click", () => end("signed-out"));
if (me && me.role !== "admin") show(byId("forbidden"), true);
else if (me) start(me);

function start(me) {
  setText(byId("who"), me.name);
  show(byId("admin-main"), true);
  setUpTabs(byId("tabs"));
  setUpUsers(me);
  setUpQueues();
  setUpIvr();
}

function setUpTabs(list) {
  const tabs = [...list.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const other of tabs) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
      show(byId(other.getAttribute("aria-controls")), chosen);
    }
    tab.focus();
  };
  for (const tab of tabs) tab.addEventListener("click", () => select(tab));
  list.addEventListener("keydown", (event) => {
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const next = {
      ArrowRight: (at + 1) % tabs.length,
      ArrowLeft: (at - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[next]);
  });
}
