// What a page is told of positions: a phone shows a small part of the town, so the server tells it
// positions there and a margin only. Someone walking about far away is out of its view (their
// avatar hidden, no name over the void), and appears where they really are when they come near;
// a laptop that shows the west of the town sees the phone's person all along.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, distance, eventually, inviter, launchBrowser, register, snapshot, tileCentre, useServerAndBrowser,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);

test("a phone is told its part of the town: the far walker is out of view until near", { timeout: 240_000 }, async () => {
  const { browser } = running;
  // A browser whose screen really is 3× (as phone.test.mjs explains), for the phone.
  const phoneBrowser = await launchBrowser({ scale: 3 });
  try {
  const [iP, iL] = await invites(2);
  const phone = await register(phoneBrowser, iP, "すまほ", 1, { width: 390, height: 844, phone: true });
  const laptop = await register(browser, iL, "のーと", 2, { width: 1280, height: 800 });
  const phoneId = (await snapshot(phone)).me.id;
  const laptopId = (await snapshot(laptop)).me.id;
  await arrive(phone, 2, 20);
  await arrive(laptop, 24, 13);

  // Far away: hidden on the phone, whatever it last heard of them.
  const far = await eventually("the laptop's person out of the phone's view", async () => {
    const them = (await snapshot(phone)).people.find((p) => p.id === laptopId);
    return them?.out_of_view && them;
  });
  await phone.screenshot({ path: join(artifacts, "interest-phone-far.png") });
  // They walk on out there: the phone is told nothing of it, so it still holds the old spot, hidden.
  await arrive(laptop, 20, 13);
  await phone.waitForTimeout(1_000);
  const still = (await snapshot(phone)).people.find((p) => p.id === laptopId);
  assert.ok(still.out_of_view, "still out of view");
  assert.ok(distance(still, tileCentre(20, 13)) > 64, `not followed out there: ${JSON.stringify(still)} (first seen hidden at ${far.x}, ${far.y})`);
  // The laptop, showing the west of the town, sees the phone's person all the while.
  const onLaptop = (await snapshot(laptop)).people.find((p) => p.id === phoneId);
  assert.ok(onLaptop && !onLaptop.out_of_view && distance(onLaptop, tileCentre(2, 20)) < 4, JSON.stringify(onLaptop));

  // Coming near: shown on the phone, where they really are.
  await arrive(laptop, 7, 20);
  const near = await eventually("the laptop's person in view on the phone", async () => {
    const them = (await snapshot(phone)).people.find((p) => p.id === laptopId);
    return them && !them.out_of_view && distance(them, tileCentre(7, 20)) < 4 && them;
  });
  assert.ok(near.screen, "drawn on the phone's screen");
  await phone.screenshot({ path: join(artifacts, "interest-phone-near.png") });
  } finally {
    await phoneBrowser.close();
  }
});
