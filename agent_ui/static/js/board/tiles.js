// One tile per queue: waiting, longest wait, service level against target, abandonment,
// ASA and agents by state. Tiles are built once and updated in place. The longest wait
// ticks on between board messages, and a tile turns red (and says so in words) when a
// caller has waited longer than the queue's service-level target.

import { h, setText, show } from "../lib/dom.js";
import { duration, percent } from "../lib/format.js";
import { announce } from "../lib/notify.js";

const AGENT_STATES = [
  ["available", "available"],
  ["reserved", "ringing"],
  ["on_call", "on call"],
  ["wrap_up", "wrap-up"],
  ["paused", "paused"],
];

export function createTiles(container) {
  const tiles = new Map();
  let received = Date.now();

  function tileFor(q) {
    let tile = tiles.get(q.queue);
    if (tile) return tile;
    tile = buildTile(q);
    tiles.set(q.queue, tile);
    container.append(tile.el);
    return tile;
  }

  function overTarget(tile, now) {
    const q = tile.snapshot;
    if (!q || q.waiting === 0) return false;
    return longestNow(q, now) > q.service_level_target;
  }

  function longestNow(q, now) {
    return q.waiting > 0 ? q.longest_wait + (now - received) / 1000 : 0;
  }

  function paintWait(tile, now) {
    const q = tile.snapshot;
    if (!q) return;
    setText(tile.fields.longest, duration(longestNow(q, now)));
    const over = overTarget(tile, now);
    if (tile.el.dataset.over !== String(over)) {
      tile.el.dataset.over = String(over);
      show(tile.badge, over);
      if (over) announce(`${q.label} is over target: a caller has waited ${duration(longestNow(q, now))}.`);
    }
  }

  return {
    render(queues) {
      received = Date.now();
      for (const q of queues) {
        const tile = tileFor(q);
        tile.snapshot = q;
        const f = tile.fields;
        setText(f.waiting, q.waiting);
        setText(f.sl, percent(q.service_level));
        setText(f.target, `target ${q.service_level_target} s`);
        setText(f.abandon, percent(q.abandon_rate));
        setText(f.abandonCount, `${q.abandoned} of ${q.offered} offered`);
        setText(f.asa, q.asa === null ? "—" : duration(q.asa));
        setText(f.answered, `${q.answered} answered`);
        for (const [state] of AGENT_STATES) setText(f.agents[state], q.agents?.[state] ?? 0);
        tile.el.dataset.waiting = String(q.waiting);
        paintWait(tile, received);
      }
    },
    tick(now) {
      for (const tile of tiles.values()) paintWait(tile, now);
    },
    /** While the board is not live, show dashes rather than stale numbers. */
    blank() {
      for (const tile of tiles.values()) {
        tile.snapshot = null;
        tile.el.dataset.over = "false";
        show(tile.badge, false);
        const f = tile.fields;
        for (const el of [f.waiting, f.longest, f.sl, f.abandon, f.asa]) setText(el, "—");
        for (const el of [f.target, f.abandonCount, f.answered]) setText(el, "");
        for (const [state] of AGENT_STATES) setText(f.agents[state], "—");
      }
    },
  };
}

function buildTile(q) {
  const id = `tile-${q.queue.replace(/[^a-z0-9_-]/gi, "")}`;
  const value = (extra = "") => h("dd", { class: `value ${extra}`.trim() }, "—");
  const sub = () => h("dd", { class: "sub" });
  const fields = {
    waiting: value("value-xl"),
    longest: value("value-xl"),
    sl: value(),
    target: sub(),
    abandon: value(),
    abandonCount: sub(),
    asa: value(),
    answered: sub(),
    agents: {},
  };
  const badge = h("span", { class: "over-badge", id: `${id}-over`, hidden: true }, "Over target");
  const agentList = h("ul", { class: "tile-agents", "aria-label": "Agents by state" },
    AGENT_STATES.map(([state, label]) => {
      fields.agents[state] = h("span", { class: "count" }, "—");
      return h("li", { dataset: { state } }, fields.agents[state], ` ${label}`);
    }));
  const el = h("article", {
    class: "tile",
    "aria-labelledby": `${id}-name`,
    "aria-describedby": `${id}-over`,
    dataset: { queue: q.queue, over: "false" },
  },
  h("div", { class: "tile-head" }, h("h3", { id: `${id}-name` }, q.label), badge),
  h("dl", { class: "tile-main" },
    h("div", {}, h("dt", {}, "Waiting"), fields.waiting),
    h("div", {}, h("dt", {}, "Longest wait"), fields.longest)),
  h("dl", { class: "tile-stats" },
    h("div", {}, h("dt", {}, "Service level"), fields.sl, fields.target),
    h("div", {}, h("dt", {}, "Abandoned"), fields.abandon, fields.abandonCount),
    h("div", {}, h("dt", {}, "ASA"), fields.asa, fields.answered)),
  agentList);
  return { el, fields, badge, snapshot: null };
}
