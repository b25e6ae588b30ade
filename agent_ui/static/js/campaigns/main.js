// The campaign manager's page: campaigns created, edited, started and paused; lead lists
// uploaded with every refused row named; and the chosen campaign live from the board's
// websocket (its ``campaigns`` message, sent after every dialer tick).

import { ApiError, get, post, put, uploadForm } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { connect } from "../lib/live.js";
import { announce } from "../lib/notify.js";
import { end, onEnd, requireSession } from "../lib/session.js";
import { clearErrors, showErrors } from "../admin/fields.js";
import { drawChart } from "./chart.js";

const CONNECTION_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };
const OUTCOMES = {
  "answered-live": "Answered live", machine: "Machine", "no-answer": "No answer",
  busy: "Busy", failed: "Failed", abandoned: "Abandoned",
};
const HISTORY = 600; // points kept per campaign for the chart
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const path = (name, rest = "") => `/api/dialer/campaigns/${encodeURIComponent(name)}${rest}`;

const me = requireSession();
if (me) byId("btn-signout").addEventListener("click", () => end("signed-out"));
if (me && me.role === "agent") show(byId("forbidden"), true);
else if (me) start(me);

function start(me) {
  setText(byId("who"), me.name);
  show(byId("campaigns-main"), true);
  let campaigns = [];
  let selected = null; // name of the campaign shown live
  let editing = null; // the campaign being edited, or null for a new one
  const latest = new Map(); // name -> its latest status
  const history = new Map(); // name -> [{at, rate}]

  async function reload() {
    try {
      campaigns = await get("/api/dialer/campaigns");
      setText(byId("list-error"), "");
    } catch (err) {
      setText(byId("list-error"), err.message);
      return;
    }
    renderList();
  }

  function renderList() {
    fill(byId("campaigns-table").tBodies[0], campaigns.map((c) => {
      const running = c.state === "running";
      return h("tr", { dataset: { campaign: c.name } },
        h("th", { scope: "row" }, h("button", {
          class: "btn btn-link", type: "button", text: c.name, "aria-pressed": String(c.name === selected),
          onclick: () => choose(c.name),
        })),
        h("td", { text: c.spec.mode }),
        h("td", { text: c.spec.queue }),
        h("td", { text: c.state, dataset: { state: c.state } }),
        h("td", {},
          h("button", { class: "btn btn-small", type: "button", text: running ? "Pause" : "Start",
            "aria-label": `${running ? "Pause" : "Start"} ${c.name}`,
            onclick: () => control(c.name, running ? "pause" : "start") }),
          h("button", { class: "btn btn-small", type: "button", text: "Edit",
            "aria-label": `Edit ${c.name}`, onclick: () => openForm(c) }),
          h("button", { class: "btn btn-small", type: "button", text: "Upload leads",
            "aria-label": `Upload leads to ${c.name}`, onclick: () => openUpload(c.name) })));
    }));
  }

  async function control(name, action) {
    try {
      await post(path(name, `/${action}`));
      announce(`${name} ${action === "start" ? "started" : "paused"}.`);
      setText(byId("list-error"), "");
    } catch (err) {
      setText(byId("list-error"), err.message);
    }
    await reload();
  }

  function choose(name) {
    selected = name;
    show(byId("live"), true);
    setText(byId("live-name"), name);
    byId("export-link").href = path(name, "/attempts.csv");
    renderList();
    renderLive();
    byId("live-title").scrollIntoView?.({ block: "nearest" });
  }

  // -- the live view ------------------------------------------------------------------
  function received(views) {
    for (const v of views) {
      latest.set(v.campaign, v);
      const points = history.get(v.campaign) ?? [];
      const last = points[points.length - 1];
      if (last && v.period_start !== last.period) points.length = 0; // a new period
      points.push({ at: v.at, rate: v.abandonment_rate, period: v.period_start });
      if (points.length > HISTORY) points.shift();
      history.set(v.campaign, points);
    }
    const states = new Map(views.map((v) => [v.campaign, v.state]));
    if (campaigns.some((c) => states.has(c.name) && states.get(c.name) !== c.state)
        || views.some((v) => !campaigns.some((c) => c.name === v.campaign))) reload();
    renderLive();
  }

  function renderLive() {
    const v = selected ? latest.get(selected) : null;
    const figure = (key, text) => setText(byId("figures").querySelector(`[data-figure="${key}"]`), text);
    if (!v) {
      for (const dd of byId("figures").querySelectorAll("dd")) setText(dd, "–");
      setText(byId("live-reason"), selected ? "Waiting for the campaign's figures…" : "");
      fill(byId("agents-body"));
      fill(byId("outcomes-body"));
      return;
    }
    setText(byId("live-reason"), v.dialling ? `Dialling: ${v.reason}` : `Not dialling: ${v.reason}`);
    byId("live-reason").dataset.dialling = String(v.dialling);
    figure("leads_left", String(v.leads_left));
    figure("in_flight", String(v.in_flight));
    figure("live_rate", pct(v.live_rate));
    figure("machine_rate", pct(v.machine_rate));
    figure("abandonment", `${pct(v.abandonment_rate)} of ${v.live_answers} live (limit ${pct(v.limit)})`);
    figure("talk_share", pct(v.talk_share));
    figure("calls_per_agent_hour", v.calls_per_agent_hour.toFixed(1));
    const rows = [["Free", v.agents_free], ["On a call or wrap-up", v.agents_busy],
      ["Held for a call in flight", Math.max(v.agents_ready - v.agents_free - v.agents_busy, 0)]];
    fill(byId("agents-body"), rows.map(([label, n]) =>
      h("tr", {}, h("th", { scope: "row", text: label }), h("td", { text: String(n) }))));
    fill(byId("outcomes-body"), Object.entries(OUTCOMES).map(([key, label]) =>
      h("tr", { dataset: { outcome: key } }, h("th", { scope: "row", text: label }),
        h("td", { text: String(v.attempts_period[key] ?? 0) }))));
    drawChart(byId("chart"), history.get(selected) ?? [], v.limit);
  }

  // -- create and edit ------------------------------------------------------------------
  const form = byId("campaign-form");
  const value = (id) => byId(id).value.trim();

  function openForm(c) {
    editing = c;
    clearErrors(form);
    show(byId("campaign-status"), false);
    const spec = c?.spec ?? {};
    setText(byId("form-title"), c ? `Edit ${c.name}` : "New campaign");
    setText(byId("campaign-submit"), c ? "Save campaign" : "Create campaign");
    byId("c-name").value = c?.name ?? "";
    byId("c-name").disabled = Boolean(c);
    byId("c-mode").value = spec.mode ?? "predictive";
    byId("c-queue").value = spec.queue ?? "";
    byId("c-caller").value = spec.caller_id ?? "";
    byId("c-region").value = spec.region ?? "US";
    byId("c-start").value = spec.window?.start ?? "09:00:00";
    byId("c-end").value = spec.window?.end ?? "20:00:00";
    byId("c-days").value = (spec.window?.days ?? [1, 2, 3, 4, 5, 6]).join(" ");
    byId("c-attempts").value = spec.max_attempts ?? 3;
    byId("c-rule").value = spec.abandon_rule ?? "us";
    byId("c-limit").value = 100 * (spec.limit ?? 0.03);
    byId("c-ring").value = spec.ring_seconds ?? 20;
    byId("c-machine").value = spec.machine_action ?? "hang-up";
    byId("c-company").value = spec.safe_harbour?.company ?? "";
    byId("c-callback").value = spec.safe_harbour?.callback_number ?? "";
    byId("c-amd").checked = spec.amd ?? true;
    byId("c-message").value = spec.machine_message ?? "";
    byId("c-script").value = spec.script ?? "";
    show(byId("form-pane"), true);
    (c ? byId("c-mode") : byId("c-name")).focus();
  }

  function specFromForm() {
    const base = editing ? structuredClone(editing.spec) : {};
    const days = value("c-days").split(/[\s,]+/).filter(Boolean).map(Number);
    const number = (id) => (value(id) === "" ? null : Number(value(id)));
    const limit = number("c-limit");
    return {
      ...base,
      mode: byId("c-mode").value,
      queue: value("c-queue"),
      caller_id: value("c-caller"),
      region: value("c-region").toUpperCase(),
      window: { ...(base.window ?? {}), start: byId("c-start").value, end: byId("c-end").value, days },
      max_attempts: number("c-attempts"),
      abandon_rule: byId("c-rule").value,
      limit: limit === null ? null : limit / 100,
      ring_seconds: number("c-ring"),
      machine_action: byId("c-machine").value,
      safe_harbour: { ...(base.safe_harbour ?? {}), company: value("c-company"), callback_number: value("c-callback") },
      amd: byId("c-amd").checked,
      machine_message: byId("c-message").value,
      script: byId("c-script").value,
    };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const spec = specFromForm();
    try {
      const saved = editing
        ? await put(path(editing.name), spec)
        : await post("/api/dialer/campaigns", { name: value("c-name"), spec });
      editing = saved;
      byId("c-name").disabled = true;
      setText(byId("form-title"), `Edit ${saved.name}`);
      setText(byId("campaign-submit"), "Save campaign");
      const status = byId("campaign-status");
      setText(status, `Saved ${saved.name}.`);
      show(status, true);
      await reload();
    } catch (err) {
      showErrors(form, err instanceof ApiError ? withSpecFields(err) : err);
      form.querySelector('[aria-invalid="true"]')?.focus();
    }
  });
  byId("campaign-cancel").addEventListener("click", () => {
    show(byId("form-pane"), false);
    byId("btn-new").focus();
  });
  byId("btn-new").addEventListener("click", () => openForm(null));

  // -- lead lists ----------------------------------------------------------------------
  let uploadTo = null;
  function openUpload(name) {
    uploadTo = name;
    setText(byId("upload-name"), name);
    fill(byId("upload-result"));
    setText(byId("upload-error"), "");
    show(byId("upload-pane"), true);
    byId("upload-file").focus();
  }

  byId("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = byId("upload-file").files[0];
    setText(byId("upload-error"), "");
    if (!file) {
      setText(byId("upload-error"), "Choose a CSV file first.");
      return;
    }
    const data = new FormData();
    data.append("file", file, file.name);
    try {
      const report = await uploadForm(path(uploadTo, "/leads"), data);
      showReport(report);
    } catch (err) {
      setText(byId("upload-error"), err.message);
    }
  });

  function showReport(report) {
    const summary = `${report.file}: ${report.loaded} of ${report.rows} rows loaded, ${report.refused_count} refused.`;
    const table = report.refused.length ? h("table", { class: "grid", id: "refused-table" },
      h("caption", { text: "Refused rows" }),
      h("thead", {}, h("tr", {}, ["Row", "Field", "Reason", "Detail"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, report.refused.map((r) => h("tr", {},
        h("td", { text: String(r.row) }), h("td", { text: r.field }),
        h("td", { text: r.reason }), h("td", { text: r.detail }))))) : null;
    fill(byId("upload-result"), h("p", { class: "notice", id: "upload-summary", text: summary }), table);
    announce(summary);
  }

  // -- the websocket ---------------------------------------------------------------------
  const socket = connect("/ws/board", {
    onMessage(message) {
      if (message.type === "campaigns") received(message.campaigns);
    },
    onStatus(status) {
      document.body.dataset.connection = status;
      const pill = byId("connection");
      pill.dataset.state = status;
      setText(pill, CONNECTION_TEXT[status] ?? status);
      if (status !== "live") {
        latest.clear();
        renderLive();
      }
    },
  });
  onEnd(() => socket.close());
  reload();
}

/** A new campaign's errors name ``body.spec.x``, an edit's ``body.x``: the form says ``spec.x``. */
function withSpecFields(err) {
  if (!Array.isArray(err.details?.errors) || typeof err.details.errors[0] !== "object") return err;
  const copy = new ApiError(err.status, { message: err.message, error_id: err.errorId, details: {
    ...err.details,
    errors: err.details.errors.map((e) => ({ ...e, field: specField(String(e.field)) })),
  } });
  return copy;
}

function specField(field) {
  const bare = field.replace(/^body\.?/, "");
  return bare === "name" || bare.startsWith("spec.") ? bare : `spec.${bare}`;
}
