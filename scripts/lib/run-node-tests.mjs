// Runs node test files N at a time, in the order given, with the spec reporter:
//   node scripts/lib/run-node-tests.mjs --concurrency N file...
// `node --test` sorts its files by path before it starts them; scripts/test.sh wants the longest
// files started first, so that the short ones fill in beside them instead of a long one running
// alone at the end. Exits 1 when a test fails (a failing todo test does not count, as with
// `node --test`). Each file exits once its tests and hooks are done (forceExit, below).
import { run } from "node:test";
import { spec } from "node:test/reporters";
import { parseArgs } from "node:util";

const { values, positionals: files } = parseArgs({
  options: { concurrency: { type: "string", default: "1" } },
  allowPositionals: true,
});
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || files.length === 0) {
  console.error("usage: node scripts/lib/run-node-tests.mjs --concurrency N file...");
  process.exit(2);
}

// forceExit: a file ends when its tests and hooks have, even if something it started is still
// open. A Miniflare whose dispose() had resolved once left its workerd running, and the file's
// process, every test passed, then held the whole run until CI's time limit.
const stream = run({ files, concurrency, forceExit: true });
stream.on("test:fail", (event) => {
  if (!event.todo) process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
