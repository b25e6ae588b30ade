// The supervisor board: queue tiles, the agent list and waiting calls, live from /ws/board.
// While the socket is down the figures are blanked and a banner says so: a wall screen
// must never show stale numbers as if they were current.

import { get } from "../lib/api.js";
import { byId, setText, show } from "../lib/dom.js";
import { connect } from "../lib/live.js";
import { announce } from "../lib/notify.js";
import { end, onEnd, requireSession } from "../lib/session.js";
import { everySecond } from "../lib/ticker.js";
import { createAgentList } from "./agents.js";
import { createManager } from "./manage.js";
import { createTiles } from "./tiles.js";
import { createWaiting } from "./waiting.js";

const CONNECTION_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };
const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

const me = requireSession();
if (me) byId("btn-signout").addEventListener("click", () => end("signed-out"));
if (me && me.role === "agent") refuse();
else if (me) start(me);

function refuse() {
  // The server refuses agents on /ws/board and the supervisor endpoints anyway; the page
  // says so plainly instead of showing an empty board.
  show(byId("forbidden"), true);
  setText(byId("connection"), "Not available");
  document.title = "Not available · Switchboard";
}

function start(me) {
  setText(byId("who"), me.name);
  show(byId("board-main"), true);
  show(byId("audit-link"), me.role === "admin");
  const tiles = createTiles(byId("tiles"));
  let queueLabels = new Map();
  const agents = createAgentList((id) => manager.open(id),
    (queue) => (queue ? queueLabels.get(queue) ?? queue : "Direct call"));
  const waiting = createWaiting();
  let queueNames = [];
  let catalogue = null; // skill name -> description, from GET /api/skills
  get("/api/skills").then((skills) => {
    catalogue = new Map(Object.entries(skills ?? {}));
  }, () => {});
  const manager = createManager(agents, () => catalogue ?? new Map([...queueNames,
    ...agents.all().flatMap((a) => Object.keys(a.skills ?? {}))].map((name) => [name, ""])));

  const socket = connect("/ws/board", {
    onMessage(message) {
      if (message.type !== "board") return;
      queueNames = message.queues.map((q) => q.queue);
      queueLabels = new Map(message.queues.map((q) => [q.queue, q.label]));
      tiles.render(message.queues);
      agents.render(message.agents);
      manager.refresh();
      waiting.refresh(message.queues.some((q) => q.waiting > 0), queueLabels);
    },
    onStatus(status) {
      const was = document.body.dataset.connection;
      document.body.dataset.connection = status;
      const pill = byId("connection");
      pill.dataset.state = status;
      setText(pill, CONNECTION_TEXT[status] ?? status);
      show(byId("conn-banner"), status === "reconnecting");
      if (status !== "live") {
        tiles.blank();
        agents.blank();
        waiting.blank();
      }
      if (status === "reconnecting" && was !== "reconnecting") announce("Board connection lost. Reconnecting.", { assertive: true });
      if (status === "live" && was === "reconnecting") announce("Board reconnected.");
    },
  });
  onEnd(() => socket.close());

  const showClock = (now) => setText(byId("clock"), clock.format(now));
  showClock(Date.now());
  everySecond((now) => {
    showClock(now);
    tiles.tick(now);
    waiting.tick(now);
  });
}
