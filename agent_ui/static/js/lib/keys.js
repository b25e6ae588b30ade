// Keyboard shortcuts, matched by physical key (event.code) so they work on any layout.
// Each binding carries the description the page's shortcut list shows.

const bindings = [];

/** bind("Alt+A", "Answer the ringing call", handler). Also sets aria-keyshortcuts on `target`. */
export function bind(combo, description, handler, target = null) {
  bindings.push({ combo, description, handler, ...parse(combo) });
  if (target) target.setAttribute("aria-keyshortcuts", combo);
}

export function list() {
  return bindings.map(({ combo, description }) => ({ combo, description }));
}

function parse(combo) {
  const parts = combo.split("+");
  const key = parts.pop();
  return {
    alt: parts.includes("Alt"),
    ctrl: parts.includes("Control"),
    shift: parts.includes("Shift"),
    key,
  };
}

function codeFor(key) {
  if (/^[A-Z]$/.test(key)) return `Key${key}`;
  if (/^[0-9]$/.test(key)) return `Digit${key}`;
  return null;
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function matches(event, binding) {
  if (event.altKey !== binding.alt || event.ctrlKey !== binding.ctrl || event.metaKey) return false;
  const code = codeFor(binding.key);
  if (code) return event.code === code && event.shiftKey === binding.shift;
  // A printable key without Alt (like "?") must not fire while the person is typing.
  return event.key === binding.key && (binding.alt || !typing(event.target));
}

document.addEventListener("keydown", (event) => {
  if (event.repeat) return;
  const binding = bindings.find((b) => matches(event, b));
  if (!binding) return;
  event.preventDefault();
  binding.handler(event);
});
