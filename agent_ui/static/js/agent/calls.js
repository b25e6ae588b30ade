// The call panel: the ringing banner with Answer, then hold/resume, transfer, consult and
// hang-up while the call is up. Buttons stay in the page (shown and hidden, never rebuilt)
// so keyboard focus is never lost under the person using them.

import { get, post } from "../lib/api.js";
import { byId, setText, show } from "../lib/dom.js";
import { humanise, phone } from "../lib/format.js";
import { bind } from "../lib/keys.js";
import { announce, attempt } from "../lib/notify.js";
import { since } from "../lib/ticker.js";

const $ = byId;

export function callerName(desk, call) {
  const popped = desk.pop?.call.call_id === call.call_id ? desk.pop : null;
  const customer = popped?.customer ?? null;
  if (desk.card && customer && customer.status !== "unknown") return desk.card.name;
  if (popped?.lead?.name && customer?.status !== "known") return popped.lead.name;
  switch (customer?.status) {
    case "known":
      return customer.matches[0].name;
    case "ambiguous":
      return `One of ${customer.matches.length} customers`;
    case "withheld":
      return "Number withheld";
    default:
      return "Unknown caller";
  }
}

function numberOf(call) {
  return phone(call.direction === "outbound" ? call.dialled ?? call.caller_number : call.caller_number);
}

export function mountCall(desk) {
  desk.subscribe(render);
  $("btn-answer").addEventListener("click", () => answer(desk));
  $("btn-hangup").addEventListener("click", () => hangup(desk));
  $("btn-hold").addEventListener("click", () => hold(desk));
  $("btn-transfer").addEventListener("click", () => openTransfer(desk, "transfer"));
  $("btn-consult").addEventListener("click", () => openTransfer(desk, "consult"));
  $("btn-consult-complete").addEventListener("click", () => consultEnd(desk, "complete"));
  $("btn-consult-cancel").addEventListener("click", () => consultEnd(desk, "cancel"));
  mountTransferDialog(desk);
  bind("Alt+A", "Answer the ringing call", () => answer(desk), $("btn-answer"));
  bind("Alt+H", "Hang up", () => hangup(desk), $("btn-hangup"));
  bind("Alt+O", "Put the caller on hold, or resume", () => hold(desk), $("btn-hold"));
  bind("Alt+T", "Transfer to a queue or an agent", () => openTransfer(desk, "transfer"), $("btn-transfer"));
  bind("Alt+C", "Consult a queue or an agent first", () => openTransfer(desk, "consult"), $("btn-consult"));
}

function render(desk) {
  const call = desk.call;
  const ringing = call?.phase === "ringing";
  const up = call?.phase === "connected";
  show($("call-idle"), !call);
  show($("call-ringing"), ringing);
  show($("call-active"), up);
  if (ringing) {
    const outbound = call.direction === "outbound";
    setText($("ringing-direction"), outbound ? "Outgoing call · pick up" : "Incoming call · ringing");
    setText($("ringing-caller"), callerName(desk, call));
    setText($("ringing-number"), numberOf(call));
    setText($("ringing-queue"), call.queue ? `${humanise(call.queue)} queue` : "Direct call");
    since($("ringing-timer"), call.ringing_at);
  }
  if (up) {
    const held = Boolean(call.on_hold);
    const status = $("call-status");
    setText(status, desk.consult ? "Consulting" : held ? "On hold" : "Connected");
    status.dataset.state = held || desk.consult ? "paused" : "on_call";
    since($("call-timer"), call.answered_at);
    setText($("call-caller"), callerName(desk, call));
    setText($("call-number"), numberOf(call));
    setText($("call-queue"), call.queue ? `${humanise(call.queue)} queue` : "Direct call");
    const holdButton = $("btn-hold");
    holdButton.firstChild.textContent = held ? "Resume " : "Hold ";
    holdButton.setAttribute("aria-pressed", String(held));
    show($("consult-bar"), Boolean(desk.consult));
    if (desk.consult) {
      setText($("consult-text"),
        `Consulting ${desk.consult.label}. The customer is on hold and cannot hear you.`);
    }
    $("btn-consult").disabled = Boolean(desk.consult);
    holdButton.disabled = Boolean(desk.consult);
    $("btn-transfer").disabled = Boolean(desk.consult);
  }
}

async function answer(desk) {
  const call = desk.call;
  if (call?.phase !== "ringing") return;
  const done = await attempt(() => post(`/api/calls/${call.call_id}/answer`), "Could not answer");
  if (done) $("call-panel").focus();
}

async function hangup(desk) {
  const call = desk.call;
  if (call?.phase !== "connected") return;
  await attempt(() => post(`/api/calls/${call.call_id}/hangup`), "Could not hang up");
}

async function hold(desk) {
  const call = desk.call;
  if (call?.phase !== "connected" || desk.consult) return;
  const onHold = !call.on_hold;
  await attempt(() => post(`/api/calls/${call.call_id}/hold`, { on_hold: onHold }),
    onHold ? "Could not hold" : "Could not resume");
}

async function consultEnd(desk, how) {
  const call = desk.call;
  if (!call || !desk.consult) return;
  const what = how === "complete" ? "Could not complete the transfer" : "Could not return to the customer";
  const done = await attempt(() => post(`/api/calls/${call.call_id}/consult/${how}`), what);
  if (!done) return;
  desk.update({ consult: null });
  announce(how === "complete" ? "Transfer completed." : "Back with the customer.");
  $("call-panel").focus();
}

// -- the transfer / consult dialog ----------------------------------------------------------

let mode = "transfer";

function openTransfer(desk, wanted) {
  if (desk.call?.phase !== "connected" || desk.consult) return;
  mode = wanted;
  const consult = mode === "consult";
  setText($("transfer-title"), consult ? "Consult before transferring" : "Transfer the call");
  setText($("transfer-submit"), consult ? "Start consultation" : "Transfer now");
  $("transfer-error").textContent = "";
  $("transfer-dialog").showModal();
}

function mountTransferDialog(desk) {
  const dialog = $("transfer-dialog");
  const form = $("transfer-form");
  const syncKind = () => {
    const agent = form.kind.value === "agent";
    show($("target-agent-row"), agent);
    show($("target-queue-row"), !agent);
  };
  form.addEventListener("change", syncKind);
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => $("call-panel").focus());
  loadQueues();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const kind = form.kind.value;
    const target = kind === "agent" ? $("target-agent").value.trim() : $("target-queue").value;
    const error = $("transfer-error");
    if (!target) {
      error.textContent = kind === "agent" ? "Enter the agent's login." : "Choose a queue.";
      (kind === "agent" ? $("target-agent") : $("target-queue")).focus();
      return;
    }
    const call = desk.call;
    if (!call) return dialog.close();
    const path = `/api/calls/${call.call_id}/${mode === "consult" ? "consult" : "transfer"}`;
    try {
      await post(path, { target, target_kind: kind });
    } catch (err) {
      error.textContent = err.status === 404 && err.errorId === "not-found" && !err.details?.call_id
        ? "This server cannot do that yet."
        : err.message;
      return;
    }
    const label = kind === "queue" ? `the ${humanise(target)} queue` : target;
    dialog.close();
    if (mode === "consult") {
      desk.update({ consult: { target, kind, label } });
      announce(`Consulting ${label}. The customer is on hold.`);
    } else announce(`Call transferred to ${label}.`);
  });
  syncKind();
}

async function loadQueues() {
  const queues = await attempt(() => get("/api/queues"), "Could not load the queues");
  const select = $("target-queue");
  select.replaceChildren(...(queues ?? []).map((q) => new Option(q.label, q.queue)));
}
