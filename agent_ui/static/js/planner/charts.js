// Small inline SVG charts, built as DOM nodes (no markup parsing, no library).

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** Service level against agents, target as a dashed line; bars meeting it in brand blue. */
export function curveChart(curve, target) {
  const width = 720, height = 220, pad = 30;
  const step = (width - 2 * pad) / Math.max(curve.length, 1);
  const y = (v) => height - pad - v * (height - 2 * pad);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "Service level against the number of agents" });
  curve.forEach((point, i) => {
    const x = pad + i * step;
    const meets = point.service_level >= target;
    chart.append(svg("rect", { class: meets ? "bar meets" : "bar", x, y: y(point.service_level),
      width: Math.max(step - 2, 1), height: height - pad - y(point.service_level) },
      svg("title", {}, `${point.agents} agents: ${(point.service_level * 100).toFixed(1)}%`)));
    if (curve.length <= 30 || i % Math.ceil(curve.length / 15) === 0) {
      chart.append(svg("text", { x: x + step / 2, y: height - 10, "text-anchor": "middle" }, point.agents));
    }
  });
  chart.append(svg("line", { class: "target", x1: pad, x2: width - pad, y1: y(target), y2: y(target) }));
  chart.append(svg("text", { x: pad, y: y(target) - 4 }, `target ${(target * 100).toFixed(0)}%`));
  return chart;
}

/** Agents needed per interval across the forecast. */
export function staffingChart(rows) {
  const width = 720, height = 220, pad = 30;
  const peak = Math.max(1, ...rows.map((r) => r.scheduled));
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(rows.length - 1, 1);
  const y = (v) => height - pad - (v / peak) * (height - 2 * pad);
  const path = rows.map((r, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(r.scheduled).toFixed(1)}`).join("");
  return svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "Agents to schedule in each interval of the forecast" },
    svg("path", { class: "line", d: path }),
    svg("text", { x: pad, y: pad - 10 }, `peak ${peak} to schedule`));
}
