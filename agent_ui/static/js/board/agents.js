// The agent list: state, time in state (ticking), current call and queue, skills, and a
// button that opens the supervisor's controls for that agent. Rows are keyed by agent and
// updated in place, so the list does not jump or lose focus as the board refreshes.

import { byId, h, setText, show } from "../lib/dom.js";
import { humanise, stateLabel } from "../lib/format.js";
import { since } from "../lib/ticker.js";

export function skillsText(skills) {
  const entries = Object.entries(skills ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([name, level]) => `${name} ${level}`).join(" · ") : "none";
}

export function stateText(agent) {
  const label = stateLabel(agent.state);
  return agent.state === "paused" && agent.pause_reason ? `${label} · ${humanise(agent.pause_reason)}` : label;
}

export function createAgentList(onManage, labelOf = (queue) => (queue ? humanise(queue) : "Direct call")) {
  const body = byId("agent-rows");
  const filter = byId("agent-filter");
  const stateFilter = byId("state-filter");
  const rows = new Map();
  let agents = [];

  function rowFor(agent) {
    let row = rows.get(agent.agent_id);
    if (row) return row;
    const cells = {
      name: h("span", { class: "agent-name" }),
      login: h("span", { class: "agent-login" }),
      state: h("span", { class: "chip" }),
      pending: h("span", { class: "pending-pause" }),
      since: h("span", { class: "timer", dataset: { since: "" } }),
      queue: h("span", { class: "call-queue" }),
      call: h("span", { class: "call-id mono" }),
      skills: h("span", { class: "skills" }),
    };
    const manage = h("button", {
      type: "button",
      class: "btn btn-small btn-manage",
      "aria-haspopup": "dialog",
      onclick: () => onManage(agent.agent_id),
    }, "Manage");
    const el = h("tr", { dataset: { agent: agent.agent_id } },
      h("th", { scope: "row" }, cells.name, cells.login),
      h("td", {}, cells.state, cells.pending),
      h("td", { class: "num" }, cells.since),
      h("td", {}, cells.queue, cells.call),
      h("td", {}, cells.skills),
      h("td", { class: "actions" }, manage));
    row = { el, cells, manage };
    rows.set(agent.agent_id, row);
    return row;
  }

  function matches(agent) {
    const text = filter.value.trim().toLowerCase();
    const state = stateFilter.value;
    if (state && agent.state !== state) return false;
    if (!text) return true;
    return [agent.name, agent.agent_id, agent.queue ?? ""].some((v) => v.toLowerCase().includes(text));
  }

  function paint() {
    const visible = agents.filter(matches);
    const wanted = visible.map((agent) => {
      const row = rowFor(agent);
      const c = row.cells;
      setText(c.name, agent.name);
      setText(c.login, agent.agent_id);
      c.state.dataset.state = agent.state;
      setText(c.state, stateText(agent));
      setText(c.pending, agent.pending_pause ? `then ${humanise(agent.pending_pause)}` : "");
      since(c.since, agent.since);
      setText(c.queue, agent.call_id ? labelOf(agent.queue) : "—");
      setText(c.call, agent.call_id ?? "");
      setText(c.skills, skillsText(agent.skills));
      row.manage.setAttribute("aria-label", `Manage ${agent.name}`);
      return row.el;
    });
    // Reorder only when needed so focus inside a row survives updates.
    const current = [...body.children];
    if (current.length !== wanted.length || current.some((el, i) => el !== wanted[i])) {
      body.replaceChildren(...wanted);
    }
    show(byId("agents-empty"), agents.length > 0 && visible.length === 0);
    const counts = {};
    for (const agent of agents) counts[agent.state] = (counts[agent.state] ?? 0) + 1;
    setText(byId("agent-counts"), ["available", "on_call", "wrap_up", "paused"]
      .map((s) => `${counts[s] ?? 0} ${stateLabel(s).toLowerCase()}`).join(" · "));
  }

  filter.addEventListener("input", paint);
  stateFilter.addEventListener("change", paint);

  return {
    render(list) {
      agents = [...list].sort((a, b) => a.agent_id.localeCompare(b.agent_id));
      paint();
    },
    get(agentId) {
      return agents.find((a) => a.agent_id === agentId) ?? null;
    },
    all() {
      return agents;
    },
    blank() {
      agents = [];
      body.replaceChildren(h("tr", {}, h("td", { colspan: "6", class: "muted" }, "Waiting for the live board…")));
      setText(byId("agent-counts"), "");
      rows.clear();
    },
  };
}
