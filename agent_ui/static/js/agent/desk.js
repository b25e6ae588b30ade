// The desktop's state in one object, and the rules that turn server messages into it.
// Panels subscribe and redraw from it; nothing else keeps call state.

const UP = new Set(["ringing", "connected"]);

export function createDesk(me) {
  const listeners = [];
  const desk = {
    me,
    connection: "connecting",
    agent: null, // the agent view from hello/state
    call: null, // the call on this desktop while it rings or is up
    pop: null, // the last pop: { call, customer, ivr }
    card: null, // the customer card on screen (from the pop, a search or a click)
    wrap: null, // the call awaiting its wrap-up form: { call_id, campaign, since, caller, queue, customer }
    consult: null, // { target, kind } while a consultation is under way
    update(patch) {
      Object.assign(desk, patch);
      for (const listener of listeners) listener(desk);
    },
    subscribe(listener) {
      listeners.push(listener);
      listener(desk);
    },
  };
  return desk;
}

/** What a wrap-up is about, taken from the call as the server last described it. */
export function wrapFor(desk, known, since) {
  const seen = desk.call?.call_id === known.call_id ? desk.call : {};
  const call = { ...seen, ...Object.fromEntries(Object.entries(known).filter(([, v]) => v != null)) };
  const popped = desk.pop?.call.call_id === call.call_id ? desk.pop : null;
  const match = popped?.customer?.matches?.length === 1 ? popped.customer.matches[0] : null;
  return {
    call_id: call.call_id,
    campaign: popped?.campaign?.name ?? null, // a campaign call: its disposition goes to the dialer
    since: since ?? call.ended_at ?? new Date().toISOString(),
    caller: call.caller_number ?? call.dialled ?? null,
    queue: call.queue,
    customer: desk.card?.name ?? match?.name ?? null,
  };
}

/** hello: the server's current truth, after a first connect or a reconnect. */
export function applyHello(desk, message) {
  const { agent } = message;
  const call = message.call && UP.has(message.call.phase) ? message.call : null;
  const patch = { agent, call, consult: call ? desk.consult : null };
  const previous = desk.call;
  if (previous && previous.call_id !== call?.call_id) {
    // The call ended while we were away: wrap it up if it had been answered.
    if (previous.answered_at && desk.wrap?.call_id !== previous.call_id) {
      patch.wrap = wrapFor(desk, previous, null);
    }
  }
  if (agent.state === "wrap_up" && agent.call_id && (patch.wrap ?? desk.wrap)?.call_id !== agent.call_id) {
    patch.wrap = wrapFor(desk, { call_id: agent.call_id, queue: agent.queue }, agent.since);
  }
  desk.update(patch);
}

export function applyPop(desk, message) {
  const first = message.customer?.matches?.length === 1 ? message.customer.matches[0] : null;
  desk.update({ pop: message, call: message.call, card: first, consult: null });
}

/** An `enrich` message: the external CRM answered for a call already popped. */
export function applyEnrich(desk, message) {
  if (desk.pop?.call?.call_id !== message.call_id) return false;
  desk.update({ pop: { ...desk.pop, crm: message.crm } });
  return true;
}

/** A `call` message: answered, held, resumed, missed, transferred or ended. */
export function applyCall(desk, message) {
  const { change, call } = message;
  const ours = desk.call?.call_id === call.call_id;
  switch (change) {
    case "answered":
    case "held":
    case "resumed":
      desk.update({ call });
      return;
    case "missed":
      if (ours) desk.update({ call: null, consult: null });
      return;
    case "transferred":
    case "ended": {
      const patch = { call: ours ? null : desk.call, consult: ours ? null : desk.consult };
      if (call.answered_at && desk.wrap?.call_id !== call.call_id) {
        patch.wrap = wrapFor(desk, call, change === "ended" ? call.ended_at : null);
      }
      desk.update(patch);
      return;
    }
    default:
      return;
  }
}

export function applyState(desk, message) {
  const { agent } = message;
  const patch = { agent };
  if (agent.state === "wrap_up" && agent.call_id && desk.wrap?.call_id !== agent.call_id) {
    patch.wrap = wrapFor(desk, { call_id: agent.call_id, queue: agent.queue }, agent.since);
  }
  desk.update(patch);
}
