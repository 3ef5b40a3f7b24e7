// Code size per function of a wasm module, from its code section and its
// "name" custom section (function names, subsection 1). Used by `npm run bench`
// on a names-preserving build (linked with --profiling-funcs); also a CLI:
//   node bench/wasm_functions.mjs build/wasm-names/miti.wasm [top]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const SECTION = { custom: 0, import: 2, code: 10 };

class Reader {
  constructor(bytes, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
  }
  byte() {
    if (this.offset >= this.end) throw new Error(`wasm: read past the end at ${this.offset}`);
    return this.bytes[this.offset++];
  }
  // Unsigned LEB128, up to 32 bits (all the counts and sizes read here).
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 35) throw new Error("wasm: LEB128 too long");
    }
  }
  // Signed LEB128 (only skipped: import limits and globals use it).
  skipLeb() {
    while (this.byte() & 0x80);
  }
  name() {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }
  skip(n) {
    this.offset += n;
  }
}

// Imports of kind 0 (function) take the first function indices: the code
// section's i-th body is function number importedFunctions + i.
function countImportedFunctions(reader) {
  let functions = 0;
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    reader.name();  // module
    reader.name();  // field
    const kind = reader.byte();
    switch (kind) {
      case 0:  // function: type index
        reader.u32();
        functions++;
        break;
      case 1: {  // table: reftype, limits
        reader.byte();
        const flags = reader.byte();
        reader.u32();
        if (flags & 1) reader.u32();
        break;
      }
      case 2: {  // memory: limits
        const flags = reader.byte();
        reader.u32();
        if (flags & 1) reader.u32();
        break;
      }
      case 3:  // global: valtype, mutability
        reader.byte();
        reader.byte();
        break;
      case 4:  // tag (exception handling): attribute, type index
        reader.byte();
        reader.u32();
        break;
      default:
        throw new Error(`wasm: unknown import kind ${kind}`);
    }
  }
  return functions;
}

// Returns {sections, importedFunctions, functions: [{index, name, bytes}]},
// functions in code-section order; bytes is the body size (its size prefix excluded).
export function readFunctions(bytes) {
  const magic = bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) throw new Error("not a wasm module");
  const reader = new Reader(bytes, 8);
  const sections = [];
  let importedFunctions = 0;
  let bodies = [];
  const names = new Map();
  while (reader.offset < bytes.length) {
    const id = reader.byte();
    const size = reader.u32();
    const start = reader.offset;
    const end = start + size;
    const section = { id, bytes: size };
    if (id === SECTION.custom) {
      const inner = new Reader(bytes, start, end);
      section.name = inner.name();
      if (section.name === "name") {
        while (inner.offset < end) {
          const sub = inner.byte();
          const subSize = inner.u32();
          const subEnd = inner.offset + subSize;
          if (sub === 1) {  // function names: vec(index, name)
            const count = inner.u32();
            for (let i = 0; i < count; i++) {
              const index = inner.u32();
              names.set(index, inner.name());
            }
          }
          inner.offset = subEnd;
        }
      }
    } else if (id === SECTION.import) {
      importedFunctions = countImportedFunctions(new Reader(bytes, start, end));
    } else if (id === SECTION.code) {
      const inner = new Reader(bytes, start, end);
      const count = inner.u32();
      bodies = new Array(count);
      for (let i = 0; i < count; i++) {
        const bodySize = inner.u32();
        bodies[i] = bodySize;
        inner.skip(bodySize);
      }
    }
    sections.push(section);
    reader.offset = end;
  }
  const functions = bodies.map((size, i) => {
    const index = importedFunctions + i;
    return { index, name: names.get(index) ?? `function[${index}]`, bytes: size };
  });
  return { sections, importedFunctions, namedFunctions: names.size, functions };
}

// Names the linker could not demangle (a few Itanium names survive) go
// through c++filt when the machine has it; otherwise they stay mangled.
export function demangleAll(names) {
  const mangled = [...new Set(names.filter((n) => n.startsWith("_Z")))];
  const out = new Map();
  if (mangled.length === 0) return out;
  for (const tool of ["llvm-cxxfilt", "c++filt"]) {
    const result = spawnSync(tool, [], { input: `${mangled.join("\n")}\n`, encoding: "utf8" });
    if (result.status !== 0 || !result.stdout) continue;
    const lines = result.stdout.split("\n");
    mangled.forEach((name, i) => {
      if (lines[i] && lines[i] !== name) out.set(name, lines[i]);
    });
    break;
  }
  return out;
}

// The qualified name a function is defined under: the part before its
// parameter list, without the return type, as "a::b::c".
export function qualifiedName(name) {
  const text = name.replaceAll("(anonymous namespace)", "{anon}");
  let depth = 0;
  let cut = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "<") depth++;
    else if (c === ">") depth = Math.max(0, depth - 1);
    else if (c === "(" && depth === 0) {
      // "operator()(" : the first "()" belongs to the name.
      if (text.endsWith("operator", i) && text[i + 1] === ")") {
        i++;
        continue;
      }
      cut = i;
      break;
    }
  }
  const head = text.slice(0, cut).trim();
  // The last space outside template arguments starts the name (before it: the return type).
  depth = 0;
  let from = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === "<") depth++;
    else if (c === ">") depth = Math.max(0, depth - 1);
    else if (c === " " && depth === 0 && !head.startsWith("operator", i + 1) && !head.endsWith("operator", i)) from = i + 1;
  }
  return head.slice(from);
}

// Which part of the program a function belongs to, from the first component
// of its qualified name. Module sources use their own namespaces (remind::,
// notes_module::, util_module::) or a top-level anonymous namespace, which the
// core never uses (its anonymous namespaces sit inside miti::).
const MODULE_NAMESPACES = new Set(["remind", "notes_module", "util_module", "{anon}"]);
export const OWNERS = ["modules (modules/*)", "miti::", "nlohmann::", "std::", "libc / C++ runtime", "other"];
export function ownerOf(name) {
  const qualified = qualifiedName(name);
  const first = qualified.split("::")[0].replace(/<.*$/, "");
  if (MODULE_NAMESPACES.has(first) || /^miti_module_/.test(qualified)) return OWNERS[0];
  if (first === "miti" || /^miti_/.test(qualified)) return OWNERS[1];
  if (first === "nlohmann") return OWNERS[2];
  if (first === "std") return OWNERS[3];
  if (!qualified.includes("::") || ["__cxxabiv1", "abi", "__cxxabiv"].includes(first) || /^operator (new|delete)/.test(qualified)) {
    return OWNERS[4];
  }
  return OWNERS[5];
}

// Coroutine frames split into clones: "f (.resume)", "f (.destroy)", "f (.cleanup)"
// (sometimes with a ".1" suffix after the linker dedups names).
export const isCoroutineClone = (name) => /\(\.(resume|destroy|cleanup)\)(\.\d+)?$/.test(name);

// Shortened for a table: drops libc++'s inline namespace and long template
// argument lists, then cuts in the middle.
export function shortName(name, max = 100) {
  let short = name.replaceAll("std::__2::", "std::").replaceAll("nlohmann::json_abi_v3_11_2::", "nlohmann::");
  short = short.replace(
    /nlohmann::basic_json<std::map, std::vector, std::basic_string<char, std::char_traits<char>, std::allocator<char> >, bool, long long, unsigned long long, double, std::allocator, nlohmann::adl_serializer, std::vector<unsigned char, std::allocator<unsigned char> > >/g,
    "json",
  );
  short = short.replace(/std::basic_string<char, std::char_traits<char>, std::allocator<char> >/g, "std::string");
  if (short.length <= max) return short;
  const head = Math.ceil((max - 1) * 0.7);
  return `${short.slice(0, head)}…${short.slice(short.length - (max - 1 - head))}`;
}

export function summarize(bytes, top = 20) {
  const { sections, importedFunctions, namedFunctions, functions } = readFunctions(bytes);
  const demangled = demangleAll(functions.map((f) => f.name));
  for (const f of functions) {
    f.name = demangled.get(f.name) ?? f.name;
    f.owner = ownerOf(f.name);
    f.clone = isCoroutineClone(f.name);
  }
  const codeBytes = sections.find((s) => s.id === SECTION.code)?.bytes ?? 0;
  const bodyBytes = functions.reduce((sum, f) => sum + f.bytes, 0);
  const groups = new Map(OWNERS.map((owner) => [owner, { functions: 0, bytes: 0, clone_functions: 0, clone_bytes: 0 }]));
  for (const f of functions) {
    const g = groups.get(f.owner);
    g.functions++;
    g.bytes += f.bytes;
    if (f.clone) {
      g.clone_functions++;
      g.clone_bytes += f.bytes;
    }
  }
  const clones = functions.filter((f) => f.clone);
  const largest = [...functions].sort((a, b) => b.bytes - a.bytes).slice(0, top);
  return {
    file_bytes: bytes.length,
    code_section_bytes: codeBytes,
    function_bodies: functions.length,
    function_body_bytes: bodyBytes,
    imported_functions: importedFunctions,
    named_functions: namedFunctions,
    sections: sections.map((s) => ({ id: s.id, ...(s.name ? { name: s.name } : {}), bytes: s.bytes })),
    largest,
    functions: functions.map(({ index, name, bytes, owner, clone }) => ({ index, name, bytes, owner, clone })),
    groups: [...groups].map(([group, g]) => ({ group, ...g })),
    coroutine_clones: {
      functions: clones.length,
      bytes: clones.reduce((sum, f) => sum + f.bytes, 0),
      ...Object.fromEntries(
        ["resume", "destroy", "cleanup"].map((kind) => [
          kind,
          clones.filter((f) => f.name.includes(`(.${kind})`)).reduce((sum, f) => sum + f.bytes, 0),
        ]),
      ),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node bench/wasm_functions.mjs <file.wasm> [top]");
    process.exit(2);
  }
  const s = summarize(fs.readFileSync(file), Number(process.argv[3]) || 20);
  console.log(`${file}: ${s.file_bytes} B, code section ${s.code_section_bytes} B, ${s.function_bodies} functions (${s.named_functions} named)`);
  for (const f of s.largest) console.log(`${String(f.bytes).padStart(8)}  ${f.owner.padEnd(20)} ${shortName(f.name)}`);
  console.log("");
  for (const g of s.groups) console.log(`${String(g.bytes).padStart(8)}  ${String(g.functions).padStart(5)}  ${g.group} (coroutine clones ${g.clone_bytes} B)`);
  console.log(`coroutine clones: ${JSON.stringify(s.coroutine_clones)}`);
}
