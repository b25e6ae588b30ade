// Queues and skills over the routing configuration API (/api/queues, /api/skills): the
// skill catalogue, and one queue's whole configuration (skills with levels, strategy,
// priority and weight, escalation steps, overflow, wrap-up, script). The server validates;
// its error shows next to the field it names.

import { get, put } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { clearErrors, formatLevels, parseLevels, showErrors } from "./fields.js";

const STRATEGIES = ["longest-idle", "most-skilled", "fewest-calls", "least-occupied",
  "round-robin", "ring-all", "weighted-random"];
const NEW = "";

export function setUpQueues() {
  fill(byId("q-strategy"), STRATEGIES.map((s) => h("option", { value: s }, s)));
  byId("skill-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveSkill();
  });
  byId("queue-pick").addEventListener("change", () => loadQueue(byId("queue-pick").value));
  byId("q-add-step").addEventListener("click", () => addStep({ after_seconds: "" }, true));
  byId("queue-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveQueue();
  });
  refreshSkills();
  refreshQueues(NEW);
}

async function refreshSkills() {
  const skills = await get("/api/skills");
  fill(byId("skills-list"), Object.entries(skills).map(([name, description]) =>
    h("li", {}, h("span", { class: "mono" }, name), description ? ` — ${description}` : "")));
}

async function saveSkill() {
  const form = byId("skill-form");
  const name = byId("skill-name").value.trim();
  clearErrors(form);
  try {
    await put(`/api/skills/${encodeURIComponent(name)}`,
      { description: byId("skill-description").value.trim() });
    form.reset();
    await refreshSkills();
  } catch (err) {
    // the name travels in the path: a refused name is the path's "name" field
    showErrors(form, renamePath(err));
  }
}

function renamePath(err) {
  for (const e of err.details?.errors ?? []) {
    if (typeof e === "object") e.field = String(e.field).replace(/^path\./, "");
  }
  return err;
}

async function refreshQueues(selected) {
  const queues = await get("/api/queues");
  fill(byId("queue-pick"),
    h("option", { value: NEW }, "A new queue"),
    queues.map((q) => h("option", { value: q.queue, selected: q.queue === selected }, q.label)));
  byId("queue-pick").value = selected;
  await loadQueue(selected);
}

async function loadQueue(name) {
  const form = byId("queue-form");
  clearErrors(form);
  show(byId("queue-status"), false);
  const config = name === NEW ? { strategy: "longest-idle", escalation: [] }
    : (await get(`/api/queues/${encodeURIComponent(name)}`)).config;
  setText(byId("queue-form-title"), name === NEW ? "A new queue" : `Queue ${name}`);
  byId("q-name").value = name;
  byId("q-name").disabled = name !== NEW;
  byId("q-label").value = config.label ?? "";
  byId("q-skills").value = formatLevels(config.skills);
  byId("q-strategy").value = config.strategy;
  value("q-priority", config.priority ?? 0);
  value("q-weight", config.weight ?? 1);
  value("q-sl", config.service_level_seconds ?? 20);
  value("q-wrapup", config.wrapup_seconds ?? 0);
  value("q-ring", config.ring_timeout ?? 15);
  value("q-maxwait", config.max_wait_seconds);
  byId("q-overflow-kind").value = config.overflow?.kind ?? "";
  byId("q-overflow-target").value = config.overflow?.target ?? "";
  byId("q-script").value = config.script ?? "";
  byId("q-steps").replaceChildren();
  for (const step of config.escalation ?? []) addStep(step, false);
  queueSettings = config;
}

let queueSettings = {};

function value(id, v) {
  byId(id).value = v === null || v === undefined ? "" : String(v);
}

function addStep(step, focus) {
  const box = byId("q-steps");
  const n = box.children.length;
  const input = (key, label, v, type = "text") => {
    const id = `q-step-${n}-${key}`;
    return h("div", { class: "field", dataset: { field: `escalation.${n}.${key}` } },
      h("label", { for: id }, `Step ${n + 1}: ${label}`),
      h("input", { id, type, step: type === "number" ? "any" : null, value: v ?? "",
        autocomplete: "off", "aria-describedby": `${id}-error`, dataset: { key } }),
      h("p", { class: "field-error", id: `${id}-error` }));
  };
  const row = h("div", { class: "step", dataset: { field: `escalation.${n}` } },
    input("after_seconds", "after (s)", step.after_seconds, "number"),
    input("min_level", "lowest level", step.min_level, "number"),
    input("add_skills", "add skills (name:level)", formatLevels(step.add_skills)),
    input("add_queues", "add queues", (step.add_queues ?? []).join(" ")),
    h("button", { class: "btn btn-small", type: "button", "aria-label": `Remove step ${n + 1}`,
      onclick: () => { row.remove(); renumber(); } }, "Remove"),
    h("p", { class: "field-error", id: `q-step-${n}-error` }));
  box.append(row);
  if (focus) row.querySelector("input").focus();
}

function renumber() {
  const steps = [...byId("q-steps").children].map(stepValues);
  byId("q-steps").replaceChildren();
  for (const step of steps) addStep(step, false);
}

function stepValues(row) {
  const get = (key) => row.querySelector(`[data-key="${key}"]`).value.trim();
  return {
    after_seconds: number(get("after_seconds")),
    min_level: number(get("min_level")),
    add_skills: parseLevels(get("add_skills")),
    add_queues: get("add_queues").split(/[\s,]+/).filter(Boolean),
  };
}

function number(raw) {
  return raw === "" ? null : Number(raw);
}

function spec() {
  const kind = byId("q-overflow-kind").value;
  return {
    ...keep(queueSettings),
    label: byId("q-label").value.trim(),
    skills: parseLevels(byId("q-skills").value),
    strategy: byId("q-strategy").value,
    priority: number(byId("q-priority").value),
    weight: number(byId("q-weight").value),
    service_level_seconds: number(byId("q-sl").value),
    wrapup_seconds: number(byId("q-wrapup").value),
    ring_timeout: number(byId("q-ring").value),
    max_wait_seconds: number(byId("q-maxwait").value),
    overflow: kind ? { kind, target: byId("q-overflow-target").value.trim() } : null,
    escalation: [...byId("q-steps").children].map(stepValues),
    script: byId("q-script").value,
  };
}

/** What the form does not show (auto_pause_after, owner_first_seconds) is kept as it was. */
function keep(config) {
  const kept = {};
  for (const key of ["auto_pause_after", "owner_first_seconds"]) {
    if (config[key] !== undefined) kept[key] = config[key];
  }
  return kept;
}

async function saveQueue() {
  const form = byId("queue-form");
  const name = byId("q-name").value.trim();
  clearErrors(form);
  try {
    await put(`/api/queues/${encodeURIComponent(name)}`, spec());
    await refreshQueues(name);
    setText(byId("queue-status"), `Queue ${name} saved`);
    show(byId("queue-status"), true);
  } catch (err) {
    showErrors(form, renamePath(err));
  }
}
