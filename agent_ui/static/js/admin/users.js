// Users: the table, the add/edit form, the password reset and the CSV import
// (/api/users). Disabling or a new password ends the user's sessions at once (server side).

import { ApiError, get, patch, post, put, upload } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { clearErrors, formatLevels, parseLevels, showErrors } from "./fields.js";

let editing = null; // the login being edited, or null when adding
let resetting = null;

export function setUpUsers() {
  byId("user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveUser();
  });
  byId("user-cancel").addEventListener("click", () => addMode());
  byId("password-form").addEventListener("submit", (event) => {
    event.preventDefault();
    resetPassword();
  });
  byId("password-cancel").addEventListener("click", () => show(byId("password-form"), false));
  byId("import-form").addEventListener("submit", (event) => {
    event.preventDefault();
    importFile();
  });
  refresh();
}

function status(text) {
  const el = byId("users-status");
  setText(el, text);
  show(el, true);
}

async function refresh() {
  const users = await get("/api/users");
  fill(byId("users-table").querySelector("tbody"), users.map(row));
}

function row(user) {
  const who = user.display_name;
  return h("tr", { dataset: { login: user.login } },
    h("td", { class: "mono" }, user.login),
    h("td", {}, who),
    h("td", {}, user.role),
    h("td", { class: "mono" }, formatLevels(user.skills) || "—"),
    h("td", {}, user.enabled ? "enabled" : "disabled"),
    h("td", {},
      h("button", { class: "btn btn-small", type: "button", "aria-label": `Edit ${who}`,
        onclick: () => editMode(user) }, "Edit"),
      h("button", { class: "btn btn-small", type: "button", "aria-label": `Reset password of ${who}`,
        onclick: () => passwordMode(user) }, "Reset password"),
      user.enabled
        ? h("button", { class: "btn btn-small btn-danger", type: "button", "aria-label": `Disable ${who}`,
          onclick: () => setEnabled(user, false) }, "Disable")
        : h("button", { class: "btn btn-small", type: "button", "aria-label": `Enable ${who}`,
          onclick: () => setEnabled(user, true) }, "Enable")));
}

function addMode() {
  editing = null;
  const form = byId("user-form");
  form.reset();
  clearErrors(form);
  setText(byId("user-form-title"), "Add a user");
  setText(byId("user-submit"), "Add user");
  byId("user-login").disabled = false;
  show(byId("user-password-field"), true);
  show(byId("user-enabled-field"), false);
  show(byId("user-cancel"), false);
}

function editMode(user) {
  editing = user.login;
  const form = byId("user-form");
  clearErrors(form);
  setText(byId("user-form-title"), `Edit ${user.login}`);
  setText(byId("user-submit"), "Save changes");
  byId("user-login").value = user.login;
  byId("user-login").disabled = true;
  byId("user-name").value = user.display_name;
  byId("user-role").value = user.role;
  byId("user-skills").value = formatLevels(user.skills);
  byId("user-enabled").checked = user.enabled;
  show(byId("user-password-field"), false);
  show(byId("user-enabled-field"), true);
  show(byId("user-cancel"), true);
  byId("user-name").focus();
}

function passwordMode(user) {
  resetting = user.login;
  const form = byId("password-form");
  form.reset();
  clearErrors(form);
  setText(byId("password-form-title"), `Reset the password of ${user.login}`);
  show(form, true);
  byId("reset-password").focus();
}

async function saveUser() {
  const form = byId("user-form");
  const body = {
    display_name: byId("user-name").value.trim(),
    role: byId("user-role").value,
    skills: parseLevels(byId("user-skills").value),
  };
  try {
    if (editing) {
      body.enabled = byId("user-enabled").checked;
      await patch(`/api/users/${encodeURIComponent(editing)}`, body);
      status(`${editing} saved`);
    } else {
      body.login = byId("user-login").value.trim();
      body.password = byId("user-password").value;
      await post("/api/users", body);
      status(`${body.login} added`);
    }
    addMode();
    await refresh();
  } catch (err) {
    showErrors(form, err);
  }
}

async function setEnabled(user, enabled) {
  try {
    await patch(`/api/users/${encodeURIComponent(user.login)}`, { enabled });
    status(`${user.login} ${enabled ? "enabled" : "disabled: their sessions have ended"}`);
    await refresh();
  } catch (err) {
    status(err instanceof ApiError ? err.message : String(err));
  }
}

async function resetPassword() {
  const form = byId("password-form");
  try {
    await put(`/api/users/${encodeURIComponent(resetting)}/password`,
      { password: byId("reset-password").value });
    show(form, false);
    status(`${resetting}: password changed, their sessions have ended`);
  } catch (err) {
    showErrors(form, err);
  }
}

async function importFile() {
  const form = byId("import-form");
  clearErrors(form);
  const file = byId("import-file").files[0];
  if (!file) {
    setText(byId("import-error"), "Choose a CSV file first.");
    return;
  }
  try {
    const report = await upload("/api/users/import", await file.text(), "text/csv");
    fill(byId("import-result"),
      h("p", {}, `${report.created.length} created, ${report.refused.length} refused`),
      report.refused.length
        ? h("ul", { class: "problems" }, report.refused.map((r) =>
          h("li", {}, `Row ${r.row}: ${r.field}: ${r.reason}`)))
        : null);
    await refresh();
  } catch (err) {
    showErrors(form, err);
  }
}
