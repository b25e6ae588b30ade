// The wrap-up form: disposition, notes and an optional follow-up task, saved to the
// interaction with POST /api/calls/{id}/wrapup. It stays open until saved, even if the
// queue's wrap-up time runs out and the ACD makes the agent available again.

import { post } from "../lib/api.js";
import { byId, setText, show } from "../lib/dom.js";
import { humanise, phone } from "../lib/format.js";
import { bind } from "../lib/keys.js";
import { announce } from "../lib/notify.js";
import { since } from "../lib/ticker.js";

const $ = byId;

export function mountWrapUp(desk) {
  const form = $("wrapup-form");
  let open = null;
  desk.subscribe(() => {
    const wrap = desk.wrap;
    show($("wrapup-panel"), Boolean(wrap));
    if (!wrap) {
      open = null;
      return;
    }
    since($("wrapup-timer"), wrap.since);
    if (open === wrap.call_id) return;
    open = wrap.call_id;
    form.reset();
    show($("followup-fields"), false);
    show($("callback-fields"), false);
    show($("wrapup-crm"), !wrap.campaign);
    show($("wrapup-campaign"), Boolean(wrap.campaign));
    $("wrapup-error").textContent = "";
    const about = [wrap.customer, wrap.caller && phone(wrap.caller), wrap.queue && `${humanise(wrap.queue)} queue`];
    setText($("wrapup-about"), `Call with ${about.filter(Boolean).join(" · ") || "the caller"}`);
    announce("Call ended. Wrap-up is open: press Alt+W to fill it in.");
  });
  $("callback-toggle").addEventListener("change", (event) => {
    show($("callback-fields"), event.target.checked);
    if (event.target.checked) $("callback-at").focus();
  });
  $("followup-toggle").addEventListener("change", (event) => {
    show($("followup-fields"), event.target.checked);
    if (event.target.checked) $("followup-text").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(desk, form);
  });
  bind("Alt+W", "Go to the wrap-up form", () => {
    if (desk.wrap) $("disposition").focus();
  });
}

function followUp() {
  if (!$("followup-toggle").checked) return null;
  const task = $("followup-text").value.trim();
  const due = $("followup-due").value;
  if (!task) return undefined;
  return due ? `${task} (due ${due})` : task;
}

/** Post the wrap-up with the form's button held down; false (the reason shown) if refused. */
async function submit(form, url, body) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await post(url, body);
    return true;
  } catch (err) {
    $("wrapup-error").textContent = `Not saved: ${err.message}`;
    return false;
  } finally {
    button.disabled = false;
  }
}

async function save(desk, form) {
  const error = $("wrapup-error");
  error.textContent = "";
  const disposition = $("disposition").value;
  if (!disposition) {
    error.textContent = "Choose a disposition.";
    $("disposition").focus();
    return;
  }
  const wrap = desk.wrap;
  if (wrap.campaign) return saveDisposition(desk, form, disposition);
  const follow_up = followUp();
  if (follow_up === undefined) {
    error.textContent = "Describe the follow-up task, or untick it.";
    $("followup-text").focus();
    return;
  }
  const body = { disposition, notes: $("notes").value, follow_up };
  if (!(await submit(form, `/api/calls/${wrap.call_id}/wrapup`, body))) return;
  desk.update({ wrap: null });
  announce(`Wrap-up saved: ${humanise(disposition)}.`);
  $("call-panel").focus();
}

// A campaign call's wrap-up: the dialer's disposition sets the lead's status, or a call-back
// at a time, for the campaign or for this agent alone.
async function saveDisposition(desk, form, disposition) {
  const error = $("wrapup-error");
  const body = { code: disposition, final: true };
  if ($("callback-toggle").checked) {
    const at = Date.parse($("callback-at").value);
    if (Number.isNaN(at)) {
      error.textContent = "Choose when to call the lead back.";
      $("callback-at").focus();
      return;
    }
    Object.assign(body, { final: false, callback_at: at / 1000, callback_mine: $("callback-mine").checked });
  }
  const url = `/api/dialer/attempts/${encodeURIComponent(desk.wrap.call_id)}/disposition`;
  if (!(await submit(form, url, body))) return;
  desk.update({ wrap: null });
  const callback = body.callback_at ? (body.callback_mine ? ", call-back for you" : ", call-back") : "";
  announce(`Wrap-up saved: ${humanise(disposition)}${callback}.`);
  $("call-panel").focus();
}
