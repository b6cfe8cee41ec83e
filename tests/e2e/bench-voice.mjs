// Voice benchmark: time from entering hearing range to the first audio received, over many
// approaches. A (voice) stands still; B (voice) walks out of range (separated, its connection
// closed) and back in at walking speed. For each approach: the moment B's own page first shows
// it within hearing range of A (144 px, `ENTER_RADIUS` in game/src/voice.rs), to the moment A's
// getStats() first shows inbound audio bytes from B. Both are watched inside the pages every
// 10 ms (one machine, one clock). Also reported: when A's connection with B was up, relative
// to entering. Negative figures: it was there before B could be heard (each page sends its
// microphone from 176 px, `LEAVE_RADIUS`, so that it is flowing when the listener starts hearing).
//
//     cargo xtask bench voice      (or: IBASHO_SERVER_BIN=... APPROACHES=20 node bench-voice.mjs)
import { choose, createInvite, eventually, launchBrowser, register, setHidden, snapshot, startServer, walkTo } from "./harness.mjs";

const APPROACHES = Number(process.env.APPROACHES ?? 20);
const ENTER_RADIUS = 144;

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
  const meA = await eventually("A in place", async () => {
    const me = (await snapshot(a)).me;
    return Math.abs(me.x - 20.5 * 32) < 2 && me;
  });
  // A listens from a background tab, so B's is the only page rendering (what one person sees).
  await setHidden(a, true);
  const times = [];
  const ready = [];
  for (let i = 0; i < APPROACHES; i++) {
    await walkTo(b, 36, 16); // 16 tiles away: separated
    await eventually("B out of range", async () => !(await a.evaluate((id) => id in (window.__ibashoMedia ?? {}), idB)), 60_000);
    // Watch inside both pages: B for the moment it comes within hearing, A for the connection
    // with B and its first audio.
    await b.evaluate(([x, y, radius]) => {
      window.__benchEntered = null;
      const timer = setInterval(() => {
        const me = window.__ibasho?.me;
        if (me && Math.hypot(me.x - x, me.y - y) <= radius) {
          window.__benchEntered = Date.now();
          clearInterval(timer);
        }
      }, 10);
    }, [meA.x, meA.y, ENTER_RADIUS]);
    await a.evaluate((id) => {
      window.__benchAudio = null;
      window.__benchConnected = null;
      let busy = false;
      const timer = setInterval(async () => {
        const pc = window.__ibashoMedia?.[id];
        if (!pc || busy) return;
        if (pc.connectionState === "connected" && window.__benchConnected === null) window.__benchConnected = Date.now();
        busy = true;
        (await pc.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "audio" && s.bytesReceived > 0 && window.__benchAudio === null) {
            window.__benchAudio = Date.now();
            clearInterval(timer);
          }
        });
        busy = false;
      }, 10);
    }, idB);
    await walkTo(b, 21, 16);
    const entered = await eventually("B within hearing", () => b.evaluate(() => window.__benchEntered), 60_000);
    const heard = await eventually("first audio from B", () => a.evaluate(() => window.__benchAudio), 60_000);
    const connected = await a.evaluate(() => window.__benchConnected);
    times.push(heard - entered);
    if (connected !== null) ready.push(connected - entered);
  }
  ready.sort((x, y) => x - y);
  console.log(`connection with B up, relative to entering hearing range: median ${ready[Math.floor(ready.length / 2)]} ms ` +
    `(min ${ready[0]} ms, max ${ready.at(-1)} ms; ${ready.length} of ${times.length} approaches seen connecting)`);
  times.sort((x, y) => x - y);
  const pick = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  console.log(`entering range → first audio received: p50 ${pick(0.5)} ms, p95 ${pick(0.95)} ms over ${times.length} approaches ` +
    `(min ${times[0]} ms, max ${times.at(-1)} ms; watched in the pages every 10 ms)`);
} finally {
  await browser.close();
  server.stop();
}
