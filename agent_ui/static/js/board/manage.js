// The supervisor's controls for one agent: change their state, edit their skills.
// PUT /api/agents/{id}/state and PUT /api/agents/{id}/skills (supervisors only; the server
// refuses agents with 403 whatever the page shows).

import { put } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { humanise } from "../lib/format.js";
import { announce, toast } from "../lib/notify.js";
import { since } from "../lib/ticker.js";
import { stateText } from "./agents.js";

const $ = byId;

export function createManager(list, knownSkills) {
  const dialog = $("agent-dialog");
  const stateForm = $("agent-state-form");
  const skillsForm = $("agent-skills-form");
  let agentId = null;

  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  stateForm.addEventListener("change", () => show($("set-reason-row"), stateForm.state.value === "paused"));
  stateForm.addEventListener("submit", (event) => {
    event.preventDefault();
    applyState();
  });
  skillsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    saveSkills();
  });

  function open(id) {
    const agent = list.get(id);
    if (!agent) return;
    agentId = id;
    setText($("agent-dialog-title"), `${agent.name} (${agent.agent_id})`);
    $("agent-state-error").textContent = "";
    $("agent-skills-error").textContent = "";
    const radio = stateForm.querySelector(`input[value="${agent.state}"]`);
    for (const input of stateForm.querySelectorAll("input[name=state]")) input.checked = input === radio;
    if (agent.pause_reason) $("set-reason").value = agent.pause_reason;
    show($("set-reason-row"), agent.state === "paused");
    paintSkills(agent);
    refresh();
    if (!dialog.open) dialog.showModal();
  }

  /** Keep the dialog's header current as board messages arrive. */
  function refresh() {
    const agent = agentId ? list.get(agentId) : null;
    if (!agent) return;
    const chip = $("agent-dialog-state");
    chip.dataset.state = agent.state;
    setText(chip, stateText(agent));
    since($("agent-dialog-since"), agent.since);
  }

  function paintSkills(agent) {
    const catalogue = knownSkills();
    const names = new Set([...catalogue.keys(), ...Object.keys(agent.skills ?? {})]);
    fill($("skill-rows"), [...names].sort().map((name) => {
      const id = `skill-${name.replace(/[^a-z0-9_-]/g, "_")}`;
      return h("div", { class: "skill-row" },
        h("label", { for: id, title: catalogue.get(name) || null }, humanise(name)),
        h("input", {
          id,
          type: "number",
          min: "0",
          max: "5",
          step: "1",
          inputmode: "numeric",
          value: String(agent.skills?.[name] ?? 0),
          dataset: { skill: name },
        }));
    }));
  }

  async function applyState() {
    const error = $("agent-state-error");
    error.textContent = "";
    const state = stateForm.state.value;
    if (!state) {
      error.textContent = "Choose a state.";
      return;
    }
    const body = { state };
    if (state === "paused") body.reason = $("set-reason").value;
    try {
      await put(`/api/agents/${encodeURIComponent(agentId)}/state`, body);
    } catch (err) {
      error.textContent = err.message;
      return;
    }
    announce(`${agentId} set to ${humanise(state)}.`);
    toast(`${agentId}: ${humanise(state)}`);
  }

  async function saveSkills() {
    const error = $("agent-skills-error");
    error.textContent = "";
    const skills = {};
    for (const input of $("skill-rows").querySelectorAll("input[data-skill]")) {
      const level = Number(input.value);
      if (!Number.isInteger(level) || level < 0 || level > 5) {
        error.textContent = `${humanise(input.dataset.skill)}: give a level from 0 to 5.`;
        input.focus();
        return;
      }
      if (level > 0) skills[input.dataset.skill] = level;
    }
    try {
      await put(`/api/agents/${encodeURIComponent(agentId)}/skills`, { skills });
    } catch (err) {
      error.textContent = err.status === 404 && err.errorId === "not-found" && !err.details?.agent_id
        ? "This server cannot change skills yet."
        : err.message;
      return;
    }
    announce(`Skills saved for ${agentId}.`);
    toast(`Skills saved for ${agentId}`);
  }

  return { open, refresh };
}
