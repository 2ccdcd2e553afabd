// A customer: their journeys, the suppressions in force (ConsentService) and their engagement
// profile (EngagementService). Personal data arrives masked unless the operator has pii.

import { api } from "../api";
import { errorBox, h, short, table, when } from "../dom";
import { journeyTable } from "./campaign";

async function section(title: string, id: string, build: () => Promise<Node>): Promise<HTMLElement> {
  const box = h("section", { id }, h("h2", {}, title));
  try { box.append(await build()); } catch (e) { box.append(errorBox(e)); }
  return box;
}

function pretty(json: string): string {
  try { return JSON.stringify(JSON.parse(json), null, 2); } catch { return json; }
}

export async function customerPage(main: HTMLElement, customerId: string): Promise<void> {
  main.append(h("h1", {}, `Customer ${customerId}`));
  const parts = await Promise.all([
    section("Journeys", "customer-journeys", async () => journeyTable((await api.journeys({ customerId, pageSize: 100 })).journeys ?? [])),
    section("Suppressions in force", "customer-consent", async () => {
      const c = await api.consent(customerId);
      const rows = (c.suppressions ?? []).map((s) => [short(s.channel), short(s.reason), s.address, s.source, when(s.recordedAt), when(s.expiresAt) || "never", s.note]);
      return rows.length ? table(["channel", "reason", "address", "source", "recorded", "expires", "note"], rows) : h("p", { class: "muted" }, "none");
    }),
    section("Engagement profile", "customer-engagement", async () => {
      const e = await api.engagement(customerId);
      return h("div", {}, h("h3", {}, "as campaigns see it (facts.engagement)"), h("pre", {}, pretty(e.factsJson || "{}")),
        h("details", {}, h("summary", {}, "stored profile (counts by channel, weekday and hour)"), h("pre", {}, pretty(e.profileJson || "{}"))));
    }),
  ]);
  main.append(...parts);
}

export function customerSearch(main: HTMLElement): void {
  const input = h("input", { id: "customer-id", placeholder: "customer id", size: "30" });
  const form = h("form", {}, input, h("button", { type: "submit" }, "Open"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (input.value.trim()) window.dispatchEvent(new CustomEvent("navigate", { detail: `/customers/${encodeURIComponent(input.value.trim())}` }));
  });
  main.append(h("h1", {}, "Customer"), form);
}
