// A journey: its history as a timeline (touches, dispositions, Choice values read, policy
// decisions) and the path it took highlighted on the campaign's graph.

import { api, HistoryEntry } from "../api";
import { parseDefinition } from "../asl";
import { drawGraph, legend } from "../graph";
import { h, link, short, when } from "../dom";

// Which kind of moment an entry is, for its colour in the timeline.
export function entryClass(kind: string): string {
  if (/^Task(Scheduled)$|^Touch/.test(kind)) return "touch";
  if (/^Task(Succeeded|Failed|TimedOut)$|Disposition/i.test(kind)) return "disposition";
  if (/^Choice/.test(kind)) return "choice";
  if (/Suppress|Defer|Quiet|Refus|Claim|Withdraw|Pause/i.test(kind)) return "policy";
  if (/^Journey/.test(kind)) return "journey";
  return "other";
}

function detailText(detail?: Record<string, unknown>): string {
  if (!detail) return "";
  return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join("  ·  ");
}

export function pathOf(history: HistoryEntry[]): string[] {
  return history.filter((e) => e.kind === "StateEntered" && e.stateName).map((e) => e.stateName);
}

export async function journeyPage(main: HTMLElement, journeyId: string): Promise<void> {
  const j = await api.journey(journeyId);
  const campaign = await api.campaign(j.campaignId, j.campaignVersion);
  const history = j.history ?? [];
  main.append(
    h("h1", {}, `Journey ${j.journeyId}`),
    h("p", { class: "figures" },
      h("span", {}, "campaign ", link(`/campaigns/${encodeURIComponent(j.campaignId)}`, `${j.campaignId} v${j.campaignVersion}`)),
      h("span", {}, "customer ", link(`/customers/${encodeURIComponent(j.customerId)}`, j.customerId)),
      h("span", { id: "journey-status" }, `status ${short(j.status)}`),
      j.currentState ? h("span", {}, `in ${j.currentState}`) : "",
      h("span", {}, `started ${when(j.startedAt)}`),
      j.finishedAt ? h("span", {}, `finished ${when(j.finishedAt)}`) : "",
      j.error ? h("span", { class: "error" }, `${j.error}: ${j.cause}`) : ""));
  const path = pathOf(history);
  main.append(h("div", { class: "two-columns" },
    h("section", {}, h("h2", {}, "Path"), legend(), h("div", { class: "graph-box", id: "journey-graph" },
      drawGraph(parseDefinition(JSON.parse(campaign.definitionJson)), { path }))),
    h("section", {}, h("h2", {}, `Timeline (${history.length} entries)`),
      h("ol", { class: "timeline", id: "timeline" }, ...history.map((e) =>
        h("li", { class: `entry ${e.detail?.deferredByQuietHours ? "policy" : entryClass(e.kind)}`, "data-kind": e.kind, "data-state": e.stateName ?? "" },
          h("span", { class: "at" }, when(e.at)),
          h("span", { class: "kind" }, e.kind),
          e.stateName ? h("span", { class: "state" }, e.stateName) : "",
          e.detail?.deferredByQuietHours ? h("span", { class: "badge paused" }, `quiet hours: sent at ${String(e.detail.notBefore ?? "")}`) : "",
          h("div", { class: "detail" }, detailText(e.detail))))))));
}
