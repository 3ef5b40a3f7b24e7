// Cold-start entry for miti (see probe.mjs): the probe first, then the real
// Worker (the shim, which imports the Emscripten glue and the wasm module).
import { timedFirstRequest } from "./probe.mjs";
import worker from "../../js-shim/worker.mjs";

export default timedFirstRequest("miti", worker);
