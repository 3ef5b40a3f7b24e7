// Helpers shared by the npm scripts: the project root, small readers for the
// project's own config files, running the native tools, and wrangler's
// environment. The readers are hand-rolled on purpose: the formats we read are
// tiny and adding a TOML/dotenv dependency for them is not worth it.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// Set for every wrangler the scripts spawn (scripts/*.sh export the same):
// no usage metrics or error reports, and no fetch of request.cf data.
export const WRANGLER_TELEMETRY_OFF = Object.freeze({
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
});

// build/native/tools/<name>, where `bash scripts/build.sh tools` (or `native`) puts the tools.
export function toolPath(name) {
  return path.join(ROOT, "build/native/tools", name);
}

function missingTool(name) {
  return `${path.relative(ROOT, toolPath(name))} is missing: build it with \`bash scripts/build.sh tools\``;
}

// Runs a native tool with the terminal as its stdio and returns its exit
// status. A missing tool or a failed start is reported as `<label>: ...` and
// returns 1.
export function runTool(name, args, { label = name, cwd = ROOT } = {}) {
  if (!existsSync(toolPath(name))) {
    console.error(`${label}: ${missingTool(name)}`);
    return 1;
  }
  const result = spawnSync(toolPath(name), args, { cwd, stdio: "inherit" });
  if (result.error) {
    console.error(`${label}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

function unquote(value) {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

// KEY=VALUE lines (.env.deploy, .dev.vars). Blank lines and # comments are
// skipped, an optional `export ` prefix and surrounding quotes are dropped.
function parseDotEnv(text) {
  const values = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (match) values[match[1]] = unquote(match[2]);
  }
  return values;
}

export function readDotEnv(file) {
  return existsSync(file) ? parseDotEnv(readFileSync(file, "utf8")) : null;
}

// The string entries of wrangler.toml's top-level [vars] table. Only
// `KEY = "value"` lines are understood, which is all miti's toml uses there.
// Like tools/lib/wrangler_toml.cpp, a header or a value may be followed by a
// `# comment`, and spaces and quotes around header and key names do not count.
export function readTomlVars(file = path.join(ROOT, "wrangler.toml")) {
  const vars = {};
  let inVars = false;
  const bare = (name) => unquote(name.trim());
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      // [table] or [[array-of-tables]], optionally commented; only [vars] is read.
      const header = line.match(/^\[(\[)?\s*([^[\]#]*?)\s*\](\])?\s*(?:#.*)?$/);
      inVars = Boolean(header) && !header[1] && header[2].split(".").map(bare).join(".") === "vars";
      continue;
    }
    if (!inVars) continue;
    const match = line.match(/^([A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')\s*(?:#.*)?$/);
    if (match) vars[bare(match[1])] = match[2].startsWith('"') ? JSON.parse(match[2]) : match[2].slice(1, -1);
  }
  return vars;
}

// The registry for `modules` as miti-manifest prints it (the same C++
// definitions the Worker runs). Rejects with the registry's own message.
export function readManifest(modules) {
  return new Promise((resolve, reject) => {
    const bin = toolPath("miti-manifest");
    if (!existsSync(bin)) {
      reject(new Error(missingTool("miti-manifest")));
      return;
    }
    const args = modules === undefined ? [] : ["--modules", modules];
    execFile(bin, args, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(stderr.trim() || error.message));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (parseError) {
        reject(new Error(`miti-manifest printed invalid JSON: ${parseError.message}`));
      }
    });
  });
}

// Public commands in MODULES order: what Telegram's command menu shows.
export function publicCommands(manifest) {
  return manifest.modules.flatMap((module) =>
    module.commands.filter((c) => c.visibility === "public").map((c) => ({ command: c.name, description: c.description })),
  );
}

// A TCP port that was free on 127.0.0.1 a moment ago.
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Whether nothing listens on 127.0.0.1:`port` right now.
export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
