// The Worker entry (wrangler.toml `main`): the production core, with the
// modules compiled from modules/.
import wasmModule from "../build/wasm/miti.wasm";
import { createWorker } from "./app.mjs";

export { secretMatches, secretProblem } from "./app.mjs";
export default createWorker({ wasmModule });
