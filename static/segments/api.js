// fetch() for the REST API from session-authenticated pages: JSON in and out, the CSRF token on
// writes, and errors in the API's one shape ({code, message, details}) thrown as ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }

  // The first rule error's {path, message}, when the API refused a rule.
  ruleError() {
    const rule = this.body.details && this.body.details.rule;
    if (Array.isArray(rule) && rule.length && typeof rule[0] === "object") return rule[0];
    return null;
  }

  describe() {
    const rule = this.ruleError();
    if (rule) return rule.message;
    const details = this.body.details;
    if (details && typeof details === "object") {
      const first = Object.entries(details)[0];
      if (first) return `${first[0] === "non_field_errors" ? "" : first[0] + ": "}${[].concat(first[1]).join(" ")}`;
    }
    return this.message;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) return meta.content;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function api(url, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (error) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
