// Abandonment over the current regulatory period as an inline SVG line, beside a dashed line
// at its limit. The y axis reaches a little above the limit (or the highest rate seen).

const NS = "http://www.w3.org/2000/svg";
const W = 600;
const H = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

function el(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

/** Draw ``points`` ([{at, rate}], clock seconds) and ``limit`` into ``svg``. */
export function drawChart(svg, points, limit) {
  const desc = svg.querySelector("desc");
  for (const child of [...svg.childNodes]) if (child !== desc) child.remove();
  const last = points[points.length - 1];
  desc.textContent = last
    ? `Abandonment ${pct(last.rate)} against a limit of ${pct(limit)}, over ${points.length} readings.`
    : "No figures yet.";
  const top = Math.max(limit * 1.25, ...points.map((p) => p.rate)) || 0.01;
  const t0 = points.length ? points[0].at : 0;
  const span = points.length > 1 ? last.at - t0 : 1;
  const x = (at) => PAD.left + ((at - t0) / (span || 1)) * (W - PAD.left - PAD.right);
  const y = (rate) => PAD.top + (1 - rate / top) * (H - PAD.top - PAD.bottom);
  svg.append(el("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom, class: "axis" }));
  svg.append(el("line", { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: "axis" }));
  svg.append(el("text", { x: PAD.left - 4, y: y(0) + 4, "text-anchor": "end", class: "tick" }, "0%"));
  svg.append(el("text", { x: PAD.left - 4, y: y(limit) + 4, "text-anchor": "end", class: "tick" }, pct(limit)));
  svg.append(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(limit), y2: y(limit), class: "limit", "data-limit": limit }));
  svg.append(el("text", { x: W - PAD.right, y: y(limit) - 4, "text-anchor": "end", class: "tick" }, "limit"));
  if (!points.length) return;
  const coords = points.map((p) => `${x(p.at).toFixed(1)},${y(p.rate).toFixed(1)}`).join(" ");
  svg.append(el("polyline", { points: coords, class: "rate", "data-points": points.length }));
  const minutes = span / 60;
  svg.append(el("text", { x: W - PAD.right, y: H - 6, "text-anchor": "end", class: "tick" },
    minutes >= 1 ? `last ${minutes.toFixed(0)} min` : `last ${span.toFixed(0)} s`));
}
