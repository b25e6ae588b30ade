// The agent desktop: wires the panels to one desk state and to the /ws/agent socket.

import { put } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { humanise } from "../lib/format.js";
import { bind, list } from "../lib/keys.js";
import { connect } from "../lib/live.js";
import { announce, toast } from "../lib/notify.js";
import { end, onEnd, requireSession } from "../lib/session.js";
import { callerName, mountCall } from "./calls.js";
import { mountCustomer } from "./customer.js";
import { mountLead } from "./lead.js";
import { applyCall, applyEnrich, applyHello, applyPop, applyState, createDesk } from "./desk.js";
import { mountPreview } from "./preview.js";
import { mountSearch } from "./search.js";
import { mountStatus } from "./status.js";
import { syncDialButtons } from "./widgets.js";
import { mountWrapUp } from "./wrapup.js";

const CONNECTION_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };

const me = requireSession();
if (me && me.role !== "agent") location.replace("board.html");
else if (me) start(me);

function start(me) {
  const desk = createDesk(me);
  window.switchboardDesk = desk; // for the browser tests and for support staff in devtools
  setText(byId("agent-name"), me.name);
  setText(byId("agent-login"), me.login);
  mountStatus(desk);
  mountCall(desk);
  mountWrapUp(desk);
  mountCustomer(desk);
  mountLead(desk);
  mountSearch(desk);
  mountPreview();
  desk.subscribe(syncDialButtons);
  mountShortcuts();
  let announced = null;
  const socket = connect("/ws/agent", {
    onMessage: (message) => {
      handle(desk, message);
      if (message.type === "pop" && announced !== message.call.call_id) {
        announced = message.call.call_id;
        announcePop(desk, message);
      }
    },
    onStatus: (status) => connection(desk, status),
  });
  onEnd(() => {
    socket.close();
    desk.update({ pop: null, card: null, call: null, wrap: null, agent: null });
  });
  byId("btn-signout").addEventListener("click", () => signOut(desk));
}

function handle(desk, message) {
  switch (message.type) {
    case "hello":
      return applyHello(desk, message);
    case "pop":
      return applyPop(desk, message);
    case "enrich":
      if (applyEnrich(desk, message) && message.crm?.status === "found") {
        announce("The CRM's record of the caller has arrived.");
      }
      return undefined;
    case "call":
      applyCall(desk, message);
      return callNews(message);
    case "state":
      return applyState(desk, message);
    case "error":
      return toast(message.message ?? "The server refused a request.", "error");
    default:
      return undefined;
  }
}

function announcePop(desk, message) {
  const call = message.call;
  if (call.phase !== "ringing") return;
  const where = call.queue ? `, ${humanise(call.queue)} queue` : "";
  const what = call.direction === "outbound" ? "Your phone is ringing for an outgoing call" : "Incoming call";
  announce(`${what} from ${callerName(desk, call)}${where}. Press Alt+A to answer.`, { assertive: true });
}

function callNews({ change }) {
  const news = {
    answered: "Call connected.",
    held: "The caller is on hold.",
    resumed: "The caller is back on the line.",
    missed: "Missed call: it rang out before you answered.",
    transferred: "The call has been transferred.",
  }[change];
  if (news) announce(news);
  if (change === "missed") toast(news, "warn");
}

function connection(desk, status) {
  const was = desk.connection;
  document.body.dataset.connection = status;
  const pill = byId("connection");
  pill.dataset.state = status;
  setText(pill, CONNECTION_TEXT[status] ?? status);
  show(byId("conn-banner"), status === "reconnecting");
  desk.update({ connection: status });
  if (status === "reconnecting" && was !== "reconnecting") {
    announce("Connection lost. Reconnecting.", { assertive: true });
  } else if (status === "live" && was === "reconnecting") {
    announce("Reconnected. The desktop is up to date.");
  }
}

function mountShortcuts() {
  const dialog = byId("shortcuts-dialog");
  const open = () => {
    if (!dialog.open) dialog.showModal();
  };
  bind("?", "Show these shortcuts", open, byId("btn-shortcuts"));
  byId("btn-shortcuts").addEventListener("click", open);
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  const rows = [...list(), { combo: "Esc", description: "Close a dialog" }];
  fill(byId("shortcuts-body"), rows.map(({ combo, description }) =>
    h("tr", {}, h("td", {}, h("kbd", {}, combo)), h("td", {}, description))));
}

async function signOut(desk) {
  if (["available", "paused"].includes(desk.agent?.state)) {
    try {
      await put(`/api/agents/${encodeURIComponent(desk.me.login)}/state`, { state: "logged_out" });
    } catch {
      // Signing out of the desktop must work even if the ACD refuses or is unreachable.
    }
  }
  end("signed-out");
}
