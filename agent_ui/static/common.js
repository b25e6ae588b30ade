// Shared by the pages: session storage of the token, REST calls, a reconnecting websocket.
export function session() {
  const raw = sessionStorage.getItem("switchboard");
  return raw ? JSON.parse(raw) : null;
}

export async function login(username, password) {
  const body = new URLSearchParams({ username, password });
  const res = await fetch("/api/auth/token", { method: "POST", body });
  const data = await res.json();
  if (!res.ok) throw new Error(data.message || "login failed");
  sessionStorage.setItem("switchboard", JSON.stringify(data));
  return data;
}

export function logout() {
  sessionStorage.removeItem("switchboard");
  location.href = "index.html";
}

export async function api(method, path, body) {
  const s = session();
  const res = await fetch(path, {
    method,
    headers: { "Authorization": `Bearer ${s.access_token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) logout();
  const data = await res.json();
  if (!res.ok) throw new Error(data.message || res.statusText);
  return data;
}

// Opens path with the token, calls onMessage for each message, reconnects with backoff.
export function live(path, onMessage, onStatus) {
  let delay = 500;
  const connect = () => {
    const s = session();
    if (!s) return logout();
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}${path}?token=${encodeURIComponent(s.access_token)}`);
    ws.onopen = () => { delay = 500; onStatus("live"); };
    ws.onmessage = (e) => onMessage(JSON.parse(e.data), ws);
    ws.onclose = (e) => {
      if (e.code === 1008) return logout();
      onStatus("reconnecting");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 8000);
    };
  };
  connect();
}

export function text(el, value) { el.textContent = value ?? "—"; }

export function esc(value) {
  const d = document.createElement("div");
  d.textContent = value ?? "";
  return d.innerHTML;
}
