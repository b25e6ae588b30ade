// A websocket that reconnects by itself, reports its status, and notices a silent drop.
//
// Status goes "connecting" -> "live" (only once the server's first message has arrived, so
// "live" always means the page shows the current truth) -> "reconnecting" on any drop,
// with backoff (0.5 s doubling to 5 s, jittered). A socket that has heard nothing for
// 35 s is treated as dead. Browsers report a refused handshake as 1006, so after a
// handshake that never opened we ask the REST API whether the token is still good: a 401
// there (or a 1008 close) ends the session.

import { current, end } from "./session.js";

const PING_EVERY_MS = 15_000;
const SILENCE_LIMIT_MS = 35_000;
const POLICY_VIOLATION = 1008;

export function connect(path, { onMessage, onStatus, query = {} }) {
  let ws = null;
  let failures = 0;
  let live = false;
  let lastHeard = 0;
  let retryTimer = null;
  let stopped = false;

  const report = (status, detail = {}) => onStatus?.(status, detail);

  function open() {
    clearTimeout(retryTimer);
    const session = current();
    if (!session) return end("expired");
    // The token rides in Sec-WebSocket-Protocol, never in the URL (which gets logged); the
    // server answers with "switchboard" only.
    const params = new URLSearchParams(query).toString();
    const search = params ? `?${params}` : "";
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const offer = ["switchboard", `bearer.${session.access_token}`];
    const socket = new WebSocket(`${scheme}://${location.host}${path}${search}`, offer);
    let opened = false;
    ws = socket;
    socket.onopen = () => {
      opened = true;
      lastHeard = Date.now();
    };
    socket.onmessage = (event) => {
      lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!live) {
        live = true;
        failures = 0;
        report("live");
      }
      if (message.type !== "pong") onMessage(message);
    };
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      if (stopped) return;
      if (event.code === POLICY_VIOLATION) return end(/expired/i.test(event.reason) ? "expired" : "refused");
      dropped(opened);
    };
  }

  function dropped(opened) {
    live = false;
    failures += 1;
    const base = Math.min(500 * 2 ** (failures - 1), 5000);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    report("reconnecting", { attempt: failures, retryInMs: delay });
    if (!opened) probeSession();
    retryTimer = setTimeout(open, delay);
  }

  async function probeSession() {
    const session = current();
    if (!session) return end("expired");
    try {
      const res = await fetch("/api/auth/me", {
        headers: { Authorization: `Bearer ${session.access_token}` },
      });
      if (res.status === 401) end("expired");
    } catch {
      // The server is unreachable: keep retrying the socket.
    }
  }

  function heartbeat() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > SILENCE_LIMIT_MS) {
      const dead = ws;
      ws = null;
      dead.close();
      dropped(true);
      return;
    }
    ws.send(JSON.stringify({ type: "ping" }));
  }

  const pinger = setInterval(heartbeat, PING_EVERY_MS);
  const retryNow = () => {
    if (!ws && !stopped) open();
  };
  window.addEventListener("online", retryNow);
  report("connecting");
  open();

  return {
    send(message) {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
    get live() {
      return live;
    },
    close() {
      stopped = true;
      clearInterval(pinger);
      clearTimeout(retryTimer);
      window.removeEventListener("online", retryNow);
      ws?.close();
    },
  };
}
