// The console's pages in Debian's chromium (playwright-core, never a downloaded browser),
// against a running demo: CONSOLE_URL, SIM_URL (genesys-sim), ORCHESTRATOR_ADDR, BLENDCTL,
// REPO, SCREENSHOTS (directory for one PNG per page), WORK (scratch directory).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (console_browser.sh sets it)`);
  return v;
};
const CONSOLE = env("CONSOLE_URL");
const SIM = env("SIM_URL");
const SHOTS = env("SCREENSHOTS");
const REPO = env("REPO");
const WORK = env("WORK");
const blendctl = (...args) =>
  execFileSync(env("BLENDCTL"), ["--addr", env("ORCHESTRATOR_ADDR"), ...args], { encoding: "utf8" });

const DEMO = "blended-collections";
const demoDocument = JSON.parse(readFileSync(join(REPO, "examples/blended-collections/campaign.json"), "utf8"));

// Polls `probe` until it returns a truthy value; fails with `what` after `ms`.
async function eventually(what, probe, ms = 30000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

async function getJson(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.json();
}

let context;
let page;
before(async () => {
  context = await chromium.launchPersistentContext(mkdtempSync(join(WORK, "chromium-")), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1500, height: 1000 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => { throw e; });
});
after(async () => { await context?.close(); });

const open = async (path) => {
  await page.goto(new URL(path, CONSOLE).href);
  await page.waitForSelector("#main[data-ready=true]");
};
const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

test("home page lists the demo campaign with its figures", async () => {
  await open("/");
  const row = page.locator("#campaigns tr", { hasText: DEMO });
  await row.waitFor();
  assert.match(await row.innerText(), /sms \d+/);
  await shot("campaigns");
});

test("campaign graph: the definition's states, with counts equal to GetCampaignStats", async () => {
  await open(`/campaigns/${DEMO}`);
  await page.waitForSelector("#campaign-graph g.node[data-entered]");
  const drawn = await page.$$eval("#campaign-graph g.node", (nodes) => nodes.map((n) => n.dataset.state));
  assert.deepEqual(drawn.sort(), Object.keys(demoDocument.definition.States).sort());
  // Catch edges are drawn distinct; Choice edges carry their condition.
  assert.ok(await page.locator("#campaign-graph g.edge-catch").count() > 0);
  assert.ok(await page.locator("#campaign-graph g.edge-choice text", { hasText: "$.facts.dncActive == true" }).count() > 0);

  // The page refreshes every 3 s and journeys still move: compare one rendering with the
  // statistics fetched right after it, until they agree.
  const matched = await eventually("graph counts equal to GetCampaignStats", async () => {
    const onPage = await page.$$eval("#campaign-graph g.node", (nodes) =>
      Object.fromEntries(nodes.map((n) => [n.dataset.state, [Number(n.dataset.current), Number(n.dataset.entered)]])));
    const stats = await getJson(new URL(`/api/campaigns/${DEMO}/stats`, CONSOLE).href);
    const fromServer = Object.fromEntries(stats.states.map((s) => [s.stateName, [Number(s.current), Number(s.entered)]]));
    return JSON.stringify(onPage) === JSON.stringify(Object.fromEntries(Object.keys(onPage).map((k) => [k, fromServer[k]]))) && onPage;
  });
  assert.ok(matched.Sms[1] > 0, `journeys entered Sms: ${JSON.stringify(matched)}`);
  assert.ok(matched.LookUpCustomer[1] > 0);
  await shot("campaign");
});

test("clicking a state lists the journeys in it", async () => {
  const stats = await getJson(new URL(`/api/campaigns/${DEMO}/stats`, CONSOLE).href);
  const busy = stats.states.find((s) => Number(s.current) > 0);
  if (!busy) return;  // every journey finished: nothing to list
  await page.locator(`#campaign-graph g.node[data-state="${busy.stateName}"]`).click();
  await page.waitForSelector("#state-journeys table.journeys tbody tr");
  const rows = await page.locator("#state-journeys table.journeys tbody tr").count();
  assert.equal(rows, Math.min(50, Number(busy.current)));
});

test("journey page: its SMS touch and disposition on the timeline, its path on the graph", async () => {
  const { journeys } = await getJson(new URL(`/api/journeys?campaignId=${DEMO}&pageSize=100`, CONSOLE).href);
  let chosen;
  for (const j of journeys) {
    const full = await getJson(new URL(`/api/journeys/${j.journeyId}`, CONSOLE).href);
    if (full.history.some((e) => e.stateName === "Sms" && e.kind === "TaskSucceeded")) { chosen = full; break; }
  }
  assert.ok(chosen, "a journey whose SMS was sent");
  await open(`/journeys/${chosen.journeyId}`);
  // By the entry's state exactly: "sms" also appears in other entries' details.
  const scheduled = page.locator('#timeline li[data-kind=TaskScheduled][data-state="Sms"]');
  const disposition = page.locator('#timeline li[data-kind=TaskSucceeded][data-state="Sms"]');
  await scheduled.first().waitFor();
  assert.match(await disposition.first().innerText(), /SENT|sent/);
  assert.ok(await page.locator('#journey-graph g.node.on-path[data-state="Sms"]').count() === 1);
  assert.ok(await page.locator("#journey-graph g.edge.on-path").count() > 0);
  await shot("journey");

  await page.locator(`a[href="/customers/${chosen.customerId}"]`).first().click();
  await page.waitForSelector("#main[data-ready=true]");
  await page.locator("#customer-journeys", { hasText: chosen.journeyId }).waitFor();
  await page.locator("#customer-engagement pre").first().waitFor();
  assert.doesNotMatch(await page.locator("#main").innerText(), /\+\d{8,15}/, "phone numbers are masked");
  await shot("customer");
});

test("pausing stops the campaign's touches (genesys-sim audit) and resuming restarts them", async () => {
  const file = join(REPO, "tests/browser/sms_campaign.json");
  blendctl("campaign", "put", "--id", "console-browser-sms", "--definition", file);
  await open("/campaigns/console-browser-sms");
  await page.click("#pause-button");
  await page.fill("#pause-reason", "browser test: wrong template");
  await page.click("#pause-confirm");
  await page.locator("#pause-state", { hasText: "paused" }).waitFor();
  await shot("campaign-paused");

  const phones = ["+14155550101", "+14155550102", "+14155550103"];
  const csv = join(WORK, "paused.csv");
  writeFileSync(csv, "customer_id,phone,time_zone,invoice\n" +
    phones.map((p, i) => `browser-${i},${p},America/Los_Angeles,INV-${i}`).join("\n") + "\n");
  blendctl("journey", "start-many", "--campaign", "console-browser-sms", "--csv", csv, "--key-prefix", "browser-");
  const sent = async () => {
    const all = await Promise.all(phones.map((p) => getJson(`${SIM}/sim/audit?operation=sms.send&toAddress=${encodeURIComponent(p)}`)));
    return all.reduce((n, a) => n + a.entries.length, 0);
  };
  // Every journey reaches the Sms task and its touch goes to the worker; while paused, no
  // SMS may reach Genesys. A few seconds cover the worker's claim of each touch.
  await eventually("journeys waiting in Sms", async () => {
    const s = await getJson(new URL("/api/campaigns/console-browser-sms/stats", CONSOLE).href);
    return Number(s.states.find((x) => x.stateName === "Sms").current) === phones.length;
  });
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(await sent(), 0, "no SMS of a paused campaign reaches genesys-sim");

  await page.click("#pause-button");
  await page.fill("#pause-reason", "browser test: fixed");
  await page.click("#pause-confirm");
  await page.locator("#pause-state", { hasText: "active" }).waitFor();
  await eventually("every SMS sent after the resume", async () => (await sent()) === phones.length, 60000);
});

test("lint page marks a broken definition at the right pointer", async () => {
  const broken = structuredClone(demoDocument);
  broken.definition.States.DayToPay.Next = "Nowhere";
  await open("/lint");
  await page.fill("#lint-input", JSON.stringify(broken, null, 2));
  await page.click("#lint-check");
  await page.waitForSelector("#lint-problems li");
  const pointers = await page.$$eval("#lint-problems li", (items) => items.map((li) => li.dataset.pointer));
  assert.ok(pointers.includes("/definition/States/DayToPay/Next"), JSON.stringify(pointers));
  const index = pointers.indexOf("/definition/States/DayToPay/Next");
  assert.equal(await page.locator(`#mark-${index}`).innerText(), '"Next": "Nowhere"');
  await page.locator("#lint-graph g.node").first().waitFor();
  await shot("lint");
});
