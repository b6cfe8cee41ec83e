// The gallery, end to end in Chromium against the real server (with the real ffprobe and
// ffmpeg): staff upload a small video made by the test, with Japanese captions, on /gallery; a
// participant opens it at a screen, where nothing plays by itself, and plays it; staff present it
// (「みんなで見る」) to two participants whose videos stay within 0.3 s of each other over 20 s;
// pause pauses both, a seek moves both; someone who walks out is no longer made to play
// anything; a third person walking in late starts at the presented position; a modified client
// of a participant cannot control the showing (typed error, nothing changes). Last, staff suspend
// the third person on 参加者, and that page closes at once with the reason.
//
// A second test uses a browser that, like an ordinary one, lets a page start sound only after a
// click: a viewer whose page may not start the showing with sound is shown 「▶ 再生する」, and
// after pressing it plays in step. That viewer is on a slow line (Chromium's network emulation),
// so their browser holds only part of the video; when their video requests hang (a stall) across
// a jump in the showing past what they hold, the video catches up once they are answered again.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  artifacts, arrive, clickControl, eventually, inviter, launchBrowser, register, sendRaw, snapshot,
  useServerAndBrowser,
} from "./harness.mjs";
import { joinAsVoicePeer } from "./voice-peer.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A four-minute WebM (VP8 and Opus) with a counter on it, and its captions. */
function makeVideo() {
  const dir = mkdtempSync(join(tmpdir(), "ibasho-gallery-"));
  const video = join(dir, "salon.webm");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=240:size=320x240:rate=15",
    "-f", "lavfi", "-i", "sine=frequency=330:duration=240", "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libopus",
    "-shortest", video]);
  const captions = join(dir, "salon.vtt");
  writeFileSync(captions, "WEBVTT\n\n00:00.000 --> 04:00.000\nけやきの会へようこそ\n");
  return { video, captions };
}

let made;
/** The test video, made once for the file's tests. */
const testVideo = () => (made ??= makeVideo());

/** Uploads `video` with its captions on /gallery from a staff page, as staff do; waits until listed. */
async function uploadVideo(staff, { video, captions }, title) {
  const upload = await staff.context().newPage();
  await upload.goto(`${running.server.url}/gallery`);
  await upload.setInputFiles("#video", video);
  await upload.fill("#title", title);
  await upload.fill("#description", "当事者サロンの雰囲気を、短い動画で紹介します。");
  await upload.fill("#program", "けやきの会");
  await upload.setInputFiles("#captions", captions);
  // The page reloads once the video is added: whether it showed the progress is noted where the
  // reload keeps it, however quickly the upload goes.
  await upload.evaluate(() => {
    sessionStorage.removeItem("saw-progress");
    new MutationObserver(() => {
      if (!document.getElementById("progress").hidden) sessionStorage.setItem("saw-progress", "yes");
    }).observe(document.getElementById("progress"), { attributes: true });
  });
  await upload.click("#upload");
  await eventually(`${title} listed`, async () => (await upload.textContent("#videos")).includes(title), 120_000);
  assert.equal(await upload.evaluate(() => sessionStorage.getItem("saw-progress")), "yes", "the upload's progress was shown");
  return upload;
}

/**
 * A page read and steered without giving it a user activation: Playwright's own `evaluate` (and
 * its locator checks) run as if the person had clicked, which would let the page start sound.
 */
async function quietPage(page) {
  const cdp = await page.context().newCDPSession(page);
  const quietly = async (expression) => {
    const answer = await cdp.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true, userGesture: false });
    if (answer.exceptionDetails) throw new Error(answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text);
    return answer.result.value;
  };
  return {
    quietly,
    snapshot: () => quietly("window.__ibasho ?? null"),
    /** Walks to a tile centre and waits there (as `arrive` does). */
    async arrive(col, row) {
      const [x, y] = [(col + 0.5) * 32, (25 - row + 0.5) * 32];
      await quietly(`window.__ibashoWalkTo(${x}, ${y})`);
      await eventually(`arrived at (${col}, ${row})`, async () => {
        const me = (await quietly("window.__ibasho?.me")) ?? {};
        return Math.hypot(me.x - x, me.y - y) < 2;
      });
    },
  };
}

/** The same person's town opened afresh in a new tab (nothing clicked in it), replacing `page`. */
async function reopenQuietly(page) {
  const fresh = await page.context().newPage();
  await page.close();
  const quiet = await quietPage(fresh);
  await fresh.goto(`${running.server.url}/`);
  await eventually("the town opened again", async () => (await quiet.snapshot())?.screen === "town", 240_000);
  await quiet.quietly(`window.__ibashoChoose("listening")`);
  return [fresh, quiet];
}

/** The page's gallery video: where it is, when (the page's clock), and how it plays. */
const videoState = (page) => page.evaluate(() => {
  const video = document.getElementById("gallery-video");
  return {
    t: video.currentTime, at: Date.now(), paused: video.paused, src: video.getAttribute("src"),
    shown: !document.getElementById("gallery-screen").hidden, rate: video.playbackRate,
    cues: video.textTracks[0]?.cues?.length ?? 0, captions: video.textTracks[0]?.mode ?? null,
  };
});

/** How far apart two pages' videos are at one instant (each carried to the later look). */
function apart(a, b) {
  const at = Math.max(a.at, b.at);
  const carried = (s) => s.t + (s.paused ? 0 : (at - s.at) / 1000 * s.rate);
  return Math.abs(carried(a) - carried(b));
}

test("staff upload and present a video; viewers stay in step; participants cannot control it", { timeout: 420_000 }, async () => {
  const { browser } = running;
  const [iStaff] = await invites(1, "staff");
  const [iA, iB, iC, iD] = await invites(4);

  // Staff upload on /gallery: the page shows the upload's progress, then the video is listed.
  const staff = await register(browser, iStaff, "ギャラリー係", 4, { width: 1280, height: 800 });
  const upload = await uploadVideo(staff, testVideo(), "けやきの会のようす");
  await upload.screenshot({ path: join(artifacts, "gallery-staff-page-1280.png"), fullPage: true });
  // A file that is not a video is refused with the reason, and nothing is added.
  const notVideo = join(tmpdir(), "not-a-video.mp4");
  writeFileSync(notVideo, "これは動画ではありません");
  await upload.setInputFiles("#video", notVideo);
  await upload.fill("#title", "まちがい");
  await upload.click("#upload");
  await eventually("refused with the reason", async () => /この動画は使えません/.test(await upload.textContent("#result")));
  assert.equal((await upload.$$("#videos tr[data-video-id]")).length, 1);
  await upload.close();

  // A participant at a screen: the video is there, with captions, and waits for them.
  const a = await register(browser, iA, "あおい", 1, { width: 1280, height: 800 });
  await arrive(a, 2, 2);
  await eventually("A shown the screen's video", async () => (await snapshot(a)).gallery.playback === "alone");
  await eventually("the video loaded", async () => (await videoState(a)).src?.startsWith("/media/videos/"));
  await sleep(1_500);
  let seen = await videoState(a);
  assert.ok(seen.shown && seen.paused && seen.t === 0, `nothing plays by itself: ${JSON.stringify(seen)}`);
  await a.evaluate(() => document.getElementById("gallery-video").play()); // as the person presses play
  await eventually("A's video plays", async () => (await videoState(a)).t > 1, 20_000);
  seen = await eventually("captions loaded", async () => { const s = await videoState(a); return s.cues > 0 && s; });
  assert.equal(seen.captions, "showing");
  await a.screenshot({ path: join(artifacts, "gallery-alone-1280.png") });
  // Walking away from the screen closes it.
  await arrive(a, 5, 5);
  await eventually("the panel closed", async () => !(await videoState(a)).shown);

  // Staff present it at screen 0 to A and B in the gallery.
  const b = await register(browser, iB, "ひかり", 2);
  await arrive(b, 8, 5);
  await arrive(staff, 2, 2);
  await clickControl(staff, "gallery-present");
  for (const [name, page] of [["A", a], ["B", b]]) {
    await eventually(`${name} follows the showing`, async () => (await snapshot(page)).gallery.playback === "together");
    await eventually(`${name}'s video plays`, async () => { const s = await videoState(page); return !s.paused && s.t > 0.5; }, 30_000);
  }
  await sleep(3_000); // the first seek and the clock's first answers settle
  let worst = 0;
  for (let i = 0; i < 20; i++) {
    const [sa, sb] = await Promise.all([videoState(a), videoState(b)]);
    assert.ok(!sa.paused && !sb.paused, "both keep playing");
    worst = Math.max(worst, apart(sa, sb));
    await sleep(1_000);
  }
  console.log(`# gallery: two viewers at most ${worst.toFixed(3)} s apart over 20 s`);
  assert.ok(worst < 0.3, `within 0.3 s of each other: ${worst}`);
  await a.screenshot({ path: join(artifacts, "gallery-together-1280.png") });

  // A modified client of a participant cannot pause, seek or stop it: typed errors, nothing changes.
  const d = await joinAsVoicePeer(browser, iD, "まち", { participation: "listening", avatar: 5 });
  await d.moveToTile(6, 6);
  await eventually("D in the gallery is sent the showing", async () => (await d.showings()).some(Boolean));
  await d.send({ type: "gallery", request: { kind: "control", playing: false, position_ms: 0, rate: 1 } });
  await d.send({ type: "gallery", request: { kind: "stop" } });
  await eventually("both refused", async () => (await d.rejections()).filter((code) => code === "not_allowed").length === 2);
  await sleep(1_000);
  assert.ok(!(await videoState(a)).paused, "still playing for A");
  assert.equal((await d.showings()).length, 1, "nothing changed for anyone");
  await d.close();

  // Pause pauses both; a seek moves both.
  await clickControl(staff, "gallery-pause");
  const paused = await eventually("both paused", async () => {
    const [sa, sb] = await Promise.all([videoState(a), videoState(b)]);
    return sa.paused && sb.paused && Math.abs(sa.t - sb.t) < 0.3 && [sa, sb];
  });
  // Staff see it paused on their own panel before they reach for ⏩ (the button is there either way).
  const pausedAt = await eventually("the staff's panel shows it paused", async () => {
    const showing = (await snapshot(staff)).gallery.showing;
    return showing && !showing.playing && showing.position_ms + 1;
  }) - 1;
  await clickControl(staff, "gallery-forward");
  await eventually("the staff's panel shows it ten seconds on", async () => {
    const showing = (await snapshot(staff)).gallery.showing;
    if (showing && !showing.playing && showing.position_ms >= pausedAt + 9_500) return true;
    throw new Error(JSON.stringify({ pausedAt, showing }));
  });
  await eventually("both moved ten seconds on", async () => {
    const [sa, sb] = await Promise.all([videoState(a), videoState(b)]);
    if (sa.paused && sb.paused && sa.t > paused[0].t + 9.5 && Math.abs(sa.t - sb.t) < 0.3) return true;
    // On a timeout the message says what each page saw and what the showing was.
    const galleries = await Promise.all([staff, a, b].map(async (page) => {
      const { showing, expected, video } = (await snapshot(page)).gallery;
      return { showing, expected, video };
    }));
    throw new Error(JSON.stringify({ from: paused[0].t, a: sa, b: sb, staff: galleries[0], pageA: galleries[1], pageB: galleries[2] }));
  });
  await clickControl(staff, "gallery-play");
  await eventually("both play again", async () => { const [sa, sb] = await Promise.all([videoState(a), videoState(b)]); return !sa.paused && !sb.paused; });

  // B walks out: nothing plays there any more.
  await arrive(b, 12, 12);
  await eventually("B's video stopped and gone", async () => { const s = await videoState(b); return !s.shown && s.paused && !s.src; });
  await b.context().close();

  // C walks in late and starts where the showing is.
  const c = await register(browser, iC, "そら", 3);
  await arrive(c, 7, 6);
  await eventually("C follows the showing", async () => (await snapshot(c)).gallery.playback === "together");
  const late = await eventually("C in step with A", async () => {
    const [sa, sc] = await Promise.all([videoState(a), videoState(c)]);
    return !sc.paused && sc.t > 10 && apart(sa, sc) < 0.3 && sc;
  }, 30_000);
  console.log(`# gallery: the latecomer started at ${late.t.toFixed(1)} s`);

  // Staff end the showing: the viewers' panels close (they stand at no screen).
  await clickControl(staff, "gallery-stop");
  await eventually("the showing ended for A", async () => !(await videoState(a)).shown);

  // Staff suspend C on 参加者: C's page closes at once with the reason.
  const accounts = await staff.context().newPage();
  accounts.on("dialog", (dialog) => dialog.accept());
  await accounts.goto(`${running.server.url}/accounts`);
  const idC = (await snapshot(c)).me.id;
  await Promise.all([accounts.waitForNavigation(), accounts.click(`button.suspension[data-id="${idC}"]`)]);
  assert.match(await accounts.textContent(`tr[data-account-id="${idC}"]`), /一時停止中/);
  const closed = await eventually("C's page closed", async () => { const s = await snapshot(c); return s.screen === "closed" && s.closed; });
  assert.match(closed, /一時停止/);
  await c.screenshot({ path: join(artifacts, "suspended-960.png") });
  await c.reload();
  assert.match(await c.textContent("body"), /一時停止されています/);
  await Promise.all([a.context().close(), c.context().close(), staff.context().close()]);
});

test("「▶ 再生する」 where sound needs a click, and a viewer whose network stalls catches up", { timeout: 420_000 }, async () => {
  const { browser } = running;
  // Like an ordinary browser: a page may start sound only after the person clicked in it.
  const strict = await launchBrowser({ autoplay: false });
  try {
    const [iStaff] = await invites(1, "staff");
    const [iV, iW] = await invites(2);
    const staff = await register(browser, iStaff, "上映係", 4, { width: 1280, height: 800 });
    await (await uploadVideo(staff, testVideo(), "ランチのようす")).close();
    const w = await register(browser, iW, "みどり", 2);
    // V's town is opened afresh in a new tab and only read and walked quietly until the showing:
    // nothing counts as a click there (a click on the registration page would count for the page
    // it leads to).
    const [v, quiet] = await reopenQuietly(await register(strict, iV, "ゆき", 1, { width: 390, height: 844 }));
    // V is on a slow line (600 kb/s, twice the video's rate): their browser holds only part of the
    // four minutes ahead, so a jump far enough lands where it has nothing.
    const line = await v.context().newCDPSession(v);
    await line.send("Network.enable");
    const slowLine = { offline: false, latency: 40, downloadThroughput: 75_000, uploadThroughput: 75_000 };
    await line.send("Network.emulateNetworkConditions", slowLine);
    await arrive(w, 7, 6);
    await quiet.arrive(8, 5);
    await arrive(staff, 2, 2);
    await clickControl(staff, "gallery-present");
    await eventually("W plays the showing", async () => { const s = await videoState(w); return !s.paused && s.t > 0.5; }, 30_000);

    // V's browser refused to start it with sound: the button, and nothing silent pretending to play.
    await eventually("V shown 「▶ 再生する」", () => quiet.quietly(`!document.getElementById("gallery-play").hidden`), 30_000);
    assert.equal(await quiet.quietly("navigator.userActivation.hasBeenActive"), false, "nothing was clicked in V's page");
    const waiting = await quiet.quietly(`(() => { const video = document.getElementById("gallery-video");
      return { paused: video.paused, shown: !document.getElementById("gallery-screen").hidden }; })()`);
    assert.ok(waiting.shown && waiting.paused, `V's video waits for the click: ${JSON.stringify(waiting)}`);
    assert.equal((await quiet.snapshot()).gallery.video.blocked, true);
    const box = await v.locator("#gallery-play").boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390 && box.height >= 44, `a real button on the phone: ${JSON.stringify(box)}`);
    await v.screenshot({ path: join(artifacts, "gallery-play-button-390.png") });
    await v.click("#gallery-play"); // a person's own click
    await eventually("V plays, in step with W", async () => {
      const [sv, sw] = await Promise.all([videoState(v), videoState(w)]);
      return !sv.paused && apart(sv, sw) < 0.3;
    }, 30_000);
    await eventually("the button is gone", async () => !(await v.isVisible("#gallery-play")), 10_000);

    // V's video requests hang (a stalled network) while staff jump past everything V's browser holds.
    const held = [];
    await v.route("**/media/videos/**", (route) => { held.push(route); });
    const { t: from, holds } = await v.evaluate(() => {
      const video = document.getElementById("gallery-video");
      const { buffered } = video;
      return { t: video.currentTime, holds: buffered.length ? buffered.end(buffered.length - 1) : 0 };
    });
    const jumpTo = Math.min(Math.max(from, holds) + 60, 200);
    assert.ok(jumpTo - holds > 30, `the jump (to ${jumpTo} s) lies past what V holds (up to ${holds} s)`);
    await sendRaw(staff, { type: "gallery", request: { kind: "control", playing: true, position_ms: Math.round(jumpTo * 1000), rate: 1 } });
    await eventually("W jumped ahead", async () => (await videoState(w)).t > jumpTo - 1, 20_000);
    await sleep(6_000);
    const [stalledV, stalledW] = await Promise.all([videoState(v), videoState(w)]);
    assert.ok(held.length > 0, "V's browser asked for the part it did not have, and was held");
    assert.ok(apart(stalledV, stalledW) > 2, `V is really stalled: ${stalledV.t} s against ${stalledW.t} s`);
    // The network comes back: V catches up by itself and stays in step.
    const back = Date.now();
    await line.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await v.unroute("**/media/videos/**");
    for (const route of held) await route.continue().catch(() => {});
    await eventually("V caught up", async () => {
      const [sv, sw] = await Promise.all([videoState(v), videoState(w)]);
      return !sv.paused && apart(sv, sw) < 0.3;
    }, 30_000);
    console.log(`# gallery: a viewer holding up to ${holds.toFixed(0)} s, stalled for 6 s across a jump to ${jumpTo.toFixed(0)} s (${held.length} requests held), caught up ${((Date.now() - back) / 1000).toFixed(1)} s after the network came back`);
    let worst = 0;
    for (let i = 0; i < 5; i++) {
      const [sv, sw] = await Promise.all([videoState(v), videoState(w)]);
      worst = Math.max(worst, apart(sv, sw));
      await sleep(1_000);
    }
    assert.ok(worst < 0.3, `V stays in step after catching up: ${worst}`);

    await clickControl(staff, "gallery-stop");
    await Promise.all([v.context().close(), w.context().close(), staff.context().close()]);
  } finally {
    await strict.close();
  }
});
