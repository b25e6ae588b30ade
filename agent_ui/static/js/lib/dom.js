// Building and updating the DOM without ever parsing markup: every string ends up in a text
// node or an attribute value, so CRM text (names, notes) cannot inject HTML or script.

/**
 * h("button", { class: "btn", onclick: fn, "aria-label": "Answer" }, "Answer", child)
 * Props: `class`, `text`, `hidden`, `disabled`, `value`, `checked` are set as properties;
 * `on<event>` functions become listeners; `dataset` is an object; `null`/`false` are
 * skipped; everything else becomes an attribute. Children: nodes, strings, numbers,
 * arrays of those; null/false/undefined are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (["hidden", "disabled", "value", "checked", "selected"].includes(key)) el[key] = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** Set text only when it changed, so screen readers and selection are not disturbed. */
export function setText(el, value) {
  const text = value === null || value === undefined ? "—" : String(value);
  if (el.textContent !== text) el.textContent = text;
}

export function show(el, visible) {
  if (el.hidden === visible) el.hidden = !visible;
}
