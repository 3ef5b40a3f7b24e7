// Performs one host operation requested by the wasm core against the Worker's
// bindings. Marshalling only: every decision is made in C++.

const DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org";

export class HostOpError extends Error {}

function requireBinding(env, name) {
  const binding = env[name];
  if (!binding) throw new HostOpError(`the ${name} binding is not configured for this Worker`);
  return binding;
}

// {"$blob": [bytes]} marks a BLOB parameter.
function toD1Value(value) {
  if (value !== null && typeof value === "object" && Array.isArray(value.$blob)) {
    return new Uint8Array(value.$blob);
  }
  return value;
}

function fromD1Value(value) {
  if (value instanceof ArrayBuffer) return { $blob: Array.from(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) return { $blob: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  if (Array.isArray(value)) return { $blob: value };
  return value;
}

function prepare(db, statement) {
  return db.prepare(statement.sql).bind(...(statement.params ?? []).map(toD1Value));
}

function meta(result) {
  return { changes: result?.meta?.changes ?? 0, last_row_id: result?.meta?.last_row_id ?? 0 };
}

// Column order matters to C++ rows, and objects lose duplicate names, so rows
// travel as {columns, rows: [[...]]}.
async function rawRows(statement, limit) {
  const [columns = [], ...rows] = await statement.raw({ columnNames: true });
  const kept = limit === undefined ? rows : rows.slice(0, limit);
  return { columns, rows: kept.map((row) => row.map(fromD1Value)) };
}

function objectRows(results) {
  const columns = results.length > 0 ? Object.keys(results[0]) : [];
  return { columns, rows: results.map((row) => columns.map((c) => fromD1Value(row[c]))) };
}

class TimeoutError extends Error {
  name = "TimeoutError";
}

async function telegramCall(op, env, fetcher, timeoutMs) {
  const token = env.TELEGRAM_BOT_TOKEN;
  if (!token) throw new HostOpError("TELEGRAM_BOT_TOKEN is not set");
  const base = (env.TELEGRAM_API_BASE || DEFAULT_TELEGRAM_API_BASE).replace(/\/+$/, "");
  let response;
  try {
    response = await fetcher(`${base}/bot${token}/${op.method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(op.params ?? {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (error?.name === "TimeoutError" || error?.name === "AbortError") {
      throw new TimeoutError(`Bot API ${op.method}: no answer within ${timeoutMs} ms`);
    }
    throw error;
  }
  // A proxy or error page may echo the URL: never let the token into wasm.
  const text = redactToken(await response.text(), token);
  try {
    return JSON.parse(text);
  } catch {
    return { ok: false, error_code: response.status, description: `non-JSON answer (HTTP ${response.status})` };
  }
}

// bounds.fetchTimeoutMs: how long a Bot API call may take (MITI_FETCH_TIMEOUT_MS).
export async function performOperation(op, env, fetcher = fetch, bounds = {}) {
  switch (op.op) {
    case "kv.get":
      return await requireBinding(env, "KV").get(op.key);
    case "kv.put":
      await requireBinding(env, "KV").put(op.key, op.value, op.ttl ? { expirationTtl: op.ttl } : undefined);
      return null;
    case "kv.delete":
      await requireBinding(env, "KV").delete(op.key);
      return null;
    case "kv.list": {
      const page = await requireBinding(env, "KV").list({ prefix: op.prefix, limit: op.limit, cursor: op.cursor });
      return { keys: page.keys.map((k) => k.name), done: page.list_complete, cursor: page.cursor ?? "" };
    }
    case "d1.all":
      return await rawRows(prepare(requireBinding(env, "DB"), op));
    case "d1.first":
      return await rawRows(prepare(requireBinding(env, "DB"), op), 1);
    case "d1.run":
      return meta(await prepare(requireBinding(env, "DB"), op).run());
    case "d1.batch": {
      const db = requireBinding(env, "DB");
      const results = await db.batch(op.statements.map((s) => prepare(db, s)));
      return results.map((r) => ({ ...objectRows(r.results ?? []), meta: meta(r) }));
    }
    case "telegram":
      return await telegramCall(op, env, fetcher, bounds.fetchTimeoutMs ?? 10_000);
    case "sleep":
      // A timer created in the waiting request's own context (see
      // src/registry/shared_registry.cpp for why requests poll).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(op.ms ?? 1, 60_000))));
      return null;
    default:
      throw new HostOpError(`unknown host operation '${op.op}'`);
  }
}

// Error text that may travel into wasm or a log line, with the token removed.
export function describeError(error, env) {
  let text = String(error?.message ?? error);
  const token = env?.TELEGRAM_BOT_TOKEN;
  return token ? redactToken(text, token) : text;
}

// The token, and its secret part on its own: a page may echo the URL
// percent-encoded ("123456%3AAbC..."), which hides the whole token but not
// the part after ':' (letters, digits, '_' and '-' are never encoded).
function redactToken(text, token) {
  text = text.split(token).join("<redacted>");
  const secret = token.slice(token.indexOf(":") + 1);
  return secret.length >= 8 ? text.split(secret).join("<redacted>") : text;
}
