// Times the wasm32 NTT kernels: median of 15 interleaved repetitions per configuration,
// plan construction subtracted (a run with 0 iterations).
import { readFileSync } from 'node:fs';
const mod = await WebAssembly.compile(readFileSync(process.argv[2]));
const imports = {};
for (const imp of WebAssembly.Module.imports(mod)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => { throw new Error('unexpected import ' + imp.name); };
}
const { exports } = await WebAssembly.instantiate(mod, imports);
const names = ['scalar-fwd', 'scalar-inv', 'tfhe-fwd', 'tfhe-inv'];
for (const n of [2048, 4096, 8192, 16384]) for (const bits of [42, 59]) {
  const iters = Math.max(10, Math.floor(5e5 / n));
  const samples = [[], [], [], []];
  for (let rep = 0; rep < 15; rep++) for (const kind of [0, 1, 2, 3]) {
    let t0 = performance.now(); exports.run(kind, n, bits, 0); const setup = performance.now() - t0;
    t0 = performance.now(); exports.run(kind, n, bits, iters); const total = performance.now() - t0;
    samples[kind].push((total - setup) / iters * 1000);
  }
  const median = s => { s.sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  console.log([0, 1, 2, 3].map(k => `${names[k]}/${bits}b/${n}: ${median(samples[k]).toFixed(1)} us`).join('  '));
}
