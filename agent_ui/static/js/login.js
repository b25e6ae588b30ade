// The login page: the OAuth2 password flow, then the desktop or the board by role.

import { byId } from "./lib/dom.js";
import { begin, current, homeFor } from "./lib/session.js";

const NOTICES = {
  expired: "Your session has expired. Log in again to continue.",
  "signed-out": "You have signed out.",
  refused: "The server ended this session. Log in again to continue.",
};

const reason = new URLSearchParams(location.search).get("reason");
const existing = current();
if (existing && !reason) location.replace(homeFor(existing.role));

if (reason && NOTICES[reason]) {
  const notice = byId("notice");
  notice.textContent = NOTICES[reason];
  notice.hidden = false;
}

const form = byId("login-form");
const error = byId("login-error");
byId("username").focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    error.textContent = "Enter your login and password.";
    (username ? form.password : form.username).focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const res = await fetch("/api/auth/token", {
      method: "POST",
      body: new URLSearchParams({ username, password }),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.message ?? "Login failed.");
    const session = begin(data);
    location.replace(homeFor(session.role));
  } catch (err) {
    const text = err instanceof TypeError ? "The server cannot be reached." : err.message;
    error.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    form.password.select();
    button.disabled = false;
  }
});
