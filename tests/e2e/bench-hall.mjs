// Hall benchmark: one speaker on a hall's stage sends voice, camera and a shared screen through
// Janus to N listeners (N = 10, 25, 50, one hall filling up). Every participant is a plain-JS peer
// (`voice-peer.mjs`), so no page renders and the machine's two cores go to Janus, the server and
// the peers' WebRTC; listeners receive the video without decoding it. For each level: Janus's CPU
// (share of one core, from /proc over 10 s) and resident memory, each listener's inbound bitrate
// over those 10 s (median and min), and, for the listeners who joined at that level, the time
// from being shown the hall to the first audio from its stage (p50, p95).
//
//     cargo xtask bench hall      (or: IBASHO_SERVER_BIN=... LEVELS=10,25,50 node bench-hall.mjs)
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createInvite, eventually, launchBrowser, register, startServer } from "./harness.mjs";
import { joinAsVoicePeer } from "./voice-peer.mjs";

const LEVELS = (process.env.LEVELS ?? "10,25,50").split(",").map(Number);
const WINDOW_MS = 10_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (values, p) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))];

/** Hall A's floor off its stage (columns 23–33, rows 1–6; the stage is columns 25–31, rows 1–2). */
const SEATS = [];
for (let row = 6; row >= 1; row--) {
  for (let col = 23; col <= 33; col++) {
    if (!(row <= 2 && col >= 25 && col <= 31)) SEATS.push([col, row]);
  }
}

/** CPU seconds (user + system) and resident memory (MiB) of a process, from /proc. */
function usage(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;
  return { cpu: ticks / 100, rss };
}

const server = await startServer({ janus: true });
const janusPid = Number(execFileSync("pgrep", ["-f", `janus --configs-folder ${server.dataDir}/janus`]).toString().trim().split("\n")[0]);
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "bench-staff");
  const invites = [];
  for (let i = 0; i < Math.max(...LEVELS) + 1; i++) invites.push(await createInvite(staff, i === 0 ? "facilitator" : "participant"));
  await staff.close();

  const speaker = await joinAsVoicePeer(browser, invites[0], "F", { hall: true, camera: true });
  const speakerId = await speaker.page.evaluate(() => window.__voicePeer.id);
  await speaker.moveToTile(28, 1);
  await eventually("F in the hall", async () => (await speaker.hallView())?.hall === "hall-1");
  await speaker.hallRequest({ kind: "take_stage" });
  await eventually("F publishing", async () => (await speaker.figures()).hall.sent > 0, 60_000);
  await speaker.shareScreen();

  const listeners = [];
  const rows = [];
  for (const level of LEVELS) {
    const joining = [];
    for (let i = listeners.length; i < level; i++) {
      joining.push(joinAsVoicePeer(browser, invites[i + 1], `L${i + 1}`, { participation: "listening", hall: true, decode: false, avatar: i % 6 }));
    }
    const joined = await Promise.all(joining);
    await Promise.all(joined.map((peer, i) => peer.moveToTile(...SEATS[listeners.length + i])));
    listeners.push(...joined);
    const firstAudio = [];
    let unheard = 0;
    for (const peer of joined) {
      const timings = await eventually("first stage audio", async () => {
        const t = await peer.timings();
        return t.firstStageAudioAt && t;
      }, 120_000).catch(() => null);
      if (timings) firstAudio.push(timings.firstStageAudioAt - timings.hallAt);
      else unheard++;
    }
    await sleep(3000); // let the newest subscriptions settle
    const before = usage(janusPid);
    const bytesBefore = await Promise.all(listeners.map(async (peer) => (await peer.figures()).hall.bytesIn));
    await sleep(WINDOW_MS);
    const after = usage(janusPid);
    const bytesAfter = await Promise.all(listeners.map(async (peer) => (await peer.figures()).hall.bytesIn));
    const kbps = bytesAfter.map((bytes, i) => ((bytes - bytesBefore[i]) * 8) / WINDOW_MS);
    rows.push({
      listeners: level,
      janusCpu: (((after.cpu - before.cpu) * 1000) / WINDOW_MS) * 100,
      janusRss: after.rss,
      kbpsMedian: pick(kbps, 0.5),
      kbpsMin: Math.min(...kbps),
      firstAudioP50: pick(firstAudio, 0.5),
      firstAudioP95: pick(firstAudio, 0.95),
      joined: joined.length,
      unheard,
    });
    const row = rows.at(-1);
    console.log(`hall, ${level} listeners: Janus CPU ${row.janusCpu.toFixed(1)} % of a core, RSS ${row.janusRss.toFixed(1)} MiB; ` +
      `inbound per listener median ${row.kbpsMedian.toFixed(0)} kb/s (min ${row.kbpsMin.toFixed(0)}); ` +
      `shown the hall → first stage audio p50 ${row.firstAudioP50} ms, p95 ${row.firstAudioP95} ms (${row.joined} joining` +
      `${unheard ? `, ${unheard} heard nothing within 120 s` : ""})`);
  }
  console.log(JSON.stringify(rows));
  for (const peer of [speaker, ...listeners]) await peer.close();
} finally {
  await browser.close();
  server.stop();
}
