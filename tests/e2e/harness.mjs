// Test harness: starts the real server binary on 127.0.0.1:0 with a fresh data folder, and
// launches headless Chromium with fake camera and microphone and software WebGL.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const root = process.env.IBASHO_ROOT ?? join(import.meta.dirname, "..", "..");
export const artifacts = join(import.meta.dirname, "artifacts");

/**
 * Starts the server; resolves with its URL, the printed staff invite and a stop function.
 * `turn: true` has it start a TURN relay (coturn) on loopback for the booths, `janus: true` the
 * SFU (Janus) for the halls. `kill(signal)`
 * ends the process (SIGKILL: a crash; SIGTERM: a clean stop) keeping its data, and `restart()`
 * starts it again on the same address and data folder. `turnUrl` is the relay's `turn:` URL.
 */
export async function startServer({ turn = false, janus = false } = {}) {
  const bin = process.env.IBASHO_SERVER_BIN;
  if (!bin) throw new Error("IBASHO_SERVER_BIN is not set (run through `cargo xtask test`)");
  const dataDir = mkdtempSync(join(tmpdir(), "ibasho-e2e-"));
  const launch = async (listen) => {
    const child = spawn(bin, [
      "--listen", listen, "--data-dir", dataDir,
      "--static-dir", process.env.IBASHO_DIST ?? join(root, "dist"),
      "--map", join(root, "assets/maps/town.ron"),
      ...(turn ? ["--spawn-turn", "127.0.0.1:0"] : []),
      ...(janus ? ["--spawn-janus"] : []),
    ], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } });
    const lines = createInterface({ input: child.stdout });
    let url, staffInvite, turnUrl;
    for await (const line of lines) {
      staffInvite ??= line.match(/staff invite.*: (\S+)$/)?.[1];
      turnUrl ??= line.match(/TURN relay for booths at (\S+)$/)?.[1];
      url ??= line.match(/listening on (\S+)\/$/)?.[1];
      // "listening on" is the last line of the start.
      if (url) break;
    }
    if (!url) throw new Error("the server did not print its URL");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    return { child, url, staffInvite, turnUrl, exited };
  };
  let running = await launch("127.0.0.1:0");
  if (!running.staffInvite) throw new Error("the server did not print a staff invite");
  const server = {
    url: running.url, staffInvite: running.staffInvite, turnUrl: running.turnUrl, dataDir,
    /** The server process's id. */
    get pid() { return running.child.pid; },
    /** Ends the server process and waits for it to be gone; the data folder stays. */
    async kill(signal = "SIGKILL") {
      running.child.kill(signal);
      await running.exited;
    },
    /** Starts the server again, on the same address and data folder. */
    async restart() {
      running = await launch(new URL(server.url).host);
    },
    stop() { running.child.kill("SIGINT"); rmSync(dataDir, { recursive: true, force: true }); },
  };
  return server;
}

/** A plain page signed in through an invite (a staff page, no town): registered, then at `path`. */
export async function plainPage(browser, inviteUrl, nickname, path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ja-JP" });
  const page = await context.newPage();
  await page.goto(inviteUrl);
  await page.fill("#nickname", nickname);
  await page.click("#enter");
  await page.waitForURL((url) => url.pathname === "/");
  await page.goto(new URL(path, inviteUrl).href);
  return page;
}

/**
 * How headless Chromium is launched, as DESIGN.md found it works here: software WebGL2, fake
 * devices. Pages may start sound by themselves unless `autoplay` is false: then, as in an
 * ordinary browser, only after the person clicked in the page. `scale` makes the screen a
 * high-density one (a phone's 3): Chromium's emulated device scale factor alone leaves
 * `devicePixelContentBoxSize` at CSS pixels, which no real phone does, so a canvas sized by it
 * would render at a third of the phone's resolution.
 */
export function chromiumOptions({ autoplay = true, scale = null } = {}) {
  return {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
      "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
      `--autoplay-policy=${autoplay ? "no-user-gesture-required" : "document-user-activation-required"}`,
      ...(scale ? [`--force-device-scale-factor=${scale}`] : []),
    ],
  };
}

/** Headless Chromium with `chromiumOptions`. */
export async function launchBrowser(options = {}) {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch(chromiumOptions(options));
}

/** Starts a server and a browser before the file's tests and stops them after; returns getters. */
export function useServerAndBrowser({ before, after, turn = false, janus = false }) {
  const context = {};
  before(async () => {
    context.server = await startServer({ turn, janus });
    context.browser = await launchBrowser();
  });
  after(async () => {
    await context.browser?.close();
    context.server?.stop();
  });
  return context;
}

/**
 * Returns `invites(count)`, making participant invites for a file's tests. The staff invite is
 * single-use, so one staff page, signed in once and kept in the background, makes them all.
 */
export function inviter(running) {
  let staffPage;
  return async (count, role = "participant") => {
    if (!staffPage) {
      staffPage = await register(running.browser, running.server.staffInvite, "スタッフ");
      await setHidden(staffPage, true); // in the background, where it costs little
    }
    const urls = [];
    for (let i = 0; i < count; i++) urls.push(await createInvite(staffPage, role));
    return urls;
  };
}

/** Reads the game's test snapshot. */
export function snapshot(page) {
  return page.evaluate(() => window.__ibasho ?? null);
}

/**
 * Polls `check` until it returns a truthy value; fails with `what` after `ms`. A check that gives
 * no answer in 45 s (longer than any playwright action waits; a page call such as `getStats()` can
 * hang now and then, and a page whose script is stuck never answers) is left behind and asked
 * again, and the failure says so, instead of holding the test until its own timeout.
 */
export async function eventually(what, check, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    const wait = Math.min(45_000, deadline - Date.now() + 5_000);
    try {
      last = await answerWithin(check(), wait);
      if (last === NO_ANSWER) {
        console.log(`# eventually: a check for ${what} gave no answer in ${(wait / 1000).toFixed(0)} s`);
        last = `a check gave no answer in ${(wait / 1000).toFixed(0)} s`;
        continue;
      }
      if (last) return last;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** What `answerWithin` gives for a promise that did not settle in time. */
export const NO_ANSWER = Symbol("no answer");

/** What `promise` gives, or `NO_ANSWER` if it has not settled in `ms` (it is left behind). */
export async function answerWithin(promise, ms) {
  let timer;
  const unanswered = new Promise((resolve) => {
    timer = setTimeout(() => resolve(NO_ANSWER), ms);
  });
  try {
    return await Promise.race([promise, unanswered]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens an invite link in a fresh browser context and registers; resolves in the town.
 * `init` is an init script run in the page before the game, as `[function, argument]`.
 */
export async function register(browser, inviteUrl, nickname, avatar = 0, viewport = { width: 960, height: 640 }, init = null) {
  // `viewport.phone`: Chromium's mobile emulation (touch events, a phone's device scale factor);
  // `viewport.reducedMotion`: the browser asks pages for reduced motion; `viewport.locale`: the
  // browser's language (Japanese unless given).
  const { phone, reducedMotion, locale = "ja-JP", ...size } = viewport;
  const device = phone ? { hasTouch: true, isMobile: true, deviceScaleFactor: 3 } : {};
  const motion = reducedMotion ? { reducedMotion: "reduce" } : {};
  const context = await browser.newContext({ viewport: size, locale, ...device, ...motion });
  await context.addInitScript(emulateHiding);
  if (init) await context.addInitScript(...init);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${nickname}] page error:`, error.message));
  page.on("console", (message) => {
    if (message.type() === "error" || (process.env.SHOW_WARNINGS && message.type() === "warning")) console.error(`[${nickname}] console:`, message.text().slice(0, 2000));
  });
  await page.goto(inviteUrl);
  await page.fill("#nickname", nickname);
  await page.click(`.avatars label:nth-child(${avatar + 1})`);
  await page.click("#enter");
  await page.waitForURL((url) => url.pathname === "/");
  try {
    await eventually(`${nickname} entering the town`, async () => (await snapshot(page))?.screen === "town", 240_000);
  } catch (error) {
    await page.screenshot({ path: join(artifacts, `not-entered-${nickname}.png`) }).catch(() => {});
    const shown = await page.evaluate(() => ({ snapshot: window.__ibasho ?? null, loading: document.getElementById("loading-text")?.textContent }));
    throw new Error(`${error.message}; the page shows ${JSON.stringify(shown).slice(0, 500)}`);
  }
  // Answer the entry dialog with its default, 聞くだけ, as a person pressing はじめる would.
  await choose(page, "listening");
  return page;
}

/**
 * Headless Chromium shows every page as a visible foreground tab, even minimised or behind
 * another tab. This init script lets a test put a page in the background the way a browser does
 * for a hidden tab: `document.hidden` turns true, `visibilitychange` fires, and animation frames
 * stop until the page is shown again. Call `window.__setHidden(true|false)`.
 */
function emulateHiding() {
  let hidden = false;
  const nativeFrame = window.requestAnimationFrame.bind(window);
  const nativeCancel = window.cancelAnimationFrame.bind(window);
  const held = new Map();
  let nextHeld = 1_000_000_000;
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  window.requestAnimationFrame = (callback) => {
    if (!hidden) return nativeFrame(callback);
    held.set(nextHeld, callback);
    return nextHeld++;
  };
  window.cancelAnimationFrame = (id) => (held.has(id) ? held.delete(id) : nativeCancel(id));
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
    if (!hidden) {
      for (const callback of held.values()) nativeFrame(callback);
      held.clear();
    }
  };
}

/** Puts a page in the background (hidden tab) or brings it back; see `emulateHiding`. */
export function setHidden(page, hidden) {
  return page.evaluate((hidden) => window.__setHidden(hidden), hidden);
}

/** Picks a step of the participation ladder, like the top bar's buttons. */
export function choose(page, step) {
  return page.evaluate((step) => window.__ibashoChoose(step), step);
}

/** getStats() of the page's media connection with `personId`: inbound and outbound RTP figures. */
export function rtp(page, personId) {
  return page.evaluate(async (id) => {
    const pc = window.__ibashoMedia?.[id];
    if (!pc) return null;
    const figures = { audioIn: 0, audioLevel: 0, audioOut: 0, videoFrames: 0, state: pc.connectionState };
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        figures.audioIn = s.bytesReceived ?? 0;
        figures.audioLevel = s.audioLevel ?? 0;
      }
      if (s.type === "inbound-rtp" && s.kind === "video") figures.videoFrames = s.framesDecoded ?? 0;
      if (s.type === "outbound-rtp" && s.kind === "audio") figures.audioOut = s.bytesSent ?? 0;
    });
    return figures;
  }, personId);
}

/**
 * The selected candidate pair of the page's media connection with `personId`: the two
 * candidate types and the pair's current round-trip time in ms (once measured).
 */
export function pairFigures(page, personId) {
  return page.evaluate(async (id) => {
    const pc = window.__ibashoMedia?.[id];
    if (!pc) return null;
    const stats = await pc.getStats();
    let pairId = null;
    stats.forEach((s) => { if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
    const pair = pairId && stats.get(pairId);
    if (!pair) return null;
    return {
      local: stats.get(pair.localCandidateId)?.candidateType,
      remote: stats.get(pair.remoteCandidateId)?.candidateType,
      rttMs: pair.currentRoundTripTime === undefined ? null : pair.currentRoundTripTime * 1000,
    };
  }, personId);
}

/** The selected candidate pair of the page's media connection with `personId`: the two types. */
export async function selectedPair(page, personId) {
  const figures = await pairFigures(page, personId);
  return figures && { local: figures.local, remote: figures.remote };
}

/** Sends a client message as a modified client would, past the game's own checks. */
export function sendRaw(page, message) {
  return page.evaluate((json) => window.__ibashoSendRaw(json), JSON.stringify(message));
}

/** Creates an invite through the staff API from a signed-in staff page. */
export async function createInvite(staffPage, role = "participant") {
  return staffPage.evaluate(async (role) => {
    const response = await fetch("/api/invites", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ role }),
    });
    return (await response.json()).url;
  }, role);
}

/** Walks the local player to a tile centre of the map (32-pixel tiles, 26 rows, row 0 on top). */
export function walkTo(page, col, row) {
  const tile = 32, rows = 26;
  return page.evaluate(([x, y]) => window.__ibashoWalkTo(x, y), [(col + 0.5) * tile, (rows - 1 - row + 0.5) * tile]);
}

/** The centre of a tile in world pixels (as snapshots give positions). */
export function tileCentre(col, row) {
  return { x: (col + 0.5) * 32, y: (25 - row + 0.5) * 32 };
}

/**
 * Walks to a tile and waits until standing there. A person whose avatar has stood still for
 * 15 s short of the goal clicks the goal again (once, said in the output); a failure tells
 * where the avatar stands, which screen is shown and how many frames the page drew.
 */
export async function arrive(page, col, row) {
  await walkTo(page, col, row);
  const { x, y } = tileCentre(col, row);
  let still = { at: null, since: Date.now() }, clickedAgain = false;
  try {
    await eventually(`arrived at (${col}, ${row})`, async () => {
      const shot = await snapshot(page);
      const me = shot.me;
      if (Math.hypot(me.x - x, me.y - y) < 2) return true;
      const at = `${Math.round(me.x)},${Math.round(me.y)}`;
      if (at !== still.at) still = { at, since: Date.now() };
      else if (!clickedAgain && Date.now() - still.since > 15_000) {
        console.log(`# walk: stood still at (${at}) for 15 s on the way to (${col}, ${row}); clicking again`);
        clickedAgain = true;
        await walkTo(page, col, row);
      }
      return false;
    });
  } catch (error) {
    const shot = await snapshot(page).catch(() => null);
    const where = shot?.me ? `(${Math.round(shot.me.x)}, ${Math.round(shot.me.y)}), goal (${x}, ${y})` : "unknown";
    throw new Error(`${error.message}; the avatar stands at ${where}, screen ${shot?.screen}, frame ${shot?.frame}`);
  }
}

/** Writes a chat line into the page's chat field and sends it, as a person types. */
export async function say(page, text) {
  await page.click("#chat-input");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

export function distance(a, b) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/**
 * Clicks one of the game's named controls (egui draws them on the canvas; the snapshot says
 * where) with the mouse, as a person does. `across` is where along its width, 0 to 1.
 */
export async function clickControl(page, name, across = 0.5) {
  // A window is laid out over its first frames (egui may first place a new window elsewhere);
  // a hand reaches for a button that has stayed put for three looks in a row.
  const looks = [];
  const [x, y, width, height] = await eventually(`control ${name} shown`, async () => {
    const rect = (await snapshot(page))?.controls?.[name];
    looks.push(rect ?? null);
    const last = looks.slice(-3);
    const steady = last.length === 3 && last.every((seen) => seen && seen.every((value, i) => Math.abs(value - rect[i]) < 0.5));
    // On a timeout the message says what the last looks saw: nothing, or a moving button.
    if (!steady) throw new Error(`looks: ${JSON.stringify(last)}`);
    return rect;
  });
  await pointAndClick(page, x + width * across, y + height / 2);
}

/** Clicks a person's avatar on the page (CSS pixels from the snapshot). */
export async function clickPerson(page, personId) {
  const [x, y] = await eventually(`person ${personId} on screen`, async () =>
    (await snapshot(page))?.people.find((p) => p.id === personId)?.screen);
  await pointAndClick(page, x, y);
}

/** Moves the mouse to a point, rests there a moment (as a hand does), then clicks. */
async function pointAndClick(page, x, y) {
  await page.mouse.move(x, y, { steps: 4 });
  await new Promise((resolve) => setTimeout(resolve, 250));
  await page.mouse.down();
  await new Promise((resolve) => setTimeout(resolve, 120));
  await page.mouse.up();
}
