// The home page: every campaign with its headline figures.

import { api, TouchCount } from "../api";
import { h, link, short, table } from "../dom";

export function touchesByChannel(touches: TouchCount[]): string {
  const by = new Map<string, number>();
  for (const t of touches ?? []) by.set(short(t.channel), (by.get(short(t.channel)) ?? 0) + Number(t.touches));
  return [...by].map(([c, n]) => `${c} ${n}`).join(" · ") || "none";
}

export async function campaignsPage(main: HTMLElement): Promise<void> {
  const { campaigns } = await api.campaigns();
  main.append(h("h1", {}, "Campaigns"));
  if (!campaigns?.length) {
    main.append(h("p", {}, "No campaign yet. Store one with blendctl campaign put, or check one on the lint page."));
    return;
  }
  main.append(table(["campaign", "version", "running", "finished", "touches today", "conversions", "state"],
    campaigns.map((c) => [
      link(`/campaigns/${encodeURIComponent(c.campaignId)}`, c.campaignId),
      c.latestVersion, Number(c.journeysRunning), Number(c.journeysFinished), touchesByChannel(c.touchesToday),
      Number(c.conversions),
      c.pause?.paused ? h("span", { class: "badge paused", title: `${c.pause.changedBy}: ${c.pause.reason}` }, "paused") : h("span", { class: "badge running" }, "active"),
    ]), { id: "campaigns" }));
}
