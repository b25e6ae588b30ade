// The agent's own state control: available, paused with a reason, logged out of the
// queues; the current state with its time ticking; a pause pending after the call.

import { put } from "../lib/api.js";
import { byId, setText, show } from "../lib/dom.js";
import { humanise, stateLabel } from "../lib/format.js";
import { bind } from "../lib/keys.js";
import { announce, attempt } from "../lib/notify.js";
import { since } from "../lib/ticker.js";

const $ = byId;
const BUSY = new Set(["reserved", "on_call"]);

export function mountStatus(desk) {
  let lastState = null;
  desk.subscribe(() => {
    render(desk);
    const state = desk.agent?.state;
    if (desk.connection === "live" && lastState && state !== lastState) {
      announce(`You are now ${describe(desk.agent)}.`);
    }
    lastState = state ?? lastState;
  });
  const change = (state) => setState(desk, state);
  $("btn-available").addEventListener("click", () => change("available"));
  $("btn-pause").addEventListener("click", () => change("paused"));
  $("btn-logged-out").addEventListener("click", () => change("logged_out"));
  bind("Alt+1", "Become available", () => change("available"), $("btn-available"));
  bind("Alt+2", "Pause with the chosen reason", () => change("paused"), $("btn-pause"));
}

function describe(agent) {
  const label = stateLabel(agent.state);
  return agent.state === "paused" && agent.pause_reason ? `${label} (${humanise(agent.pause_reason)})` : label;
}

function render(desk) {
  const agent = desk.agent;
  const known = Boolean(agent) && desk.connection === "live";
  const chip = $("state-chip");
  chip.dataset.state = known ? agent.state : "unknown";
  setText(chip, known ? describe(agent) : "Unknown");
  since($("state-timer"), known ? agent.since : null);
  const state = known ? agent.state : null;
  for (const [id, value] of [["btn-available", "available"], ["btn-pause", "paused"], ["btn-logged-out", "logged_out"]]) {
    $(id).setAttribute("aria-pressed", String(state === value));
  }
  $("btn-available").disabled = !known || BUSY.has(state);
  $("btn-pause").disabled = !known || state === "logged_out";
  $("btn-logged-out").disabled = !known || BUSY.has(state) || state === "wrap_up";
  const pending = known ? agent.pending_pause : null;
  show($("pending-pause"), Boolean(pending));
  if (pending) setText($("pending-pause"), `Pausing (${humanise(pending)}) after this call`);
}

async function setState(desk, state) {
  if (!desk.agent) return;
  const body = { state };
  if (state === "paused") body.reason = $("pause-reason").value;
  const agent = await attempt(
    () => put(`/api/agents/${encodeURIComponent(desk.me.login)}/state`, body),
    "Could not change your state",
  );
  if (agent) desk.update({ agent });
}
