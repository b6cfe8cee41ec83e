// Reconnecting through faults, end to end: A and B talk by voice; the server is killed (as a
// crash would) and started again. Both pages keep the town on screen with the reconnecting
// banner, never the closed screen; A's audio keeps reaching B all along (getStats bytes keep
// growing on the same peer connection); once the server is back both are in each other's
// roster where they stood, and chat works. Then a clean stop (SIGTERM): the pages are told the
// server is restarting and come back the same way.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, choose, distance, eventually, inviter, register, rtp, say, snapshot, useServerAndBrowser,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Watches the pages while the server is down: records every screen and connection state seen. */
function watch(pages) {
  const seen = { screens: new Set(), connections: new Set() };
  let on = true;
  const done = (async () => {
    while (on) {
      for (const page of pages) {
        const shot = await snapshot(page).catch(() => null);
        if (shot) {
          seen.screens.add(shot.screen);
          seen.connections.add(shot.connection);
        }
      }
      await sleep(150);
    }
  })();
  return { seen, async stop() { on = false; await done; return seen; } };
}

test("voice and the town hold through a server crash and a clean restart", { timeout: 600_000 }, async () => {
  const { browser, server } = running;
  const [ia, ib, ip] = await invites(3);
  const a = await register(browser, ia, "あおい", 0);
  const b = await register(browser, ib, "ふみ", 1);
  const [idA, idB] = [(await snapshot(a)).me.id, (await snapshot(b)).me.id];
  // Someone on a phone is in the town too: the banner must fit their screen.
  const phone = await register(browser, ip, "すまほ", 2, { width: 390, height: 844 });
  await choose(a, "voice");
  await choose(b, "voice");
  await arrive(a, 24, 20);
  await arrive(b, 25, 20);
  await eventually("B receiving A's audio", async () => (await rtp(b, idA))?.audioIn > 0, 120_000);
  await sleep(1500); // both stand still
  const before = { a: (await snapshot(a)).me, b: (await snapshot(b)).me };

  for (const [fault, signal, state] of [["a crash", "SIGKILL", "reconnecting"], ["a clean stop", "SIGTERM", "restarting"]]) {
    // The town was saved at most a second ago; the saved state must hold what is on screen.
    await sleep(1500);
    const flowing = (await rtp(b, idA)).audioIn;
    const watching = watch([a, b]);
    await server.kill(signal);
    await eventually(`both pages showing that they reconnect after ${fault}`, async () => {
      const [sa, sb] = [await snapshot(a), await snapshot(b)];
      return sa.connection === state && sb.connection !== "open";
    }, 15_000);
    await a.screenshot({ path: join(artifacts, `reconnect-${signal}-a.png`) });
    const banner = await eventually("the banner on the phone", async () => (await snapshot(phone)).controls["connection-banner"]);
    const [x, , width] = banner;
    assert.ok(x >= 0 && x + width <= 390, `the banner fits the phone: ${banner}`);
    await phone.screenshot({ path: join(artifacts, `reconnect-${signal}-phone.png`) });
    // The server is gone, and A's voice still reaches B, peer to peer, on the same connection.
    const down = (await rtp(b, idA)).audioIn;
    await sleep(2000);
    const stillDown = await rtp(b, idA);
    assert.ok(down > flowing && stillDown.audioIn > down, `audio keeps flowing while the server is down (${fault})`);
    assert.equal(stillDown.state, "connected");

    await server.restart();
    const started = Date.now();
    await eventually(`both pages connected again after ${fault}`, async () => {
      const [sa, sb] = [await snapshot(a), await snapshot(b)];
      return sa.connection === "open" && sb.connection === "open" &&
        sa.people.some((p) => p.id === idB) && sb.people.some((p) => p.id === idA) && [sa, sb];
    }, 10_000);
    const back = Date.now() - started;
    const seen = await watching.stop();
    assert.deepEqual([...seen.screens], ["town"], `never the closed screen during ${fault}`);
    assert.ok(seen.connections.has(state), `the banner said ${state}`);

    // Where they stood, in each other's roster, still introduced, audio still growing on the
    // connection that never closed (its byte count never started over).
    const [sa, sb] = [await snapshot(a), await snapshot(b)];
    assert.ok(distance(sa.me, before.a) < 4 && distance(sb.me, before.b) < 4, `both where they stood: ${JSON.stringify([sa.me, before.a, sb.me, before.b])}`);
    const aAtB = sb.people.find((p) => p.id === idA);
    assert.ok(distance(aAtB, before.a) < 40, "B sees A where A stands");
    assert.ok(sa.introduced.includes(idB) && sb.introduced.includes(idA), "still introduced");
    assert.equal(sa.me.participation, "voice");
    assert.equal(aAtB.participation, "voice", "B still sees A on voice");
    const after = await rtp(b, idA);
    assert.ok(after.audioIn > stillDown.audioIn, "the same connection, still carrying A's voice");
    console.log(`# ${fault}: back in the roster ${back} ms after the server started again`);

    const line = signal === "SIGKILL" ? "もどりました" : "またもどりました";
    await say(a, line);
    await eventually(`B reading A's line after ${fault}`, async () => (await b.textContent("#chat-log")).includes(`あおい：${line}`));
  }
  await b.screenshot({ path: join(artifacts, "reconnect-b.png") });
  for (const page of [a, b, phone]) await page.context().close();
});
