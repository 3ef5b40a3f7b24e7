// Small readers for the project's own config files, shared by register and the
// chat console. Hand-rolled on purpose: the formats we read are tiny and
// adding a TOML/dotenv dependency for them is not worth it.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const MANIFEST_BIN = path.join(ROOT, "build/native/tools/miti-manifest");

function unquote(value) {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

// KEY=VALUE lines (.env.deploy, .dev.vars). Blank lines and # comments are
// skipped, an optional `export ` prefix and surrounding quotes are dropped.
export function parseDotEnv(text) {
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
export function readTomlVars(file = path.join(ROOT, "wrangler.toml")) {
  const vars = {};
  let inVars = false;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inVars = line === "[vars]";
      continue;
    }
    if (!inVars) continue;
    const match = line.match(/^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')\s*(#.*)?$/);
    if (match) vars[match[1]] = match[2].startsWith('"') ? JSON.parse(match[2]) : match[2].slice(1, -1);
  }
  return vars;
}

// The registry for `modules` as miti-manifest prints it (the same C++
// definitions the Worker runs). Rejects with the registry's own message.
export function readManifest(modules) {
  return new Promise((resolve, reject) => {
    if (!existsSync(MANIFEST_BIN)) {
      reject(new Error(`${path.relative(ROOT, MANIFEST_BIN)} is missing: build it with \`bash scripts/build.sh native\``));
      return;
    }
    const args = modules === undefined ? [] : ["--modules", modules];
    execFile(MANIFEST_BIN, args, (error, stdout, stderr) => {
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
