// Client benchmark: size of the wasm client (raw and brotli, as served), and time from
// navigation to the town being interactive (the game's snapshot says "town") in headless
// Chromium on this machine, over several fresh page loads.
//
//     cargo xtask bench      (or: IBASHO_SERVER_BIN=... node bench-client.mjs)
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createInvite, launchBrowser, register, snapshot, startServer, eventually } from "./harness.mjs";

const RUNS = Number(process.env.RUNS ?? 5);
const dist = process.env.IBASHO_DIST ?? join(import.meta.dirname, "..", "..", "dist");

const wasm = readdirSync(dist).find((name) => name.endsWith(".wasm"));
const raw = statSync(join(dist, wasm)).size;
const br = existsSync(join(dist, `${wasm}.br`)) ? statSync(join(dist, `${wasm}.br`)).size : NaN;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
console.log(`client wasm: ${mb(raw)} MiB raw, ${mb(br)} MiB brotli (as served)`);

const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "bench-staff");
  const invite = await createInvite(staff);
  const participant = await register(browser, invite, "bench");
  const context = participant.context();
  await participant.close();
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(server.url);
    await eventually("the town", async () => (await snapshot(page))?.screen === "town", 300_000);
    times.push(Date.now() - started);
    await page.close();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`navigation → town interactive: median ${(median / 1000).toFixed(1)} s over ${RUNS} loads ` +
    `(min ${(times[0] / 1000).toFixed(1)} s, max ${(times.at(-1) / 1000).toFixed(1)} s)`);
} finally {
  await browser.close();
  server.stop();
}
