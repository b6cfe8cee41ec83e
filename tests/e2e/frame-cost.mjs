// What a page's frames cost, for the browser benchmarks: Chrome's Performance metrics
// (renderer process and main-thread CPU time) over windows of a few seconds, divided by the
// frames the game ran in the same window (the snapshot's frame counter), and how busy the whole
// machine was meanwhile. `cdp` is the page's CDP session with `Performance.enable` sent
// (`timeDomain: "threadTicks"`).
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { snapshot } from "./harness.mjs";

export const WINDOWS = Number(process.env.WINDOWS ?? 3);
export const WINDOW_SECONDS = Number(process.env.WINDOW_SECONDS ?? 15);
/** Busy and total CPU ticks of the whole machine so far (Linux), to show how contended it was. */
function machineTicks() {
  try {
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    const idle = ticks[3] + ticks[4];
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU figures of `page` per frame of its game over one window. */
async function measure(page, cdp) {
  const metrics = async () =>
    Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const [s0, m0, t0] = [await snapshot(page), await metrics(), machineTicks()];
  await sleep(WINDOW_SECONDS * 1000);
  const [s1, m1, t1] = [await snapshot(page), await metrics(), machineTicks()];
  const frames = s1.frame - s0.frame;
  const seconds = m1.Timestamp - m0.Timestamp;
  return {
    fps: frames / seconds,
    load: (m1.ProcessTime - m0.ProcessTime) / seconds,
    process: ((m1.ProcessTime - m0.ProcessTime) * 1000) / frames,
    main: ((m1.ThreadTime - m0.ThreadTime) * 1000) / frames,
    script: ((m1.ScriptDuration - m0.ScriptDuration) * 1000) / frames,
    machine: (t1.busy - t0.busy) / (t1.total - t0.total),
  };
}

export async function measureMedian(page, cdp) {
  const runs = [];
  for (let i = 0; i < WINDOWS; i++) runs.push(await measure(page, cdp));
  const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return { fps: median("fps"), load: median("load"), process: median("process"), main: median("main"), script: median("script"), machine: median("machine") };
}

export const describe = (what, r) =>
  `${what}: renderer process ${r.process.toFixed(2)} ms CPU/frame, main thread ${r.main.toFixed(2)} ms/frame ` +
  `(script ${r.script.toFixed(2)} ms), ${r.fps.toFixed(1)} frames/s; renderer process ${(r.load * 100).toFixed(0)}% of a core; ` +
  `machine ${(r.machine * 100).toFixed(0)}% busy (${cpus().length} cores)`;

