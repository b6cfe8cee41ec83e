// Care details of the counseling service end to end, against the real server: a person who
// knocked brings a family member along (both agree, the counselor lets them in), and a private
// call for help reaches staff and counselors only, who answer it with a message or an
// invitation to a booth.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, clickControl, eventually, inviter, register, setHidden, snapshot, useServerAndBrowser, walkTo,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after, turn: true });
const invites = inviter(running);
test("family comes along, and a call for help reaches staff only", { timeout: 900_000 }, async () => {
  const { browser } = running;
  const [counselorInvite] = await invites(1, "counselor");
  const [staffInvite] = await invites(1, "staff");
  const [inviteA, inviteF, inviteG] = await invites(3);

  const k = await register(browser, counselorInvite, "けい", 3);
  await arrive(k, 12, 3);
  await eventually("K inside booth 1", async () => (await snapshot(k)).booth.inside === "booth-1");
  await clickControl(k, "open-booth");
  await eventually("K's desk open", async () => (await snapshot(k)).booth.desk);
  await setHidden(k, true);

  // A knocks, then asks F (picked from the people in the town) to come along.
  const f = await register(browser, inviteF, "ふみ", 2);
  const fId = (await snapshot(f)).me.id;
  await setHidden(f, true);
  const a = await register(browser, inviteA, "あおい", 0);
  const aId = (await snapshot(a)).me.id;
  await arrive(a, 13, 9);
  await eventually("A at booth 1's door", async () => (await snapshot(a)).booth.at_door === "booth-1");
  await clickControl(a, "knock");
  await eventually("A knocking", async () => (await snapshot(a)).booth.ticket?.status === "knocking");
  await clickControl(a, "bring-family");
  await clickControl(a, `family:${fId}`);
  await a.screenshot({ path: join(artifacts, "care-a-asked-family.png") });
  await setHidden(a, true);

  // F is asked and agrees; K's desk shows F as A's family; K lets both in.
  await setHidden(f, false);
  const invite = await eventually("F is asked", async () => (await snapshot(f)).booth.ticket?.status === "family_invite" && (await snapshot(f)).booth.ticket);
  assert.equal(invite.by, "あおい");
  await f.screenshot({ path: join(artifacts, "care-f-invited.png") });
  await clickControl(f, "join-family");
  const family = await eventually("K sees F as family", async () => (await snapshot(k)).booth.desk?.knocks.find((c) => c.id === fId));
  assert.equal(family.family_of, "あおい");
  await setHidden(k, false);
  await k.screenshot({ path: join(artifacts, "care-k-family-knock.png") });
  await clickControl(k, `answer:${aId}:admit`);
  // The desk lays itself out anew once A is let in; the next button is reached for after that.
  await eventually("A let in on K's desk", async () => (await snapshot(k)).booth.desk?.admitted.some((c) => c.id === aId));
  await clickControl(k, `answer:${fId}:admit`);
  for (const [page, name] of [[a, "A"], [f, "F"]]) {
    await setHidden(page, false);
    await eventually(`${name} let in`, async () => (await snapshot(page)).booth.ticket?.status === "admitted");
    await clickControl(page, "go-to-booth");
    await eventually(`${name} inside`, async () => (await snapshot(page)).booth.inside === "booth-1");
    await setHidden(page, true);
  }
  await eventually("A, F and K together", async () => {
    const introduced = (await snapshot(k)).introduced;
    return introduced.includes(aId) && introduced.includes(fId);
  });

  // G, in the free space, asks for staff. Staff S and counselor K see it; F and A do not.
  const s = await register(browser, staffInvite, "すずき", 5);
  await setHidden(s, true);
  const g = await register(browser, inviteG, "ぎん", 1);
  const gId = (await snapshot(g)).me.id;
  await walkTo(g, 20, 12);
  await clickControl(g, "help-call");
  await eventually("G's call waiting", async () => (await snapshot(g)).help.status?.status === "waiting");
  await g.screenshot({ path: join(artifacts, "care-g-called.png") });
  for (const [page, name] of [[s, "S"], [k, "K"]]) {
    const call = await eventually(`${name} sees G's call`, async () => (await snapshot(page)).help.calls.find((c) => c.person === gId));
    assert.equal(call.nickname, "ぎん");
  }
  for (const page of [a, f]) assert.deepEqual((await snapshot(page)).help.calls, [], "participants see no calls");
  // Staff carry the role badge the client draws from the account's role, beside the name.
  await walkTo(s, 17, 12);
  const staffSeen = await eventually("G sees S", async () => (await snapshot(g)).people.find((p) => p.nickname === "すずき"));
  assert.equal(staffSeen.role, "staff");
  assert.equal((await snapshot(g)).controls["help-call"] !== undefined, true, "the top bar has the button");

  // S answers with a message typed into the page's own field; G reads it.
  await setHidden(s, false);
  await clickControl(s, `help-reply:${gId}`);
  await eventually("the reply field shown", async () => (await snapshot(s)).controls["help-reply"]);
  await s.click("#help-reply");
  await s.keyboard.insertText("いま行きますね。フリースペースにいますか？");
  await s.screenshot({ path: join(artifacts, "care-s-replying.png") });
  await clickControl(s, "help-send");
  const replies = await eventually("G reads the answer", async () => (await snapshot(g)).help.replies.length > 0 && (await snapshot(g)).help.replies);
  assert.deepEqual(replies, [["すずき", "いま行きますね。フリースペースにいますか？"]]);
  assert.deepEqual((await snapshot(g)).help.status, { status: "answered", by: "すずき" });
  assert.equal(await s.inputValue("#help-reply").catch(() => ""), "", "the reply field empties once sent");
  await g.screenshot({ path: join(artifacts, "care-g-answered.png") });
  await g.setViewportSize({ width: 1280, height: 800 });
  await eventually("G's help panel laid out at 1280×800", async () => (await snapshot(g)).controls["help-withdraw"]);
  await g.screenshot({ path: join(artifacts, "care-g-answered-1280.png") });
  await g.setViewportSize({ width: 960, height: 640 });

  // A and F leave quietly; K invites G into the booth; G walks in.
  for (const page of [a, f]) {
    await setHidden(page, false);
    await clickControl(page, "leave-booth");
    await eventually("out of the booth", async () => (await snapshot(page)).booth.inside === null);
    await page.close();
  }
  await eventually("K's booth free", async () => !(await snapshot(k)).introduced.includes(aId));
  await clickControl(k, `help-invite:${gId}`);
  await eventually("G let in", async () => (await snapshot(g)).booth.ticket?.status === "admitted");
  await clickControl(g, "go-to-booth");
  await eventually("G inside booth 1", async () => (await snapshot(g)).booth.inside === "booth-1").catch(async (error) => {
    await g.screenshot({ path: join(artifacts, "care-g-not-inside.png") });
    const shot = await snapshot(g);
    throw new Error(`${error.message}; G shows ${JSON.stringify({ booth: shot.booth, notice: shot.notice, me: shot.me })}`);
  });

  // G takes the call back: it leaves the staff's list.
  await clickControl(g, "help-withdraw");
  await eventually("the call is gone for S", async () => (await snapshot(s)).help.calls.length === 0);
  await eventually("G's call withdrawn", async () => (await snapshot(g)).help.status === null);
  await g.screenshot({ path: join(artifacts, "care-g-invited-inside.png") });
});

test("the help button fits a phone", { timeout: 300_000 }, async () => {
  const { browser } = running;
  const [invite] = await invites(1);
  const phone = await register(browser, invite, "すまほ", 2, { width: 390, height: 844 });
  // On a phone the top bar's buttons wait behind 「メニュー」, which folds again once one is pressed.
  await clickControl(phone, "menu");
  await clickControl(phone, "help-call");
  await eventually("call waiting", async () => (await snapshot(phone)).help.status?.status === "waiting");
  await clickControl(phone, "menu");
  const [x, y, width] = await eventually("the menu open again", async () => (await snapshot(phone)).controls["help-call"]);
  assert.ok(x >= 0 && x + width <= 390 && y >= 0, `the button is on screen: ${[x, y, width]}`);
  await phone.screenshot({ path: join(artifacts, "care-phone-called.png") });
});
