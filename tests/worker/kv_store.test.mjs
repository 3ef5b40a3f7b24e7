// Issue 3, KVStore against Miniflare's real KV: paging over more than 1,000
// keys, per-module prefixes (two modules cannot see each other's keys), get /
// put / delete, TTL and key-size limits, corrupt JSON.
// Every test starts its own Worker on an empty KV: none relies on another's keys.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { startWorker, textUpdate, webhookReply, withLogs, allKvKeys, isRequestLine } from "./harness.mjs";

describe("KVStore", () => {
  let w;
  let kv;

  // A fresh Worker for test `t`, disposed when the test ends.
  async function fresh(t) {
    w = await startWorker();
    t.after(() => w.dispose());
    kv = await w.mf.getKVNamespace("KV");
    assert.deepEqual(await allKvKeys(w.mf), [], "KV starts empty");
  }

  async function say(text) {
    const response = await w.webhook(textUpdate(text));
    assert.equal(response.status, 200, text);
    return (await webhookReply(response))?.text ?? null;
  }

  test("two modules cannot see each other's keys; keys are stored as <module>:<key>", async (t) => {
    await fresh(t);
    // selftest stores its own "last_ping" (corrupt for misc's purposes)...
    assert.equal(await say('/kvput last_ping {"at":"selftest-was-here"}'), "put ok");
    assert.equal(await kv.get("selftest:last_ping"), '{"at":"selftest-was-here"}');
    // ... which misc never sees: its own last_ping is still missing.
    assert.equal(await say("/mstats"), "last ping: never");

    // misc writes misc:last_ping; selftest's view of its own key is unchanged.
    assert.equal(await say("/ping"), "pong");
    const miscRecord = JSON.parse(await kv.get("misc:last_ping"));
    assert.match(miscRecord.at, /^\d{4}-/);
    assert.equal(await say("/kvget last_ping"), 'value: {"at":"selftest-was-here"}');
    assert.equal(await say("/mstats"), `last ping: ${miscRecord.at}`);

    // Keys of other modules (and look-alike prefixes) never show up in selftest's list.
    await kv.put("misc:secret", "m");
    await kv.put("selftestx:lookalike", "x");
    await kv.put("selftest", "bare");
    await kv.put("other:selftest:nested", "n");
    assert.equal(await say("/kvkeys"), "keys: last_ping");
    assert.equal(await say("/kvget secret"), "missing");
    assert.equal(await say("/kvcount"), "count 1 pages 1 largest 1 prefixed ordered");

    const stored = await allKvKeys(w.mf);
    assert.ok(stored.includes("misc:last_ping"));
    assert.ok(stored.includes("selftest:last_ping"));
    assert.ok(!stored.includes("last_ping"), "no unprefixed key");
  });

  test("get, put and delete round trip through the module prefix", async (t) => {
    await fresh(t);
    assert.equal(await say("/kvget color"), "missing");
    assert.equal(await say("/kvput color blue"), "put ok");
    assert.equal(await kv.get("selftest:color"), "blue");
    assert.equal(await say("/kvget color"), "value: blue");
    assert.equal(await say("/kvput color green"), "put ok");
    assert.equal(await say("/kvget color"), "value: green");
    assert.equal(await say("/kvdel color"), "deleted");
    assert.equal(await kv.get("selftest:color"), null);
    assert.equal(await say("/kvget color"), "missing");
    assert.equal(await say("/kvdel color"), "deleted", "deleting a missing key is fine");
  });

  test("paging over more than 1,000 keys: every key seen once, pages of at most 1,000", async (t) => {
    await fresh(t);
    const total = 1234;
    assert.equal(await say("/kvput other v"), "put ok");
    // Three fills at once (they interleave on one instance).
    const fills = await Promise.all([
      say("/kvfill page: 0 500"),
      say("/kvfill page: 500 500"),
      say(`/kvfill page: 1000 ${total - 1000}`),
    ]);
    assert.deepEqual(fills, ["filled 500", "filled 500", `filled ${total - 1000}`]);
    const stored = (await allKvKeys(w.mf)).filter((k) => k.startsWith("selftest:page:"));
    assert.equal(stored.length, total, "stored with the module prefix");
    assert.equal(stored[0], "selftest:page:000000");
    assert.equal(stored.at(-1), `selftest:page:${String(total - 1).padStart(6, "0")}`);

    assert.equal(await say("/kvcount page:"), `count ${total} pages 2 largest 1000 prefixed ordered`);
    // A prefix inside the module's keys narrows the listing.
    assert.equal(await say("/kvcount page:0011"), "count 100 pages 1 largest 100 prefixed ordered");
    // The whole module: the pages plus "other", nothing of misc.
    assert.equal(await say("/ping"), "pong");
    assert.ok(await kv.get("misc:last_ping"));
    assert.equal(await say("/kvcount"), `count ${total + 1} pages 2 largest 1000 prefixed ordered`);
    // One page as list() gives it: prefix stripped.
    const page = await say("/kvkeys page:00123");
    assert.equal(page, "keys: page:001230 page:001231 page:001232 page:001233");
  });

  test("a TTL under 60 s is a clear error and writes nothing; 60 s and more work", async (t) => {
    await fresh(t);
    for (const ttl of [59, 1, 0, -5]) {
      const answer = await say(`/kvput shortlived v ${ttl}`);
      assert.match(answer, /^usage error: /, `ttl ${ttl}`);
      assert.match(answer, /TTL/);
      assert.match(answer, /60/);
      assert.match(answer, new RegExp(`got ${ttl}\\b`));
      assert.equal(await kv.get("selftest:shortlived"), null, `ttl ${ttl}: nothing written`);
    }
    const before = Date.now();
    assert.equal(await say("/kvput shortlived v 60"), "put ok");
    assert.equal(await say("/kvput longer v 3600"), "put ok");
    assert.equal(await say("/kvput plain v"), "put ok");
    const byName = {};
    for (const name of ["shortlived", "longer", "plain"]) {
      const { keys } = await kv.list({ prefix: `selftest:${name}` });
      for (const key of keys) byName[key.name] = key;
    }
    const short = byName["selftest:shortlived"];
    assert.ok(short?.expiration, "the key carries an expiration");
    assert.ok(Math.abs(short.expiration - (before / 1000 + 60)) < 30, `expires in about 60 s (${short.expiration})`);
    assert.ok(Math.abs(byName["selftest:longer"].expiration - (before / 1000 + 3600)) < 30);
    assert.ok(byName["selftest:plain"], "the plain key is stored");
    assert.equal(byName["selftest:plain"].expiration, undefined, "no TTL unless asked");
  });

  test("a key over 512 bytes after prefixing is a clear error and nothing is written", async (t) => {
    await fresh(t);
    const prefix = "selftest:";
    const fits = 512 - prefix.length;
    assert.equal(await say(`/kvlongkey ${fits}`), "put ok");
    const stored = (await allKvKeys(w.mf)).filter((k) => /^selftest:k+$/.test(k));
    assert.deepEqual(stored.map((k) => k.length), [512]);

    const keysBefore = await allKvKeys(w.mf);
    for (const bytes of [fits + 1, 600, 4096]) {
      const answer = await say(`/kvlongkey ${bytes}`);
      assert.match(answer, /^usage error: /, `${bytes} bytes`);
      assert.match(answer, new RegExp(`${bytes + prefix.length} bytes`));
      assert.match(answer, /512/);
      assert.match(answer, /selftest:/, "the error names the prefix");
    }
    assert.deepEqual(await allKvKeys(w.mf), keysBefore, "nothing written");
  });

  test("corrupt JSON reads as missing, with one warning line", async (t) => {
    await fresh(t);
    assert.equal(await say("/mstats"), "last ping: never");  // the instance exists: its creation is not logged below
    await kv.put("misc:last_ping", "{not json");
    const { result, lines } = await withLogs(w, () => w.webhook(textUpdate("/mstats")));
    assert.equal((await webhookReply(result)).text, "last ping: never");
    const warnings = lines.filter((l) => !isRequestLine(l));
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0].level, "warn");
    assert.match(warnings[0].msg, /corrupt JSON/i);
    assert.equal(warnings[0].key, "misc:last_ping");
    // /ping repairs it.
    assert.equal(await say("/ping"), "pong");
    assert.match(await say("/mstats"), /^last ping: \d{4}-/);
  });
});
