// Client benchmark: the size of the wasm client (raw and brotli, as served), and what one person
// waits from navigation until the town answers, on a first visit (an empty browser cache) and a
// second visit (the same browser profile), on loopback and under Chromium's network emulation at
// 10 Mb/s / 40 ms and 1.6 Mb/s / 150 ms ("slow 3G"). Each figure comes with its phases, read from
// the page's own timeline: the wasm downloaded (resource timing), the module compiled and started
// (`ibasho:started`), the game's first frame (`ibasho:first-frame`) and the town answering
// (`ibasho:town`, with the frames the page drew between the two), the font's full cut in after it, and the bytes the visit fetched over the network
// before the town and in all. The measured page is the only
// page open: the person was registered in another browser, closed before measuring. Each run is a
// browser with a profile of its own on disk, as a person's browser has (Chromium's in-memory cache
// of a throwaway context keeps no entry as large as the client), new for the first visit. After
// the first visit the person stays in the town STAY_SECONDS (20 unless set) before leaving, as a
// person would: Chromium stores V8's compiled code beside a module that has run a while, and the
// second visit reads it back (measured: it costs ~0.1 s and starts no sooner; BENCHMARKS.md).
//
//     cargo xtask bench client      (or: IBASHO_SERVER_BIN=... RUNS=3 node bench-client.mjs)
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { chromiumOptions, createInvite, eventually, launchBrowser, register, snapshot, startServer } from "./harness.mjs";

const RUNS = Number(process.env.RUNS ?? 3);
const STAY_SECONDS = Number(process.env.STAY_SECONDS ?? 20);
const dist = process.env.IBASHO_DIST ?? join(import.meta.dirname, "..", "..", "dist");

const wasm = readdirSync(dist).find((name) => name.endsWith(".wasm"));
const raw = statSync(join(dist, wasm)).size;
const br = existsSync(join(dist, `${wasm}.br`)) ? statSync(join(dist, `${wasm}.br`)).size : NaN;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
console.log(`client wasm: ${mb(raw)} MiB raw, ${mb(br)} MiB brotli (as served)`);

/** Network conditions, as Chromium's emulation takes them (bytes per second, ms). */
const NETWORKS = [
  { name: "loopback", conditions: null },
  { name: "10 Mb/s, 40 ms", conditions: { latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 5e6 / 8 } },
  { name: "1.6 Mb/s, 150 ms (slow 3G)", conditions: { latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 } },
];

/**
 * One visit of `context` to the town: its phases (ms from navigation) and bytes fetched; the page
 * stays open `stay` seconds after the visit is measured.
 */
async function visit(context, url, conditions, stay = 0) {
  const page = await context.newPage();
  // The page's frames (animation frames: the game draws in them), to count those between the
  // first frame and the town.
  await page.addInitScript(() => {
    window.ibashoFrames = [];
    const frame = (at) => { window.ibashoFrames.push(at); requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  });
  if (conditions) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, ...conditions });
  }
  await page.goto(url);
  await eventually("the town", async () => (await snapshot(page))?.screen === "town", 300_000);
  // The font's full cut follows the town; the visit is over when it is in.
  const fullFont = () => performance.getEntriesByType("resource").some((e) => e.name.endsWith("BIZUDPGothic-ibasho.ttf"));
  await page.waitForFunction(fullFont, null, { timeout: 300_000, polling: 100 });
  const figures = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const resources = performance.getEntriesByType("resource");
    const module = resources.find((entry) => entry.name.endsWith("_bg.wasm"));
    const font = resources.find((entry) => entry.name.endsWith("BIZUDPGothic-ibasho.ttf"));
    const town = at("ibasho:town");
    const navigation = performance.getEntriesByType("navigation")[0].transferSize;
    const sum = (entries) => entries.reduce((total, entry) => total + entry.transferSize, navigation);
    return {
      downloaded: module?.responseEnd ?? NaN, fromCache: module ? module.transferSize === 0 : null,
      started: at("ibasho:started"), firstFrame: at("ibasho:first-frame"), town, fullFont: font.responseEnd,
      beforeTown: sum(resources.filter((entry) => entry.responseEnd <= town)), fetched: sum(resources),
      framesToTown: window.ibashoFrames.filter((t) => t > at("ibasho:first-frame") && t <= town).length,
    };
  });
  await new Promise((resolve) => setTimeout(resolve, stay * 1000));
  await page.close();
  return figures;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function report(network, label, visits) {
  const phase = (key) => median(visits.map((v) => v[key]));
  const towns = visits.map((v) => v.town).sort((a, b) => a - b);
  console.log(`${network} — ${label}: town interactive median ${seconds(phase("town"))} over ${visits.length} ` +
    `(min ${seconds(towns[0])}, max ${seconds(towns.at(-1))}); phases (medians): wasm downloaded ` +
    `${seconds(phase("downloaded"))}${visits[0].fromCache ? " (from cache)" : ""}, compiled and started ` +
    `${seconds(phase("started"))}, first frame ${seconds(phase("firstFrame"))} (then ${phase("framesToTown")} frames ` +
    `to the town), the font's full cut in ` +
    `${seconds(phase("fullFont"))}; fetched ${(phase("beforeTown") / 1024).toFixed(0)} KiB before the town, ` +
    `${(phase("fetched") / 1024).toFixed(0)} KiB in all`);
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "bench-staff");
  const invite = await createInvite(staff);
  const person = await register(browser, invite, "bench");
  const cookies = await person.context().cookies();
  await browser.close();
  // NETWORK=10 (a part of a name) measures that network alone.
  for (const { name, conditions } of NETWORKS.filter(({ name }) => name.includes(process.env.NETWORK ?? ""))) {
    const first = [], second = [];
    for (let run = 0; run < RUNS; run++) {
      // A new profile on disk: an empty cache for the first visit, kept for the second.
      const profile = mkdtempSync(join(tmpdir(), "ibasho-bench-profile-"));
      const context = await chromium.launchPersistentContext(profile, {
        ...chromiumOptions(), viewport: { width: 1280, height: 800 }, locale: "ja-JP",
      });
      await context.addCookies(cookies);
      for (const page of context.pages()) await page.close();
      first.push(await visit(context, server.url, conditions, STAY_SECONDS));
      second.push(await visit(context, server.url, conditions));
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
    report(name, "first visit", first);
    report(name, `second visit (after ${STAY_SECONDS} s in the town)`, second);
  }
} finally {
  await browser.close().catch(() => {});
  server.stop();
}
