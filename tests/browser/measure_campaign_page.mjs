// How long the console's campaign page takes to load: from navigation until the graph is drawn
// with its counts, in Debian's chromium, a fresh page each time. Prints each run and the median.
//   node tests/browser/measure_campaign_page.mjs http://127.0.0.1:7490/ CAMPAIGN_ID [RUNS]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [console_url, campaign, runs = "5"] = process.argv.slice(2);
if (!console_url || !campaign) {
  console.error("usage: measure_campaign_page.mjs CONSOLE_URL CAMPAIGN_ID [RUNS]");
  process.exit(2);
}
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "blend-measure-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1500, height: 1000 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const times = [];
try {
  for (let i = 0; i < Number(runs); i++) {
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(new URL(`/campaigns/${encodeURIComponent(campaign)}`, console_url).href);
    await page.waitForSelector("#campaign-graph g.node[data-entered]", { timeout: 120000 });
    const ms = Date.now() - t0;
    const entered = await page.$$eval("#campaign-graph g.node", (n) => n.reduce((s, x) => s + Number(x.dataset.current ?? 0), 0));
    times.push(ms);
    console.log(`run ${i + 1}: ${ms} ms (journeys in states now: ${entered})`);
    await page.close();
  }
} finally {
  await context.close();
}
times.sort((a, b) => a - b);
console.log(`median ${times[Math.floor(times.length / 2)]} ms over ${times.length} loads`);
