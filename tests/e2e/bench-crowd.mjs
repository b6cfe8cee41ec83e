// Client frame cost in a crowd: what one page's frames cost with 0 and then 200 people walking in
// view, name tags and all. `loadgen --hold N` keeps N WebSocket clients walking about the free
// space (they draw nothing, so the measured page is the only one rendering); M, a real game page
// at 1280×800, stands in its middle and sees nearly all of it. Chrome's Performance metrics of M's page over windows
// of 15 s, divided by the frames M's game ran (`frame-cost.mjs`), visible and in a background tab.
//
//     cargo xtask bench crowd      (or: IBASHO_LOADGEN_BIN=... IBASHO_SERVER_BIN=... node bench-crowd.mjs)
//
// PROFILE=1 also samples M's main thread for 10 s in each crowd and prints where its time goes,
// by function (self and total). Function names need a client built without wasm-opt, which
// drops them: the `dist` of IBASHO_ROOT is served.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { arrive, eventually, launchBrowser, register, setHidden, snapshot } from "./harness.mjs";
import { WINDOWS, WINDOW_SECONDS, describe, measureMedian } from "./frame-cost.mjs";

const CROWDS = (process.env.CROWDS ?? "0,200").split(",").map(Number);
const PROFILE = process.env.PROFILE === "1";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `loadgen --hold n`; resolves with its invite for M and a way to stop it. */
function holdCrowd(n) {
  const loadgen = spawn(process.env.IBASHO_LOADGEN_BIN, ["--server", process.env.IBASHO_SERVER_BIN, "--hold", String(n)], {
    cwd: process.env.IBASHO_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    loadgen.on("exit", (code) => reject(new Error(`loadgen ended (${code}) before holding its crowd`)));
    createInterface({ input: loadgen.stdout }).on("line", (line) => {
      const invite = line.match(/page invite: (\S+)/)?.[1];
      if (invite) resolve({ invite, stop: () => loadgen.stdin.end() });
    });
  });
}

/** Samples the page's main thread for `ms` and prints the functions it spent most time in. */
async function profile(cdp, ms) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  await sleep(ms);
  const { profile } = await cdp.send("Profiler.stop");
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const step = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const self = new Map();
  const total = new Map();
  const name = (node) => node.callFrame.functionName || `(${node.callFrame.url.split("/").pop() || "program"})`;
  // Total time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  for (const id of profile.samples) {
    const leaf = byId.get(id);
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + step);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(name(byId.get(at)));
    for (const fn of seen) total.set(fn, (total.get(fn) ?? 0) + step);
  }
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 25)
    .map(([fn, t]) => `  ${(t / ms * 1000).toFixed(1).padStart(6)} ms/s  ${fn.slice(0, 110)}`).join("\n");
  console.log(`self time, ${ms / 1000} s sampled:\n${top(self)}\ntotal time:\n${top(total)}`);
}

const results = [];
for (const n of CROWDS) {
  const crowd = await holdCrowd(n);
  const browser = await launchBrowser();
  try {
    const m = await register(browser, crowd.invite, "M", 0, { width: 1280, height: 800 });
    await arrive(m, 26, 15);
    await eventually(`${n} people in M's view`, async () => {
      const shot = await snapshot(m);
      const seen = shot.people.filter((p) => p.id !== shot.me.id && !p.out_of_view).length;
      return seen >= n && shot;
    }, 120_000);
    await sleep(3000);
    const cdp = await m.context().newCDPSession(m);
    await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
    if (PROFILE) await profile(cdp, 10_000);
    const visible = await measureMedian(m, cdp);
    const names = (await snapshot(m)).names;
    console.log(describe(`visible, ${n} people in view (${names} name tags drawn)`, visible));
    await setHidden(m, true);
    const hidden = await measureMedian(m, cdp);
    console.log(describe(`background tab, ${n} people in view`, hidden));
    results.push({ n, visible, hidden });
  } finally {
    await browser.close();
    crowd.stop();
  }
}
for (const { n, visible, hidden } of results) {
  console.log(`${n} people in view: visible main thread ${visible.main.toFixed(2)} ms/frame ` +
    `(renderer process ${visible.process.toFixed(2)} ms, ${visible.fps.toFixed(1)} frames/s), ` +
    `background tab main thread ${hidden.main.toFixed(2)} ms/frame (median of ${WINDOWS} windows of ${WINDOW_SECONDS} s)`);
}
