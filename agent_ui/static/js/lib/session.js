// The signed-in session: the access token in sessionStorage, its expiry, and a clean end.
//
// A session ends when the token's `exp` passes (a timer here), when the server answers 401,
// when a websocket closes with 1008 (expired or revoked), or on signing out, which revokes
// the token on the server too (POST /api/auth/logout). Ending wipes sessionStorage and every page's
// customer data from the DOM *before* going back to the login page, so nothing from the CRM
// is left on screen or in the back/forward cache.

const KEY = "switchboard";
const wipers = [];
let expiryTimer = null;
let ending = false;

function decodeClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    return JSON.parse(atob(padded));
  } catch {
    return null;
  }
}

/** Store a fresh token response from POST /api/auth/token. */
export function begin(token) {
  const claims = decodeClaims(token.access_token);
  const exp = claims?.exp ?? Math.floor(Date.now() / 1000) + (token.expires_in ?? 0);
  const session = { ...token, exp };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** The session if there is one and it has not expired; else null. */
export function current() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
  } catch {
    return null;
  }
  if (!session?.access_token) return null;
  session.exp ??= decodeClaims(session.access_token)?.exp;
  return session.exp && session.exp * 1000 > Date.now() ? session : null;
}

export function homeFor(role) {
  return role === "agent" ? "agent.html" : "board.html";
}

/**
 * The session for a page, or null after sending the visitor to log in. Arms the expiry
 * timer so the page ends itself the moment the token lapses.
 */
export function requireSession() {
  const session = current();
  if (!session) {
    const had = sessionStorage.getItem(KEY) !== null;
    end(had ? "expired" : "login");
    return null;
  }
  clearTimeout(expiryTimer);
  const left = session.exp * 1000 - Date.now();
  expiryTimer = setTimeout(() => end("expired"), Math.min(left, 2 ** 31 - 1));
  return session;
}

/** Register a function that removes this page's sensitive content (run on every end). */
export function onEnd(wipe) {
  wipers.push(wipe);
}

/** End the session: wipe storage and screen, then go to the login page with a reason.
 * Signing out also revokes the token on the server (every tab and socket of this login). */
export function end(reason = "signed-out") {
  if (ending) return;
  ending = true;
  clearTimeout(expiryTimer);
  const token = current()?.access_token;
  if (reason === "signed-out" && token) {
    fetch("/api/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      keepalive: true,
    }).catch(() => {});
  }
  sessionStorage.clear();
  for (const wipe of wipers) {
    try {
      wipe();
    } catch (err) {
      console.error("wipe failed", err);
    }
  }
  document.querySelectorAll("[data-sensitive]").forEach((el) => el.replaceChildren());
  document.querySelectorAll("form").forEach((form) => form.reset());
  document.querySelectorAll("dialog[open]").forEach((d) => d.close());
  location.replace(`index.html?reason=${encodeURIComponent(reason)}`);
}

/** Seconds until the session ends (for tests and the header). */
export function secondsLeft(session = current()) {
  return session ? Math.max(0, session.exp - Date.now() / 1000) : 0;
}
