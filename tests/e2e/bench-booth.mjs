// Booth voice benchmark: the same counseling booth with its media relayed through the local
// TURN server (coturn, relay-only, as booths run when a relay is configured) and direct on
// loopback (no relay configured). For each of N visits: A knocks, K lets A in, A walks in; from
// A's snapshot first showing A inside the booth to A's getStats() first showing inbound audio
// from K (time to first audio), then the selected candidate pair's currentRoundTripTime.
// K's page is hidden (a background tab), so A's is the only page rendering.
//
//     cargo xtask bench      (or: IBASHO_SERVER_BIN=... VISITS=10 node bench-booth.mjs)
import {
  choose, clickControl, createInvite, eventually, launchBrowser, pairFigures, register, rtp, sendRaw, setHidden, snapshot,
  startServer, walkTo,
} from "./harness.mjs";

const VISITS = Number(process.env.VISITS ?? 10);
const booth = "booth-1";

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const pick = (values, p) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function run(turn) {
  const server = await startServer({ turn });
  const browser = await launchBrowser();
  try {
    const staff = await register(browser, server.staffInvite, "bench-staff");
    const [counselorInvite, participantInvite] = [await createInvite(staff, "counselor"), await createInvite(staff)];
    await staff.close();
    const k = await register(browser, counselorInvite, "K");
    const kId = (await snapshot(k)).me.id;
    await walkTo(k, 12, 3);
    await eventually("K inside the booth", async () => (await snapshot(k)).booth.inside === booth);
    await clickControl(k, "open-booth");
    await eventually("K receiving", async () => (await snapshot(k)).booth.desk);
    await choose(k, "voice");
    await setHidden(k, true);
    const a = await register(browser, participantInvite, "A");
    const aId = (await snapshot(a)).me.id;
    await choose(a, "voice");
    const firstAudio = [], rtts = [], pairs = new Set();
    for (let i = 0; i < VISITS; i++) {
      await walkTo(a, 13, 9);
      await eventually("A at the door", async () => (await snapshot(a)).booth.at_door === booth);
      await sendRaw(a, { type: "booth", request: { kind: "knock", booth, note: "" } });
      await eventually("A knocking", async () => (await snapshot(k)).booth.desk?.knocks.some((c) => c.id === aId));
      await sendRaw(k, { type: "booth", request: { kind: "answer", person: aId, answer: "admit" } });
      await eventually("A let in", async () => (await snapshot(a)).booth.ticket?.status === "admitted");
      await walkTo(a, 13, 5);
      const entered = await eventually("A inside", async () => (await snapshot(a)).booth.inside === booth && Date.now(), 60_000);
      await eventually("first audio from K", async () => (await rtp(a, kId))?.audioIn > 0, 60_000);
      firstAudio.push(Date.now() - entered);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const figures = await eventually("round-trip time", async () => (await pairFigures(a, kId))?.rttMs != null && (await pairFigures(a, kId)), 20_000);
      rtts.push(figures.rttMs);
      pairs.add(`${figures.local}/${figures.remote}`);
      await sendRaw(a, { type: "booth", request: { kind: "leave" } });
      await eventually("A separated", async () => !(await snapshot(a)).introduced.includes(kId) && (await snapshot(a)).booth.inside === null);
    }
    const how = turn ? "through the TURN relay" : "direct on loopback";
    console.log(`booth voice ${how} (pairs ${[...pairs].join(", ")}): entering → first audio p50 ${pick(firstAudio, 0.5)} ms, ` +
      `p95 ${pick(firstAudio, 0.95)} ms (min ${Math.min(...firstAudio)}, max ${Math.max(...firstAudio)}) over ${firstAudio.length} visits; ` +
      `round-trip time median ${median(rtts).toFixed(1)} ms (min ${Math.min(...rtts).toFixed(1)}, max ${Math.max(...rtts).toFixed(1)})`);
  } finally {
    await browser.close();
    server.stop();
  }
}

await run(true);
await run(false);
