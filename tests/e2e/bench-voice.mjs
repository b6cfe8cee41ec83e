// Voice benchmark: time from entering hearing range to the first audio received, over many
// approaches. A (voice) stands still; B (voice) walks out of range (separated, its connection
// closed) and back in. For each approach: the moment B's snapshot shows it within the
// introduction radius of A (160 px), to the moment A's getStats() shows inbound audio from B.
//
//     cargo xtask bench      (or: IBASHO_SERVER_BIN=... APPROACHES=20 node bench-voice.mjs)
import { choose, createInvite, distance, eventually, launchBrowser, register, rtp, snapshot, startServer, walkTo } from "./harness.mjs";

const APPROACHES = Number(process.env.APPROACHES ?? 20);
const INTRODUCE_RADIUS = 160;

const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "bench-staff");
  const [ia, ib] = [await createInvite(staff), await createInvite(staff)];
  await staff.close();
  const a = await register(browser, ia, "A");
  const b = await register(browser, ib, "B");
  await choose(a, "voice");
  await choose(b, "voice");
  const idB = (await snapshot(b)).me.id;
  await walkTo(a, 20, 16);
  const times = [];
  for (let i = 0; i < APPROACHES; i++) {
    await walkTo(b, 36, 16); // 16 tiles away: separated
    await eventually("B out of range", async () => !(await a.evaluate((id) => id in (window.__ibashoMedia ?? {}), idB)), 60_000);
    await walkTo(b, 21, 16);
    const meA = (await snapshot(a)).me;
    const entered = await eventually("B within range", async () => {
      const sb = await snapshot(b);
      return distance(sb.me, meA) <= INTRODUCE_RADIUS && Date.now();
    }, 60_000);
    await eventually("first audio from B", async () => (await rtp(a, idB))?.audioIn > 0, 60_000);
    times.push(Date.now() - entered);
  }
  times.sort((x, y) => x - y);
  const pick = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  console.log(`entering range → first audio received: p50 ${pick(0.5)} ms, p95 ${pick(0.95)} ms over ${times.length} approaches ` +
    `(min ${times[0]} ms, max ${times.at(-1)} ms; snapshot and stats polled every 200 ms)`);
} finally {
  await browser.close();
  server.stop();
}
