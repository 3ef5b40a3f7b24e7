// The webhook secret comes before everything else. An unauthenticated request
// (wrong, empty or missing X-Telegram-Bot-Api-Secret-Token) is 401 without the
// body being read and without any wasm work: a fresh isolate hit only by such
// requests never even creates a wasm instance. A Worker whose
// TELEGRAM_WEBHOOK_SECRET is unset or unusable refuses every webhook call
// with 500 and one log line that says why (never 200, never wasm).
// secretMatches and secretProblem (js-shim/app.mjs) are tested here directly.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { secretMatches, secretProblem } from "../../js-shim/app.mjs";
import http from "node:http";
import path from "node:path";
import { ROOT, SECRET, startWorker, textUpdate, webhookReply, withLogs, isRequestLine, parseJsonLines } from "./harness.mjs";

const MiB = 1024 * 1024;
const UNSET_SECRET_WORKER = path.join(ROOT, "tests/worker/unset_secret_worker.mjs");

// How many wasm instances the Worker has created so far (one log line each).
function instancesCreated(w) {
  return parseJsonLines(w.logs).filter((l) => l.msg === "wasm instance created").length;
}

// Sends `update` with exactly the given header value (null: no header at all).
function post(w, { header, body = JSON.stringify(textUpdate("/ping")) } = {}) {
  const headers = { "content-type": "application/json" };
  if (header !== null && header !== undefined) headers["x-telegram-bot-api-secret-token"] = header;
  return w.fetch("/webhook", { method: "POST", headers, body });
}

// Starts a POST /webhook that announces `total` bytes but sends only the
// first `sent`, straight to the Worker's socket, and resolves to the status
// of an answer that comes before the rest of the body, or "no answer" after
// `waitMs`. (A complete 5 MiB body cannot be used to see a 401: workerd
// answers without reading it and resets the connection while the client is
// still writing, so the client sees ECONNRESET instead of the answer.)
async function answerBeforeBody(w, header, { total, sent, waitMs = 3000 }) {
  const url = await w.mf.ready;
  return new Promise((resolve) => {
    const headers = { "content-type": "application/json", "content-length": String(total) };
    if (header !== null) headers["x-telegram-bot-api-secret-token"] = header;
    const request = http.request(new URL("/webhook", url), { method: "POST", headers, agent: false }, (response) => {
      response.resume();
      request.destroy();
      resolve(response.statusCode);
    });
    const timer = setTimeout(() => {
      request.destroy();
      resolve("no answer");
    }, waitMs);
    request.on("close", () => clearTimeout(timer));
    request.on("error", () => {});  // the connection is cut on purpose
    request.write(Buffer.alloc(sent, "x"));
  });
}

describe("secretMatches", () => {
  test("equal strings match", () => {
    assert.equal(secretMatches(SECRET, SECRET), true);
    assert.equal(secretMatches("a".repeat(256), "a".repeat(256)), true);
    assert.equal(secretMatches("x", "x"), true, "length alone decides nothing");
  });

  test("different strings of the same length do not match", () => {
    assert.equal(secretMatches("test-secret-0123456788", SECRET), false);
    assert.equal(secretMatches(SECRET.toUpperCase(), SECRET), false);
    assert.equal(secretMatches("X" + SECRET.slice(1), SECRET), false, "first byte differs");
    assert.equal(secretMatches(SECRET.slice(0, -1) + "X", SECRET), false, "last byte differs");
  });

  test("a prefix of the secret does not match", () => {
    for (let length = 0; length < SECRET.length; length++) {
      assert.equal(secretMatches(SECRET.slice(0, length), SECRET), false, `first ${length} characters`);
    }
  });

  test("the secret with more after it does not match", () => {
    assert.equal(secretMatches(SECRET + "x", SECRET), false);
    assert.equal(secretMatches(SECRET + SECRET, SECRET), false, "the secret repeated");
    assert.equal(secretMatches(SECRET + "\0", SECRET), false);
    assert.equal(secretMatches(" " + SECRET, SECRET), false);
  });

  test("an empty given secret never matches", () => {
    assert.equal(secretMatches("", SECRET), false);
    assert.equal(secretMatches("", ""), false, "an empty expected secret matches nothing, not even ''");
  });

  test("null and undefined never match, on either side", () => {
    for (const missing of [null, undefined]) {
      assert.equal(secretMatches(missing, SECRET), false);
      assert.equal(secretMatches(SECRET, missing), false);
      assert.equal(secretMatches(missing, missing), false);
      assert.equal(secretMatches("", missing), false);
    }
    assert.equal(secretMatches("undefined", undefined), false, "not String(undefined)");
    assert.equal(secretMatches("null", null), false, "not String(null)");
  });

  test("non-ASCII: compared as UTF-8 bytes, equal only when identical", () => {
    assert.equal(secretMatches("pässwörd-0123456789", "pässwörd-0123456789"), true);
    assert.equal(secretMatches("passwort-0123456789", "pässwörd-0123456789"), false);
    // Same number of UTF-16 units, different UTF-8 lengths.
    assert.equal(secretMatches("ä".repeat(16), "a".repeat(16)), false);
    assert.equal(secretMatches("a".repeat(32), "ä".repeat(16)), false, "same byte length, different bytes");
    // Composed and decomposed é look alike but are different bytes.
    assert.equal(secretMatches("caf\u00e9-0123456789", "cafe\u0301-0123456789"), false);
    assert.equal(secretMatches("🔑-0123456789abcdef", "🔑-0123456789abcdef"), true);
    assert.equal(secretMatches("🔒-0123456789abcdef", "🔑-0123456789abcdef"), false);
  });
});

describe("secretProblem", () => {
  test("a usable secret has no problem: 16 to 256 of A-Z a-z 0-9 _ -", () => {
    for (const secret of [SECRET, "a".repeat(16), "Z".repeat(256), "AZaz09_-AZaz09_-", "________________", "----------------"]) {
      assert.equal(secretProblem(secret), null, secret);
    }
  });

  test("unset, empty, null: 'not set'", () => {
    for (const secret of [undefined, null, ""]) {
      assert.match(secretProblem(secret), /TELEGRAM_WEBHOOK_SECRET is not set/, String(secret));
    }
  });

  test("too short, too long, or outside Telegram's alphabet: a message naming the rule", () => {
    const bad = [
      "undefined",                // what String(undefined) would give
      "a".repeat(15),
      "a".repeat(257),
      "has space 0123456789",
      "tab\there-0123456789",
      SECRET + "\n",              // a trailing newline (pasted from a file)
      "\n" + SECRET,
      "pässwörd-0123456789",
      "secret.with.dots.0123",
      "secret+plus/slash=0123",
    ];
    for (const secret of bad) {
      const problem = secretProblem(secret);
      assert.ok(problem, `${JSON.stringify(secret)} is refused`);
      assert.match(problem, /TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -/);
      assert.ok(!problem.includes(secret), "the message does not echo the secret");
    }
  });
});

describe("unauthenticated requests never reach wasm", () => {
  test("an unauthenticated 5 MiB body is 401 before it is read, with no 'update ignored' line", async () => {
    const w = await startWorker();
    try {
      for (const header of [null, "", "wrong", SECRET.slice(0, -1)]) {
        // 64 KiB of the announced 5 MiB: the 401 must come without the rest.
        const { result: status, lines } = await withLogs(w, () => answerBeforeBody(w, header, { total: 5 * MiB, sent: 64 * 1024 }));
        assert.equal(status, 401, `header ${JSON.stringify(header)}`);
        assert.deepEqual(lines.filter((l) => !isRequestLine(l)), [], "nothing logged but the request line");
        assert.ok(!lines.some((l) => /ignored/i.test(l.msg ?? "")));
        assert.equal(lines.find(isRequestLine).status, 401);
      }
      assert.equal(instancesCreated(w), 0);
      // The check really is the absence of a body: with the secret, the
      // Worker waits for the rest of it.
      assert.equal(await answerBeforeBody(w, SECRET, { total: 5 * MiB, sent: 64 * 1024, waitMs: 1500 }), "no answer");
      assert.equal(instancesCreated(w), 0);
      // The same body with the secret is read, found too large and ignored.
      const { result: response, lines } = await withLogs(w, () => post(w, { header: SECRET, body: "x".repeat(5 * MiB) }), { timeoutMs: 15_000 });
      assert.equal(response.status, 200);
      assert.ok(lines.some((l) => l.msg === "update ignored" && /too large/.test(l.reason)), JSON.stringify(lines));
    } finally {
      await w.dispose();
    }
  });

  test("a fresh worker hit only by unauthenticated requests creates no wasm instance; one authenticated request creates exactly one", async () => {
    const w = await startWorker();
    try {
      const unauthenticated = [
        () => post(w, { header: null }),
        () => post(w, { header: "" }),
        () => post(w, { header: "undefined" }),
        () => post(w, { header: "wrong" }),
        () => post(w, { header: SECRET + "x" }),
        () => post(w, { header: SECRET.slice(0, -1) }),
        () => post(w, { header: "wrong", body: "[]" }),
        () => post(w, { header: "wrong", body: "" }),
      ];
      for (const send of unauthenticated) {
        const response = await send();
        assert.equal(response.status, 401);
        await response.arrayBuffer();
      }
      // Neither do the health check and unknown routes.
      for (const [url, method] of [["/", "GET"], ["/nope", "GET"], ["/webhook", "GET"]]) {
        const response = await w.fetch(url, { method, headers: { "x-telegram-bot-api-secret-token": SECRET } });
        await response.arrayBuffer();
      }
      // Concurrent unauthenticated requests too.
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => post(w, { header: `wrong-${i}` })));
      for (const response of burst) {
        assert.equal(response.status, 401);
        await response.arrayBuffer();
      }
      assert.equal(instancesCreated(w), 0, "no wasm instance for unauthenticated requests");
      assert.equal(w.calls.length, 0);

      const { result: response } = await withLogs(w, () => w.webhook(textUpdate("/ping")));
      assert.equal((await webhookReply(response)).text, "pong");
      assert.equal(instancesCreated(w), 1, "the first authenticated request creates the instance");
      const again = await w.webhook(textUpdate("/ping"));
      assert.equal((await webhookReply(again)).text, "pong");
      const refused = await post(w, { header: "wrong" });
      assert.equal(refused.status, 401);
      await refused.arrayBuffer();
      assert.equal(instancesCreated(w), 1, "and it is reused");
    } finally {
      await w.dispose();
    }
  });
});

describe("a misconfigured TELEGRAM_WEBHOOK_SECRET refuses every webhook call", () => {
  const HEADERS = [null, "", "undefined"];

  // A Worker with `secret`; undefined: the variable is not set at all.
  function workerWith(secret) {
    return secret === undefined ? startWorker({ scriptPath: UNSET_SECRET_WORKER }) : startWorker({ bindings: { TELEGRAM_WEBHOOK_SECRET: secret } });
  }

  // Every header in HEADERS (and extraHeaders) against a Worker with
  // `secret`; returns the statuses seen.
  async function statusesWith(secret, extraHeaders = []) {
    const w = await workerWith(secret);
    try {
      const statuses = [];
      for (const header of [...HEADERS, ...extraHeaders]) {
        const response = await post(w, { header });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      return { statuses, instances: instancesCreated(w), calls: w.calls.length, logs: w.logs };
    } finally {
      await w.dispose();
    }
  }

  for (const [name, secret] of [
    ["unset", undefined],
    ["empty", ""],
    ['the string "undefined"', "undefined"],
  ]) {
    test(`secret ${name}: 500 for a missing, empty or "undefined" header; never 200, never wasm`, async () => {
      const seen = await statusesWith(secret, [SECRET, "wrong"]);
      assert.deepEqual(seen.statuses, [500, 500, 500, 500, 500]);
      assert.equal(seen.instances, 0);
      assert.equal(seen.calls, 0);
      const refusals = parseJsonLines(seen.logs).filter((l) => l.level === "error" && /refusing webhook calls/.test(l.msg));
      assert.equal(refusals.length, 5, "one line per request");
    });
  }

  test('a proper secret: 401 for a missing, empty or "undefined" header; never 200, never wasm', async () => {
    const seen = await statusesWith(SECRET);
    assert.deepEqual(seen.statuses, [401, 401, 401]);
    assert.equal(seen.instances, 0);
  });

  test("the 'unset' case above really has no TELEGRAM_WEBHOOK_SECRET", async () => {
    const w = await workerWith(undefined);
    try {
      const { lines } = await withLogs(w, () => post(w, { header: null }));
      const line = lines.find((l) => !isRequestLine(l));
      assert.match(line.msg, /TELEGRAM_WEBHOOK_SECRET is not set/);
    } finally {
      await w.dispose();
    }
  });

  for (const [name, secret] of [
    ["with a space", "has space 0123456789"],
    ["of 257 characters", "a".repeat(257)],
    ["of 15 characters", "a".repeat(15)],
    ["of 1 character", "x"],
  ]) {
    test(`a secret Telegram would reject or that is too short (${name}): 500, one clear log line per request, no wasm`, async () => {
      const w = await startWorker({ bindings: { TELEGRAM_WEBHOOK_SECRET: secret } });
      try {
        // Even the "right" header is refused: the secret itself is unusable.
        for (const header of [secret, null, "wrong"]) {
          const { result: response, lines } = await withLogs(w, () => post(w, { header }));
          assert.equal(response.status, 500, `header ${JSON.stringify(header)}`);
          await response.arrayBuffer();
          const explained = lines.filter((l) => !isRequestLine(l));
          assert.equal(explained.length, 1, JSON.stringify(explained));
          assert.equal(explained[0].level, "error");
          assert.equal(
            explained[0].msg,
            "refusing webhook calls: TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's secret_token alphabet)",
          );
          if (secret.length >= 8) assert.ok(!JSON.stringify(explained[0]).includes(secret), "the line does not echo the secret");
          assert.equal(lines.find(isRequestLine).status, 500);
        }
        assert.equal(instancesCreated(w), 0);
        assert.equal(w.calls.length, 0);
        // Routes other than the webhook are unaffected.
        assert.equal((await w.fetch("/")).status, 200);
      } finally {
        await w.dispose();
      }
    });
  }
});
