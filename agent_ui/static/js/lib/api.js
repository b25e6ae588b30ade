// REST calls with the session's bearer token. A 401 ends the session; other failures throw
// an ApiError carrying the server's stable error_id and message.

import { current, end } from "./session.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? body?.detail ?? (status ? `HTTP ${status}` : "network error"));
    this.status = status;
    this.errorId = body?.error_id ?? (status === 404 ? "not-found" : null);
    this.details = body?.details ?? {};
  }
}

export async function api(method, path, body, contentType = "application/json") {
  const session = current();
  if (!session) {
    end("expired");
    throw new ApiError(401, { message: "the session has expired" });
  }
  const headers = { Authorization: `Bearer ${session.access_token}` };
  if (body !== undefined && contentType) headers["Content-Type"] = contentType;
  const raw = contentType !== "application/json";
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined || raw ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { message: "The server cannot be reached; try again in a moment." });
  }
  if (res.status === 401) {
    end("expired");
    throw new ApiError(401, { message: "the session has expired" });
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});
export const put = (path, body) => api("PUT", path, body);
export const patch = (path, body) => api("PATCH", path, body);
/** POST a file's text as it is (CSV, YAML), not as JSON. */
export const upload = (path, text, contentType) => api("POST", path, text, contentType);
/** POST a FormData (a file upload as multipart); the browser sets its boundary. */
export const uploadForm = (path, form) => api("POST", path, form, null);
