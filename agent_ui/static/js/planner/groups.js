// "Blended agents for a busy half hour": the live queues and the live agents' skill groups,
// staffed by the simulation search behind POST /api/wfm/staff-groups.

import { get, post } from "../lib/api.js";
import { byId, fill, h } from "../lib/dom.js";

let queues = [];
let groups = [];

/** Load the routing and the agents, then build one calls/talk-time pair per queue. */
export async function setUpGroups() {
  const names = (await get("/api/queues")).map((q) => q.queue);
  queues = await Promise.all(names.map((name) => get(`/api/queues/${encodeURIComponent(name)}`)));
  groups = skillGroups(await get("/api/agents"), queues);
  fill(byId("groups-demand"),
    h("legend", {}, "Calls in the half hour and mean talk time, per queue"),
    queues.map((q) => h("div", { class: "queue-demand" },
      field(`calls-${q.name}`, `Calls for ${q.config.label || q.name}`, "0", "30"),
      field(`talk-${q.name}`, `Talk time for ${q.config.label || q.name} (s)`, "1", "180"))));
  fill(byId("groups-list"), groups.length
    ? `${groups.length} skill groups from today's agents: ${groups.map((g) => g.label).join("; ")}.`
    : "No agent serves any queue yet.");
}

/**
 * Agents grouped by the queue skills they hold (names only); each skill at the lowest level
 * any member has. Groups that serve no queue are left out: the search has nothing for them.
 */
export function skillGroups(agents, queueConfigs) {
  const needed = new Set(queueConfigs.flatMap((q) => Object.keys(q.config.skills)));
  const byKey = new Map();
  for (const agent of agents) {
    const held = Object.entries(agent.skills).filter(([skill]) => needed.has(skill)).sort();
    if (!held.length) continue;
    const key = held.map(([skill]) => skill).join("+");
    const group = byKey.get(key) ?? { skills: {}, members: 0 };
    for (const [skill, level] of held) group.skills[skill] = Math.min(group.skills[skill] ?? 5, level);
    group.members += 1;
    byKey.set(key, group);
  }
  const serves = (skills, q) => Object.keys(q.config.skills).every((s) => skills[s] >= 1);
  return [...byKey].filter(([, g]) => queueConfigs.some((q) => serves(g.skills, q)))
    .map(([key, g], i) => ({ name: `group-${i + 1}`, label: key.replaceAll("+", " + "), ...g }));
}

export async function staffGroups() {
  if (!groups.length) throw new Error("no agent serves any queue yet: there are no groups to staff");
  const value = (id) => Number(byId(id).value);
  const patience = byId("groups-patience").value.trim();
  const answer = await post("/api/wfm/staff-groups", {
    queues: Object.fromEntries(queues.map((q) => [q.name, q.config])),
    demand: queues.map((q) => ({ queue: q.name, calls: [value(`calls-${q.name}`)], aht: value(`talk-${q.name}`) })),
    groups: groups.map((g) => ({ name: g.name, skills: g.skills })),
    service_level: value("groups-sl") / 100,
    answer_seconds: value("groups-within"),
    patience: patience === "" ? null : Number(patience),
    replications: 3,
  });
  const row = answer.intervals[0];
  const total = (counts) => Object.values(counts).reduce((s, n) => s + n, 0);
  fill(byId("groups-result"),
    h("dl", { class: "figures" },
      figure("Agents by simulation", total(row.agents), "groups-total"),
      figure("Erlang per queue alone", total(row.erlang_start)),
      figure("Candidates simulated", row.candidates_simulated)),
    table("Agents per skill group", ["Skill group", "Skills", "Erlang start", "By simulation"],
      groups.map((g) => [g.label, skillText(g.skills), row.erlang_start[g.name], row.agents[g.name]])),
    table("Each queue at that staffing (3 replications, 95% intervals)",
      ["Queue", "Calls", "Service level", "ASA", "Abandoned"],
      queues.map((q) => {
        const r = row.queues[q.name];
        return [q.config.label || q.name, r.calls, estimate(r.service_level, percentOf),
          estimate(r.asa, (v) => `${v.toFixed(1)} s`), estimate(r.abandon_rate, percentOf)];
      })));
}

function field(id, label, min, value) {
  return h("div", {},
    h("label", { for: id }, label),
    h("input", { id, type: "number", min, step: "any", value, required: true }));
}

function table(caption, heads, rows) {
  return h("table", { class: "days" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, heads.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))));
}

function estimate(e, format) {
  if (e == null || e.mean == null) return "—";
  return e.ci95 == null ? format(e.mean) : `${format(e.mean)} ± ${format(e.ci95)}`;
}

function percentOf(value) {
  return `${(value * 100).toFixed(1)}%`;
}

function skillText(skills) {
  return Object.entries(skills).map(([s, level]) => `${s} ≥ ${level}`).join(", ");
}

function figure(label, value, id) {
  return h("div", { class: "figure" }, h("dt", {}, label), h("dd", { id }, value));
}
