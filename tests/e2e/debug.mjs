import { launchBrowser, register, startServer, createInvite, choose, walkTo, snapshot, rtp } from "./harness.mjs";
const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "staff");
  const ia = await createInvite(staff), ib = await createInvite(staff);
  await staff.close();
  const a = await register(browser, ia, "A"); const b = await register(browser, ib, "B");
  for (const [n, p] of [["A", a], ["B", b]]) p.on("console", (m) => { if (m.type() === "warning") console.log(`[${n}] warn:`, m.text().slice(0, 300)); });
  await choose(a, "voice"); await choose(b, "voice");
  await walkTo(a, 24, 20); await walkTo(b, 25, 20);
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 2500));
    const sa = await snapshot(a), sb = await snapshot(b);
    console.log(i, "A", sa.me.participation, sa.introduced, sa.connected_peers, JSON.stringify(sa.media), "gainB", sa.people.map(p=>p.gain));
    console.log(i, "B", sb.me.participation, sb.introduced, sb.connected_peers, JSON.stringify(sb.media));
    console.log(i, "rtp B<-A", JSON.stringify(await rtp(b, sa.me.id)), "A<-B", JSON.stringify(await rtp(a, sb.me.id)));
  }
} catch (e) { console.log("fail", e.message); }
await browser.close(); server.stop();
