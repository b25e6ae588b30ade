// The planner page: the WFM API (/api/wfm/*) behind two forms. Supervisors only; the server
// refuses agents anyway, the page just says so plainly.

import { ApiError, get, post } from "../lib/api.js";
import { byId, fill, h, setText, show } from "../lib/dom.js";
import { end, requireSession } from "../lib/session.js";
import { curveChart, staffingChart } from "./charts.js";
import { setUpGroups, staffGroups } from "./groups.js";

const me = requireSession();
if (me) byId("btn-signout").addEventListener("click", () => end("signed-out"));
if (me && me.role === "agent") show(byId("forbidden"), true);
else if (me) start(me);

function start(me) {
  setText(byId("who"), me.name);
  show(byId("planner-main"), true);
  const today = new Date();
  byId("start").value = today.toISOString().slice(0, 10);
  get("/api/queues").then((queues) => fill(byId("queue"),
    queues.map((q) => h("option", { value: q.queue }, q.label))), () => {});
  byId("erlang-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded("erlang-error", calculate);
  });
  byId("forecast-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded("forecast-error", forecastAndStaff);
  });
  guarded("groups-error", setUpGroups);
  byId("groups-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded("groups-error", staffGroups);
  });
}

async function guarded(errorId, work) {
  setText(byId(errorId), "");
  try {
    await work();
  } catch (err) {
    setText(byId(errorId), err instanceof ApiError ? err.message : String(err));
  }
}

function number(id) {
  const raw = byId(id).value.trim();
  return raw === "" ? null : Number(raw);
}

function target() {
  return {
    service_level: number("sl") / 100,
    answer_seconds: number("within"),
    patience: number("patience"),
    shrinkage: (number("shrinkage") ?? 0) / 100,
  };
}

async function calculate() {
  const body = { calls: number("calls"), aht: number("aht"), interval_minutes: number("interval"), ...target() };
  const answer = await post("/api/wfm/erlang", body);
  const m = answer.metrics;
  fill(byId("erlang-result"),
    h("dl", { class: "figures" },
      figure("Offered load", `${answer.erlangs.toFixed(2)} Erl`),
      figure("Agents on the phones", answer.agents, "erlang-agents"),
      figure("Agents to schedule", answer.scheduled),
      figure("Service level", percent(m.service_level)),
      figure("ASA", m.asa == null ? "—" : `${m.asa.toFixed(1)} s`),
      figure("Occupancy", percent(m.occupancy)),
      figure("P(wait)", percent(m.p_wait)),
      body.patience == null ? null : figure("P(abandon)", percent(m.p_abandon))),
    curveChart(answer.curve, body.service_level));
}

async function forecastAndStaff() {
  const fc = await post("/api/wfm/forecast", {
    queue: byId("queue").value || null, start: byId("start").value, days: number("days"),
  });
  const busy = fc.intervals.filter((i) => i.calls > 0 && i.aht > 0);
  if (!busy.length) throw new Error("the forecast has no calls: is there call history for this queue?");
  const meanAht = busy.reduce((s, i) => s + i.aht, 0) / busy.length;
  const intervals = fc.intervals.map((i) => ({ ...i, aht: i.aht > 0 ? i.aht : meanAht }));
  const staffed = await post("/api/wfm/staff", {
    interval_minutes: fc.interval_minutes, intervals, service_level: number("sl") / 100,
    answer_seconds: number("within"), shrinkage: (number("shrinkage") ?? 0) / 100,
  });
  const chosen = fc.backtest?.wape?.[fc.method];  // the backtest scores every method
  const wape = Number.isFinite(chosen)
    ? `${(chosen * 100).toFixed(1)}% over ${fc.backtest.days} days`
    : "too little history";
  fill(byId("forecast-result"),
    h("dl", { class: "figures" },
      figure("Method", fc.method),
      figure("Backtest WAPE", wape, "forecast-wape"),
      figure("Calls forecast", Math.round(intervals.reduce((s, i) => s + i.calls, 0)), "forecast-calls"),
      figure("Peak agents", Math.max(...staffed.intervals.map((i) => i.agents)), "forecast-peak")),
    staffingChart(staffed.intervals),
    dayTable(staffed.intervals, fc.interval_minutes));
}

function dayTable(rows, minutes) {
  const days = new Map();
  for (const row of rows) {
    const day = row.start.slice(0, 10);
    const d = days.get(day) ?? { calls: 0, hours: 0, peak: 0 };
    d.calls += row.calls;
    d.hours += (row.scheduled * minutes) / 60;
    d.peak = Math.max(d.peak, row.agents);
    days.set(day, d);
  }
  return h("table", { class: "days" },
    h("caption", { class: "visually-hidden" }, "Per day"),
    h("thead", {}, h("tr", {}, ["Day", "Calls", "Peak agents", "Scheduled hours"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, [...days].map(([day, d]) => h("tr", {},
      h("td", {}, day), h("td", {}, Math.round(d.calls)), h("td", {}, d.peak), h("td", {}, d.hours.toFixed(1))))));
}

function figure(label, value, id) {
  return h("div", { class: "figure" }, h("dt", {}, label), h("dd", { id }, value));
}

function percent(value) {
  return value == null ? "—" : `${(value * 100).toFixed(1)}%`;
}
