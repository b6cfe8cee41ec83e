// One participant on a bad network: B's every packet crosses relays that lose 5 % of datagrams
// and delay each one 100 ± 20 ms (`impair.mjs`: the kernel here has no netem). A and B talk by
// voice: B's voice keeps reaching A (getStats shows the loss, the delay and the audio flowing),
// A sees B's movements within a second, and after a 10 s outage B's page reconnects by itself,
// B is back where B stood, chat works and the voices flow again.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, choose, distance, eventually, inviter, pairFigures, register, rtp, say, snapshot, tileCentre,
  useServerAndBrowser,
} from "./harness.mjs";
import { forceRelayThrough, impairment, tcpRelay, udpRelay } from "./impair.mjs";

const running = useServerAndBrowser({ before, after, turn: true });
const invites = inviter(running);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Audio from `personId` as received on `page`: bytes, packets received and lost. */
function inboundAudio(page, personId) {
  return page.evaluate(async (id) => {
    const figures = { bytes: 0, received: 0, lost: 0 };
    (await window.__ibashoMedia[id].getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        Object.assign(figures, { bytes: s.bytesReceived, received: s.packetsReceived, lost: s.packetsLost });
      }
    });
    return figures;
  }, personId);
}

/** How long after B stands on a tile A's page shows B there, in ms. */
async function presenceLag(a, b, idB, col, row) {
  const target = tileCentre(col, row);
  const at = (person) => person && distance(person, target) < 6;
  await arrive(b, col, row);
  const arrived = Date.now();
  await eventually(`A seeing B at (${col}, ${row})`, async () => at((await snapshot(a)).people.find((p) => p.id === idB)), 10_000);
  return Date.now() - arrived;
}

test("one person on a lossy, slow network keeps talking, is seen moving, and comes back after an outage", { timeout: 600_000 }, async () => {
  const { browser, server } = running;
  assert.ok(server.turnUrl, "the server runs a TURN relay");
  const network = impairment({ loss: 0.05, delayMs: 100, jitterMs: 20 });
  const origin = new URL(server.url);
  const web = await tcpRelay({ host: origin.hostname, port: Number(origin.port) }, network);
  const turnAt = server.turnUrl.match(/^turn:([^:]+):(\d+)/);
  const relay = await udpRelay({ host: turnAt[1], port: Number(turnAt[2]) }, network);

  const [ia, ib] = await invites(2);
  const a = await register(browser, ia, "A", 0);
  // B opens the invite through the impaired network, and relays all peer traffic through it.
  const throughB = new URL(ib);
  throughB.port = String(web.port);
  const b = await register(browser, throughB.href, "B", 1, undefined, [forceRelayThrough, `127.0.0.1:${relay.port}`]);
  const [idA, idB] = [(await snapshot(a)).me.id, (await snapshot(b)).me.id];
  await choose(a, "voice");
  await choose(b, "voice");
  await arrive(a, 24, 20);
  await arrive(b, 25, 20);
  await eventually("A receiving B's audio", async () => (await rtp(a, idB))?.audioIn > 0, 120_000);
  await eventually("B receiving A's audio", async () => (await rtp(b, idA))?.audioIn > 0, 120_000);

  // Voice keeps flowing through the loss and delay, and getStats sees both.
  const pair = await eventually("B's connection measured", async () => {
    const figures = await pairFigures(b, idA);
    return figures?.rttMs !== null && figures;
  });
  assert.deepEqual([pair.local], ["relay"], "B's packets go only through the impaired relay");
  const start = await inboundAudio(a, idB);
  await sleep(10_000);
  const end = await inboundAudio(a, idB);
  const lost = end.lost - start.lost;
  const lossShare = lost / (lost + end.received - start.received);
  const rtt = (await pairFigures(b, idA)).rttMs;
  console.log(`# impaired: A received ${end.bytes - start.bytes} bytes of B's voice in 10 s, ${(lossShare * 100).toFixed(1)} % of packets lost, RTT at B ${rtt} ms`);
  assert.ok(end.bytes - start.bytes > 10_000, "B's voice keeps reaching A");
  assert.ok(lossShare > 0.01 && lossShare < 0.2, `the loss is felt: ${lossShare}`);
  assert.ok(rtt >= 150, `the delay is felt: RTT ${rtt} ms`);
  assert.ok((await rtp(b, idA)).audioIn > 0 && (await rtp(b, idA)).state === "connected");

  // Presence stays within a second: A sees where B walks.
  const lags = [];
  for (const [col, row] of [[26, 20], [26, 21], [25, 21]]) lags.push(await presenceLag(a, b, idB, col, row));
  console.log(`# impaired: A saw B arrive ${lags.join(", ")} ms after B stood there`);
  lags.sort((x, y) => x - y);
  assert.ok(lags[1] < 1000, `A sees B move within a second (${lags})`);

  // A 10 s outage: B's connections are reset and nothing passes.
  const standing = (await snapshot(b)).me;
  const outage = network.cut(10_000);
  await eventually("B's page saying it reconnects", async () => (await snapshot(b)).connection === "reconnecting", 15_000);
  assert.equal((await snapshot(b)).screen, "town", "B keeps the town on screen");
  await b.screenshot({ path: join(artifacts, "impaired-outage-b.png") });
  assert.ok((await snapshot(a)).people.some((p) => p.id === idB), "A does not see B leave");
  await outage;
  await eventually("B connected again after the outage", async () => (await snapshot(b)).connection === "open", 60_000);
  const back = await snapshot(b);
  assert.ok(distance(back.me, standing) < 4, "B is where B stood");
  assert.ok(back.people.some((p) => p.id === idA), "B sees A again");
  await say(b, "ただいま");
  await eventually("A reading B's line after the outage", async () => (await a.textContent("#chat-log")).includes("B：ただいま"), 30_000);
  const resumed = await inboundAudio(a, idB);
  await eventually("B's voice reaching A again", async () => (await inboundAudio(a, idB)).bytes > resumed.bytes + 2000, 60_000);
  console.log(`# impaired: ${network.counts.lost} of ${network.counts.sent} datagrams lost at B's relay`);
  for (const page of [a, b]) await page.context().close();
  web.close();
  relay.close();
});
