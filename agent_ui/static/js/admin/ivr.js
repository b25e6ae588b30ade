// IVR flows (/api/ivr): upload a YAML file as a new version, see its validation errors with
// their paths, see every version, activate one, roll back to the one active before.

import { ApiError, get, post, upload } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";

let shown = null; // the flow whose versions are on screen

export function setUpIvr() {
  byId("flow-form").addEventListener("submit", (event) => {
    event.preventDefault();
    uploadFlow();
  });
  byId("flow-rollback").addEventListener("click", () => act(() =>
    post(`/api/ivr/flows/${encodeURIComponent(shown)}/rollback`, {})));
  refreshFlows();
}

async function refreshFlows() {
  const flows = await get("/api/ivr/flows");
  fill(byId("flows-table").querySelector("tbody"), flows.map((f) => h("tr", {},
    h("td", { class: "mono" }, f.name),
    h("td", {}, f.active_version ?? "none"),
    h("td", {}, f.latest_version),
    h("td", {}, h("button", { class: "btn btn-small", type: "button",
      "aria-label": `Versions of ${f.name}`, onclick: () => showVersions(f.name) }, "Versions")))));
}

function problems(title, list) {
  fill(byId("flow-problems"), list.length
    ? [h("p", { class: "form-error" }, title),
      h("ul", { class: "problems" }, list.map((p) => h("li", { class: "mono" }, p)))]
    : []);
}

async function uploadFlow() {
  const name = byId("flow-name").value.trim();
  const file = byId("flow-file").files[0];
  if (!name || !file) {
    fill(byId("flow-problems"), h("p", { class: "form-error" },
      "Give the flow's name and choose its YAML file."));
    return;
  }
  try {
    const version = await upload(`/api/ivr/flows/${encodeURIComponent(name)}/upload`,
      await file.text(), "application/yaml");
    if (version.valid) {
      fill(byId("flow-problems"), h("p", { class: "notice" },
        `Version ${version.version} of ${name} stored; it is valid and can be activated.`));
    } else {
      problems(`Version ${version.version} of ${name} is stored but cannot be activated:`,
        version.errors);
    }
    await refreshFlows();
    await showVersions(name);
  } catch (err) {
    const list = err instanceof ApiError && Array.isArray(err.details?.errors)
      ? err.details.errors.map((e) => (typeof e === "string" ? e : `${e.field}: ${e.message}`))
      : [];
    problems(list.length ? "The file was refused:" : String(err.message ?? err), list);
  }
}

async function showVersions(name) {
  shown = name;
  const flow = await get(`/api/ivr/flows/${encodeURIComponent(name)}`);
  setText(byId("versions-title"), `Versions of ${name}`);
  setText(byId("versions-error"), "");
  fill(byId("versions-body"), flow.versions.map((v) => h("tr", {},
    h("td", {}, v.version),
    h("td", {}, v.valid ? "yes" : "no"),
    h("td", {}, v.active ? "active" : ""),
    h("td", {}, v.created_at.replace("T", " ").slice(0, 19)),
    h("td", {}, v.created_by ?? ""),
    h("td", {}, v.errors.length
      ? h("ul", { class: "problems" }, v.errors.map((e) => h("li", { class: "mono" }, e)))
      : "none"),
    h("td", {}, v.valid && !v.active
      ? h("button", { class: "btn btn-small", type: "button",
        "aria-label": `Activate version ${v.version} of ${name}`,
        onclick: () => act(() => post(`/api/ivr/flows/${encodeURIComponent(name)}/activate`,
          { version: v.version })) }, "Activate")
      : ""))));
  show(byId("flow-versions"), true);
}

async function act(work) {
  try {
    await work();
    await refreshFlows();
    await showVersions(shown);
  } catch (err) {
    setText(byId("versions-error"), err instanceof ApiError ? err.message : String(err));
  }
}
