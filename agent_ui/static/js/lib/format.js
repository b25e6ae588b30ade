// How numbers, times and dates read on the desktop and the board.

const money = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 0,
});
const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });
const dayTime = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const monthYear = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric" });

/** 75 -> "1:15", 3725 -> "1:02:05"; null -> "—". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Seconds since an ISO timestamp (or epoch seconds), never negative. */
export function secondsSince(since, now = Date.now()) {
  if (since === null || since === undefined) return null;
  const t = typeof since === "number" ? since * 1000 : Date.parse(since);
  return Number.isNaN(t) ? null : Math.max(0, (now - t) / 1000);
}

export function currency(value) {
  return value === null || value === undefined ? "—" : money.format(value);
}

/** 0.8612 -> "86%"; null -> "—". */
export function percent(ratio) {
  return ratio === null || ratio === undefined ? "—" : `${Math.round(ratio * 100)}%`;
}

export function date(iso) {
  if (!iso) return "—";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso) : day.format(t);
}

export function dateTime(iso) {
  if (!iso) return "—";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso) : dayTime.format(t);
}

/** "customer since" as "Mar 2019 · 6 years". */
export function tenure(iso, now = Date.now()) {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const years = Math.floor((now - t) / (365.25 * 86400 * 1000));
  const span = years >= 1 ? `${years} year${years === 1 ? "" : "s"}` : "under a year";
  return `${monthYear.format(t)} · ${span}`;
}

/** "+13125550100" -> "+1 312 555 0100" (North American numbers); others unchanged. */
export function phone(number) {
  if (!number) return "withheld";
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return m ? `+1 ${m[1]} ${m[2]} ${m[3]}` : number;
}

/** "wrap_up" -> "Wrap-up", as states read to people. */
export function stateLabel(state) {
  return STATE_LABELS[state] ?? state ?? "—";
}

export const STATE_LABELS = {
  available: "Available",
  reserved: "Ringing",
  on_call: "On call",
  wrap_up: "Wrap-up",
  paused: "Paused",
  logged_out: "Logged out",
};

/** "wrong-number" -> "Wrong number". */
export function humanise(word) {
  if (!word) return "—";
  const text = String(word).replace(/[-_]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
