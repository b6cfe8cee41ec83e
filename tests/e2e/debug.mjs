import { launchBrowser, register, startServer, createInvite, choose, walkTo, snapshot, rtp } from "./harness.mjs";
const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "staff");
  const ia = await createInvite(staff), ib = await createInvite(staff), ic = await createInvite(staff);
  await staff.close();
  const a = await register(browser, ia, "A"); const b = await register(browser, ib, "B"); const c = await register(browser, ic, "C");
  for (const [n, p] of [["A", a], ["B", b], ["C", c]]) p.on("console", (m) => { if (m.type() === "warning" || m.type() === "error") console.log(`[${n}] ${m.type()}:`, m.text().slice(0, 300)); });
  await choose(a, "voice"); await choose(b, "voice"); await choose(c, "watching");
  await walkTo(a, 24, 20); await walkTo(b, 25, 20); await walkTo(c, 24, 21);
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    const s = await Promise.all([a, b, c].map(snapshot));
    for (const [n, x] of [["A", s[0]], ["B", s[1]], ["C", s[2]]]) {
      console.log(i, n, x.me.id, "intro", JSON.stringify(x.introduced), "conn", x.connected_peers, "media", JSON.stringify(Object.fromEntries(Object.entries(x.media).map(([k, v]) => [k, v.connection + "/" + v.audio_bytes_received]))));
    }
  }
} catch (e) { console.log("fail", e.message); }
await browser.close(); server.stop();
