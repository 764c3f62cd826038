// The Worker's entry point. It instantiates edgecache's WebAssembly (built
// by `wasm-bindgen --target web`, see scripts/build-cloudflare.sh) once per
// isolate, then hands every request to it. All logic lives in Rust.
import { initSync, fetch as handle } from "./edgecache.js";
// The Durable Object that keeps the purge log (binding PURGE_LOG).
export { PurgeLogObject } from "./edgecache.js";
import wasm from "./edgecache_bg.wasm";

initSync({ module: wasm });

export default {
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
};
