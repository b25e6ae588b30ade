// The server's own error next to the field it names. An error names its field in
// details.field (a service's check: "skills.vip", "escalation.1.add_queues.0") or in
// details.errors[].field (a request that did not validate: "body.weight"); the form's
// element whose data-field is the longest prefix of that path shows it.

import { ApiError } from "../lib/api.js";
import { setText } from "../lib/dom.js";

export function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const general = form.querySelector('[role="alert"]');
  if (general) general.textContent = "";
}

/** Show ``err`` next to its field(s) in ``form``; what names no field goes to the form's alert. */
export function showErrors(form, err) {
  clearErrors(form);
  const general = form.querySelector('[role="alert"]');
  if (!(err instanceof ApiError)) {
    if (general) setText(general, String(err));
    return;
  }
  const named = namedErrors(err);
  let placed = false;
  for (const { field, message } of named) placed = place(form, field, message) || placed;
  if (!placed && general) setText(general, err.message);
}

function namedErrors(err) {
  if (Array.isArray(err.details?.errors) && err.details.errors.length
      && typeof err.details.errors[0] === "object") {
    return err.details.errors.map((e) => ({
      field: String(e.field).replace(/^body\.?/, ""),
      message: e.message,
    }));
  }
  if (err.details?.field) {
    const reason = err.details.reason ?? err.message;
    return [{ field: String(err.details.field), message: reason }];
  }
  return [];
}

function place(form, field, message) {
  let best = null;
  for (const el of form.querySelectorAll("[data-field]")) {
    const name = el.dataset.field;
    if ((field === name || field.startsWith(`${name}.`))
        && (!best || name.length > best.dataset.field.length)) best = el;
  }
  if (!best) return false;
  const slot = best.querySelector(".field-error");
  if (!slot) return false;
  slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
  const input = best.querySelector("input, select, textarea");
  if (input) input.setAttribute("aria-invalid", "true");
  return true;
}

/** "sales:3 support:2" -> {sales: 3, support: 2}; levels stay as typed for the server to judge. */
export function parseLevels(text) {
  const levels = {};
  for (const item of text.replace(/[,;]/g, " ").split(/\s+/).filter(Boolean)) {
    const [name, level] = item.split(":");
    levels[name] = level === undefined || level === "" ? NaN : Number(level);
  }
  return levels;
}

export function formatLevels(levels) {
  return Object.entries(levels ?? {}).map(([name, level]) => `${name}:${level}`).join(" ");
}
