// One clock for the page: every second, each element with `data-since` (an ISO time) shows
// the time elapsed since then, and registered callbacks run. Timers therefore tick on the
// client between server messages, from the server's own timestamps.

import { duration, secondsSince } from "./format.js";

const callbacks = new Set();

export function tick(now = Date.now()) {
  for (const el of document.querySelectorAll("[data-since]")) {
    const text = el.dataset.since ? duration(secondsSince(el.dataset.since, now)) : "—";
    if (el.textContent !== text) el.textContent = text;
  }
  for (const callback of callbacks) callback(now);
}

/** Run `callback(now)` every second; returns a function that stops it. */
export function everySecond(callback) {
  callbacks.add(callback);
  return () => callbacks.delete(callback);
}

/** Point a timer element at a new start time (or none) and refresh it at once. */
export function since(el, iso) {
  const value = iso ?? "";
  if (el.dataset.since !== value) el.dataset.since = value;
  el.textContent = value ? duration(secondsSince(value)) : "—";
}

setInterval(tick, 1000);
