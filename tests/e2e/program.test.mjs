// Programs and table groups, end to end in Chromium against the real server: staff schedule a
// program on /programs with the plain form; A, in the town, is listed it on the guide board and
// in 「今日のプログラム」, gets one gentle notice ten minutes before it starts, closes it, and it
// does not come back; 「この場所へ行く」 walks A to the hall; a program running now puts its sign
// on hall B's door. Staff post an announcement and A sees it at once. In hall B, facilitator A
// types the groups into the page's own field and labels the tables; at table 1 A hears B (a
// plain-JS voice peer) and is never connected to C at table 2; while table 1 talks, the stage (C, a facilitator, through Janus) is softer for A.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, arrive, clickControl, eventually, inviter, plainPage, register, rtp, snapshot, useServerAndBrowser,
} from "./harness.mjs";
import { joinAsVoicePeer } from "./voice-peer.mjs";

const running = useServerAndBrowser({ before, after, janus: true });
const invites = inviter(running);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plain staff page on /programs (registered through its invite, no town). */
const programsPage = (browser, inviteUrl) => plainPage(browser, inviteUrl, "予定係", "/programs");

/** The city's (UTC+9) date and time `minutes` from now, as the form's inputs want them. */
function cityInputs(minutes) {
  const d = new Date(Date.now() + minutes * 60_000 + 9 * 3600_000);
  const pad = (n) => String(n).padStart(2, "0");
  return { date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` };
}

async function schedule(page, { title, hall, from, to }) {
  const start = cityInputs(from), end = cityInputs(to);
  await page.fill("#title", title);
  await page.selectOption("#hall", hall);
  await page.fill("#date", start.date);
  await page.fill("#start", start.time);
  await page.fill("#end", end.time);
  await page.fill("#facilitators", "音楽療法士 さくら");
  await page.check("#watching");
  await Promise.all([page.waitForNavigation(), page.click("#save")]);
}

test("a scheduled program is listed, noticed once, and leads to its hall; tables talk among themselves", { timeout: 300_000 }, async () => {
  const { browser } = running;
  const [iStaff] = await invites(1, "staff");
  const [iA] = await invites(1, "facilitator");
  const [iB] = await invites(1);
  const [iC] = await invites(1, "facilitator");
  const a = await register(browser, iA, "あおい", 1, { width: 1280, height: 800 });
  const idA = (await snapshot(a)).me.id;
  const staff = await programsPage(browser, iStaff);

  // A bad program is refused with the reason, in the page.
  await page_refusal(staff);

  // Starts in six minutes (so within the ten-minute notice), in hall A.
  const inMinutes = 6;
  await schedule(staff, { title: "唄ごえカフェ", hall: "hall-1", from: inMinutes, to: inMinutes + 60 });
  assert.match(await staff.textContent("#programs"), /唄ごえカフェ/);
  const notice = await eventually("A noticed", async () => (await snapshot(a)).programs.notice);
  assert.equal(notice.title, "唄ごえカフェ");
  assert.ok((await snapshot(a)).controls["program-notice"], "the notice is on screen");
  await a.screenshot({ path: join(artifacts, "program-notice-1280.png") });
  const board = (await snapshot(a)).programs.board;
  assert.ok(board.some((line) => line.includes("唄ごえカフェ") && line.includes("交流スペース A")), board.join(" / "));
  await clickControl(a, "program-notice-close");
  await eventually("the notice closed", async () => (await snapshot(a)).programs.notice === null);
  await sleep(11_000); // two refreshes of the town's programs
  assert.equal((await snapshot(a)).programs.notice, null, "the notice never comes back");

  // A program running now in hall B puts its sign on the door.
  await staff.goto(`${running.server.url}/programs`);
  await schedule(staff, { title: "けやきの会", hall: "hall-2", from: -5, to: 55 });
  const listed = await eventually("both listed", async () => {
    const { listed } = (await snapshot(a)).programs;
    return listed.length === 2 && listed;
  });
  const salon = listed.find((p) => p.title === "けやきの会");
  assert.equal(salon.running, true);
  assert.equal((await snapshot(a)).programs.notice, null, "a running program sends no notice");

  // 「今日のプログラム」 → 「この場所へ行く」 walks A to hall A's door.
  await clickControl(a, "programs");
  const cafe = listed.find((p) => p.title === "唄ごえカフェ");
  await clickControl(a, `program-go:${cafe.id}`);
  await eventually("A walked into hall A", async () => (await snapshot(a)).me.place === "交流スペース A", 30_000);
  await a.screenshot({ path: join(artifacts, "programs-panel-1280.png") });
  await clickControl(a, "programs-close");

  // お知らせ: staff post one on /announcements; A sees it in the top bar at once.
  await staff.goto(`${running.server.url}/announcements`);
  await staff.fill("#text", "本日は18:00で閉まります。");
  await Promise.all([staff.waitForNavigation(), staff.click("#post")]);
  assert.match(await staff.textContent("#announcements"), /本日は18:00で閉まります。/);
  await eventually("A sees the announcement", async () => (await snapshot(a)).announcement === "本日は18:00で閉まります。");
  assert.ok((await snapshot(a)).controls.announcement, "shown in the top bar");
  await a.screenshot({ path: join(artifacts, "announcement-1280.png") });

  // Tables in hall B: A (a facilitator) sits at table 1 with B; C sits at table 2.
  await arrive(a, 38, 4);
  await eventually("A at table 1", async () => (await snapshot(a)).hall.view?.my_table === 0);
  const b = await joinAsVoicePeer(browser, iB, "ひかり", { listenTo: idA, avatar: 2 });
  const c = await joinAsVoicePeer(browser, iC, "そら", { listenTo: idA, avatar: 3, hall: true });
  await Promise.all([b.moveToTile(35, 2), c.moveToTile(39, 2)]);
  const people = await eventually("A sees B and C in the hall", async () => {
    const shot = await snapshot(a);
    const pb = shot.people.find((p) => p.nickname === "ひかり"), pc = shot.people.find((p) => p.nickname === "そら");
    return pb && pc && pb.place === "交流スペース B" && pc.place === "交流スペース B" && [pb.id, pc.id];
  });
  const [personB, personC] = people;
  await eventually("A hears B at their table", async () => (await rtp(a, personB))?.audioIn > 5_000, 40_000);
  const shot = await snapshot(a);
  assert.ok(!shot.introduced.includes(personC), "A is never connected to table 2");
  assert.equal(await rtp(a, personC), null, "nothing from C");
  assert.equal(shot.hall.view.tables[0].people, 2);
  assert.equal(shot.hall.view.tables[1].people, 1);

  // A types the groups in the page's own field (IME-safe) and labels the tables.
  await eventually("the groups field is over the panel", () => a.isVisible("#hall-groups"));
  await a.fill("#hall-groups", "10代・20代、30代、40代以上");
  await clickControl(a, "hall-set-groups");
  await eventually("groups set", async () => (await snapshot(a)).hall.view.groups.length === 3);
  await clickControl(a, "hall-table:2:30代");
  await eventually("table 2 labelled", async () => (await snapshot(a)).hall.view.tables[1].label === "30代");
  await a.screenshot({ path: join(artifacts, "hall-tables-1280.png") });

  // The stage goes softer at a table that talks: C steps onto the stage; A, at table 1 where B
  // talks, hears C's stage feed at the lower volume, and at full volume once the table is quiet.
  await c.moveToTile(39, 1);
  await c.hallRequest({ kind: "take_stage" });
  await eventually("C on the stage", async () => (await snapshot(a)).hall.view?.stage?.id === personC);
  const feedVolumes = () => a.evaluate(() => [...document.querySelectorAll("audio[data-hall-feed]")].map((el) => el.volume));
  const allAt = (volume) => async () => {
    const volumes = await feedVolumes();
    return volumes.length > 0 && volumes.every((v) => Math.abs(v - volume) < 0.01);
  };
  await eventually("A hears the stage softer while table 1 talks", allAt(0.35), 30_000);
  assert.equal(shotVolume(await snapshot(a)), 0.35);
  await b.close();
  await eventually("the stage back at full volume once table 1 is quiet", allAt(1), 20_000);
  await Promise.all([c.close(), staff.context().close(), a.context().close()]);
});

const shotVolume = (shot) => Math.round(shot.programs.stage_volume * 100) / 100;

/** A program whose end is before its start is refused in the page, and nothing is listed. */
async function page_refusal(staff) {
  const start = cityInputs(120);
  await staff.fill("#title", "ランチ");
  await staff.fill("#date", start.date);
  await staff.fill("#start", start.time);
  await staff.fill("#end", start.time);
  // Same start and end: the page takes it as ending after midnight (24 h), longer than 12 h.
  await staff.click("#save");
  await eventually("refused with the reason", async () => /12時間/.test(await staff.textContent("#result")));
  assert.equal(await staff.$("#programs tr"), null);
}
