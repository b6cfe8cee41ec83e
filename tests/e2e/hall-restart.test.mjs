// A program goes on through a server restart, end to end with the real server and the real
// Janus: facilitator F (a real page) is on hall B's stage and has set the table groups; P, on a
// phone (390×844), sits at table 1, hears F through the SFU and raises a hand from the hall panel,
// which fits the phone. The server stops (SIGTERM) and starts again with a new Janus: both pages
// come back by themselves, F is still on the stage, P's hand is still up, the groups and the
// table's label are kept, and F's page publishes again to the new Janus, so P hears F again on a
// new feed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, choose, clickControl, eventually, inviter, register, snapshot, useServerAndBrowser,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after, janus: true });
const invites = inviter(running);

/**
 * Bytes of audio the page has received from the hall's feeds now, per feed connection, and
 * whether that connection is one marked earlier with `markFeeds` (a new run of the server counts
 * its feed ids from 1 again, so the connections themselves tell old from new).
 */
const hallAudio = (page) => page.evaluate(async () => {
  const feeds = [];
  for (const [feed, pc] of Object.entries(window.__ibashoHall ?? {})) {
    let bytes = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") bytes += s.bytesReceived ?? 0;
    });
    feeds.push({ feed, bytes, old: Boolean(pc.__markedOld) });
  }
  return feeds;
});

/** Marks the page's hall feed connections as old; returns them, with their state, later. */
const markFeeds = (page) => page.evaluate(() => {
  window.__oldFeeds = Object.values(window.__ibashoHall ?? {});
  for (const pc of window.__oldFeeds) pc.__markedOld = true;
});
const oldFeedStates = (page) => page.evaluate(() => window.__oldFeeds.map((pc) => pc.connectionState));

/** Whether a control the snapshot names lies wholly inside a `width`×`height` page. */
function onScreen(rect, width, height) {
  const [x, y, w, h] = rect;
  return x >= 0 && y >= 0 && x + w <= width + 0.5 && y + h <= height + 0.5;
}

test("a program in a hall goes on through a server restart, and its panel fits a phone", { timeout: 600_000 }, async () => {
  const { browser, server } = running;
  const [iF] = await invites(1, "facilitator");
  const [iP] = await invites(1);
  const f = await register(browser, iF, "ファシリ", 2, { width: 1280, height: 800 });
  const p = await register(browser, iP, "すまほ", 4, { width: 390, height: 844 });
  await choose(f, "voice");
  await arrive(f, 40, 1);
  await clickControl(f, "hall-take-stage");
  await eventually("F publishing from hall B's stage", async () => {
    const shot = await snapshot(f);
    return shot.hall.view?.you === "on_stage" && shot.hall.publishing;
  });
  // F sets the groups in the page's own field and labels table 1.
  await eventually("the groups field is over the panel", () => f.isVisible("#hall-groups"));
  await f.fill("#hall-groups", "10代・20代、30代、40代以上");
  await clickControl(f, "hall-set-groups");
  await eventually("groups set", async () => (await snapshot(f)).hall.view.groups.length === 3);
  await clickControl(f, "hall-table:1:10代・20代");
  await eventually("table 1 labelled", async () => (await snapshot(f)).hall.view.tables[0].label === "10代・20代");

  // P sits at table 1 on a phone and hears F's stage through the SFU.
  await arrive(p, 38, 4);
  await eventually("P at table 1", async () => (await snapshot(p)).hall.view?.my_table === 0);
  await eventually("P hears F through the SFU", async () => (await hallAudio(p)).some((f) => f.bytes > 5_000), 60_000);
  // The hall panel and its hand button fit the phone, and the button works there.
  const panel = await eventually("the hall panel on the phone", async () => (await snapshot(p)).controls["hall-panel"]);
  assert.ok(onScreen(panel, 390, 844), `the hall panel fits the phone: ${panel}`);
  const hand = (await snapshot(p)).controls["hall-raise-hand"];
  assert.ok(hand && onScreen(hand, 390, 844), `「手をあげる」 is on the phone's screen: ${hand}`);
  await clickControl(p, "hall-raise-hand");
  await eventually("P's hand is up", async () => (await snapshot(p)).hall.view?.you?.hand_raised);
  await eventually("F sees P's hand", async () => (await snapshot(f)).hall.view.queue.length === 1);
  await p.screenshot({ path: join(artifacts, "hall-tables-phone-390.png") });

  await markFeeds(p);
  // The server stops cleanly and starts again, with a new Janus.
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // the town is saved each second
  await server.kill("SIGTERM");
  await server.restart();
  await eventually("both pages back", async () => {
    const [sf, sp] = [await snapshot(f), await snapshot(p)];
    return sf.connection === "open" && sp.connection === "open";
  }, 60_000);
  const [sf, sp] = [await snapshot(f), await snapshot(p)];
  assert.equal(sf.hall.view?.you, "on_stage", "F is still on the stage");
  assert.deepEqual(sp.hall.view?.you, { hand_raised: { ahead: 0 } }, "P's hand is still up");
  assert.deepEqual(sp.hall.view.groups, ["10代・20代", "30代", "40代以上"], "the groups are kept");
  assert.equal(sp.hall.view.tables[0].label, "10代・20代", "and table 1's label");
  assert.equal(sf.hall.view.queue.length, 1, "F still sees the hand");
  // F's page publishes again to the new Janus: P hears F on a new feed.
  await eventually("P hears F again on a new feed", async () => {
    const feeds = await hallAudio(p);
    return feeds.some((feed) => !feed.old && feed.bytes > 5_000) && feeds;
  }, 90_000);
  assert.ok((await hallAudio(p)).every((feed) => !feed.old), "the old feeds are gone");
  assert.ok((await oldFeedStates(p)).every((state) => state === "closed"), "and their connections closed");
  await p.screenshot({ path: join(artifacts, "hall-after-restart-390.png") });
  await Promise.all([f.context().close(), p.context().close()]);
});
