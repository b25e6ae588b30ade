import { session, live, api, logout, text, esc } from "./common.js";

const me = session();
if (!me) logout();
text(document.getElementById("who"), `${me.name} (${me.login})`);
let current = null;

function log(line) {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  const ol = document.getElementById("log");
  ol.prepend(li);
  while (ol.children.length > 30) ol.lastChild.remove();
}

function customerHtml(c) {
  if (c.status === "withheld") return "<p>Number withheld. <button>Create customer</button></p>";
  if (c.status === "unknown") return `<p>Unknown caller ${esc(c.number)}. <button>Create customer</button></p>`;
  return c.matches.map((m) => `
    <article class="card">
      <h3>${esc(m.name)} <span class="tier tier-${esc(m.tier)}">${esc(m.tier)}</span></h3>
      <p>LTV ${m.lifetime_value.toFixed(0)} · churn risk ${(m.churn_risk * 100).toFixed(0)}%
         · open complaints ${m.open_complaints} · customer since ${esc(m.customer_since)}</p>
      <ul>${m.recent.map((i) => `<li>${esc(i.started_at)} ${esc(i.queue)} ${esc(i.outcome)}
         ${esc(i.disposition)} — ${esc(i.notes)}</li>`).join("")}</ul>
    </article>`).join("") + (c.matches.length > 1 ? "<p>Several customers share this number.</p>" : "");
}

function showPop(msg) {
  current = msg.call;
  document.getElementById("pop").hidden = false;
  document.getElementById("wrapup").hidden = true;
  text(document.getElementById("pop-title"),
       `${msg.call.direction === "outbound" ? "Calling" : "Ringing"}: ${msg.call.caller_number ?? "withheld"} → ${msg.call.queue ?? msg.call.dialled}`);
  document.getElementById("pop-customer").innerHTML = customerHtml(msg.customer);
  document.getElementById("pop-ivr").innerHTML = Object.entries(msg.ivr)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("") || "<dd>nothing</dd>";
}

live("/ws/agent", (msg) => {
  if (msg.type === "pop") { showPop(msg); log(`pop ${msg.call.call_id}`); }
  else if (msg.type === "state" || msg.type === "hello") {
    text(document.getElementById("state"), msg.agent.state + (msg.agent.pause_reason ? ` (${msg.agent.pause_reason})` : ""));
    if (msg.agent.state === "wrap_up") document.getElementById("wrapup").hidden = false;
  } else if (msg.type === "call") {
    log(`${msg.change} ${msg.call.call_id}`);
    if (msg.change === "ended" || msg.change === "transferred") {
      document.getElementById("pop").hidden = true;
      document.getElementById("wrapup").hidden = false;
    } else if (msg.change === "missed") document.getElementById("pop").hidden = true;
  } else if (msg.type === "error") log(`error: ${msg.message}`);
}, (status) => text(document.getElementById("status"), status));

document.getElementById("answer").onclick = () => api("POST", `/api/calls/${current.call_id}/answer`).catch((e) => log(e.message));
document.getElementById("hangup").onclick = () => api("POST", `/api/calls/${current.call_id}/hangup`).catch((e) => log(e.message));
document.getElementById("available").onclick = () => api("PUT", `/api/agents/${me.login}/state`, { state: "available" }).catch((e) => log(e.message));
document.getElementById("pause").onclick = () => api("PUT", `/api/agents/${me.login}/state`, { state: "paused", reason: "break" }).catch((e) => log(e.message));
document.getElementById("logout").onclick = logout;
document.getElementById("wrapup-form").onsubmit = (e) => {
  e.preventDefault();
  api("POST", `/api/calls/${current.call_id}/wrapup`, {
    disposition: document.getElementById("disposition").value,
    notes: document.getElementById("notes").value,
  }).then(() => { document.getElementById("wrapup").hidden = true; log("wrap-up saved"); })
    .catch((e) => log(e.message));
};
