// Gallery benchmark. (1) Upload: staff send a ~500 MB MP4 (H.264, made here by ffmpeg from
// noise so it does not compress) to /api/videos with curl; the throughput, and the server's
// resident memory before and at most while it streams to disk and ffprobe reads it. (2) A
// showing: staff press 「みんなで見る」 for two viewers in the gallery; the time from the press to
// each viewer's video playing, then the two viewers' distance (sync error) sampled twice a second
// over 60 s: p50, p95, max. The measured viewer is the only page rendering (the staff page and
// the second viewer are in the background, where the game runs on a 10 Hz timer).
//
//     cargo xtask bench gallery      (or: IBASHO_SERVER_BIN=... SIZE_MB=500 node bench-gallery.mjs)
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  arrive, clickControl, createInvite, eventually, launchBrowser, register, setHidden, snapshot, startServer,
} from "./harness.mjs";

const SIZE_MB = Number(process.env.SIZE_MB ?? 500);
const SYNC_SECONDS = Number(process.env.SYNC_SECONDS ?? 60);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (values, p) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))];
const rss = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;

const dir = mkdtempSync(join(tmpdir(), "ibasho-bench-gallery-"));
// 40 Mb/s of noise: SIZE_MB megabytes take SIZE_MB / 5 seconds of video.
const big = join(dir, "big.mp4");
execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", String(SIZE_MB / 5),
  "-vf", "noise=alls=80:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "40M", "-minrate", "40M",
  "-maxrate", "40M", "-bufsize", "80M", "-pix_fmt", "yuv420p", big]);
const small = join(dir, "salon.webm");
execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=120:size=320x240:rate=15",
  "-f", "lavfi", "-i", "sine=frequency=330:duration=120", "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus", "-shortest", small]);

const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "bench-staff", 0, { width: 1280, height: 800 });
  const cookie = (await staff.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  // curl runs beside this script (not blocking it), so the memory sampler keeps sampling.
  const upload = async (file, title) => (await promisify(execFile)("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
    "-H", `cookie: ${cookie}`, "-F", `title=${title}`, "-F", `video=@${file}`, `${server.url}/api/videos`])).stdout.trim().split(" ");

  // (1) The upload, with the server's memory sampled every 50 ms.
  const bytes = statSync(big).size;
  const before = rss(server.pid);
  let peak = before, samples = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, rss(server.pid)); samples++; }, 50);
  const [status, seconds] = await upload(big, "大きい動画");
  clearInterval(sampler);
  if (status !== "201") throw new Error(`the upload was answered ${status}`);
  const mbps = (bytes * 8) / 1e6 / Number(seconds);
  console.log(`gallery upload: ${(bytes / 1e6).toFixed(0)} MB in ${Number(seconds).toFixed(1)} s (${mbps.toFixed(0)} Mb/s, ` +
    `checked by ffprobe included); server RSS ${before.toFixed(1)} MiB before, at most ${peak.toFixed(1)} MiB during ` +
    `(${samples} samples)`);

  // (2) A showing for two viewers.
  const [status2] = await upload(small, "けやきの会のようす");
  if (status2 !== "201") throw new Error(`the small upload was answered ${status2}`);
  const viewers = [];
  for (const [i, name] of ["V1", "V2"].entries()) {
    const page = await register(browser, await createInvite(staff, "participant"), name, i + 1, { width: 1280, height: 800 });
    await arrive(page, 5 + i * 3, 5);
    await page.evaluate(() => {
      window.__firstPlaying = null;
      document.getElementById("gallery-video").addEventListener("playing", () => { window.__firstPlaying ??= Date.now(); });
    });
    viewers.push(page);
  }
  await setHidden(viewers[1], true);
  await arrive(staff, 2, 2);
  await eventually("the screen's video at staff", async () => (await snapshot(staff)).gallery.playback === "alone");
  const pressed = Date.now();
  await clickControl(staff, "gallery-present");
  const started = [];
  for (const page of viewers) {
    started.push(await eventually("viewer playing", () => page.evaluate(() => window.__firstPlaying), 30_000) - pressed);
  }
  await setHidden(staff, true);
  await sleep(3_000);
  const errors = [];
  const look = (page) => page.evaluate(() => {
    const video = document.getElementById("gallery-video");
    return { t: video.currentTime, at: Date.now(), rate: video.playbackRate, paused: video.paused };
  });
  for (let i = 0; i < SYNC_SECONDS * 2; i++) {
    const [a, b] = await Promise.all(viewers.map(look));
    const at = Math.max(a.at, b.at);
    const carried = (s) => s.t + (s.paused ? 0 : ((at - s.at) / 1000) * s.rate);
    errors.push(Math.abs(carried(a) - carried(b)) * 1000);
    await sleep(500);
  }
  console.log(`gallery showing: pressed → playing ${started.map((ms) => `${ms} ms`).join(", ")}; sync error between the ` +
    `two viewers over ${SYNC_SECONDS} s: p50 ${pick(errors, 0.5).toFixed(0)} ms, p95 ${pick(errors, 0.95).toFixed(0)} ms, ` +
    `max ${Math.max(...errors).toFixed(0)} ms`);
  console.log(JSON.stringify({ bytes, seconds: Number(seconds), mbps, rssBefore: before, rssPeak: peak, started, errors }));
} finally {
  await browser.close();
  server.stop();
}
