// A campaign: its definition as a live graph (counts refreshed every few seconds), the journeys
// in a clicked state, its figures, and the pause switch.

import { api, CampaignStats, Journey } from "../api";
import { parseDefinition } from "../asl";
import { Counts, drawGraph, legend } from "../graph";
import { errorBox, h, link, short, table, when } from "../dom";
import { touchesByChannel } from "./campaigns";

const REFRESH_MS = 3000;

export async function campaignPage(main: HTMLElement, campaignId: string, version: number, signal: AbortSignal): Promise<void> {
  const t0 = performance.now();
  const [campaign, firstStats] = await Promise.all([api.campaign(campaignId, version), api.stats(campaignId, version)]);
  const graph = parseDefinition(JSON.parse(campaign.definitionJson));
  let selected = "";

  const title = h("h1", {}, `Campaign ${campaign.campaignId} `, h("small", {}, `version ${campaign.version}`));
  const pauseBox = h("div", { class: "pause-box" });
  const figures = h("div", { class: "figures", id: "figures" });
  const graphBox = h("div", { class: "graph-box", id: "campaign-graph" });
  const stateBox = h("section", { id: "state-journeys" });
  const updated = h("p", { class: "muted", id: "updated" });
  main.append(title, pauseBox, figures, legend(), graphBox, updated, stateBox);

  const render = (stats: CampaignStats) => {
    const counts = new Map<string, Counts>();
    for (const s of stats.states ?? []) counts.set(s.stateName, { current: Number(s.current), entered: Number(s.entered) });
    graphBox.replaceChildren(drawGraph(graph, { counts, selected, onSelect: (s) => { selected = s; render(stats); void showState(s); } }));
    figures.replaceChildren(
      h("span", {}, "journeys: ", (stats.statuses ?? []).map((s) => `${short(s.status)} ${Number(s.journeys)}`).join(" · ") || "none"),
      h("span", {}, "touches: ", touchesByChannel(stats.touches)),
      h("span", {}, `conversions: ${Number(stats.conversions)}`));
    updated.textContent = `counts as of ${when(stats.computedAt)} (every ${REFRESH_MS / 1000} s)`;
    renderPause(stats);
  };

  const renderPause = (stats: CampaignStats) => {
    const p = stats.pause;
    const paused = !!p?.paused;
    const button = h("button", { id: "pause-button", class: paused ? "resume" : "pause" }, paused ? "Resume campaign…" : "Pause campaign…");
    button.addEventListener("click", () => confirmPause(!paused));
    pauseBox.replaceChildren(
      h("span", { class: `badge ${paused ? "paused" : "running"}`, id: "pause-state" }, paused ? "paused" : "active"),
      p?.changedAt ? h("span", { class: "muted" }, ` last ${paused ? "paused" : "resumed"} by ${p.changedBy} at ${when(p.changedAt)}: ${p.reason}`) : "",
      button);
  };

  const confirmPause = (pause: boolean) => {
    const reason = h("input", { id: "pause-reason", placeholder: "reason (recorded)", size: "40" });
    const ok = h("button", { id: "pause-confirm" }, pause ? "Pause: no touch of this campaign leaves until resumed" : "Resume");
    const cancel = h("button", { class: "secondary" }, "Cancel");
    const dialog = h("div", { class: "confirm", role: "dialog", id: "pause-dialog" },
      h("p", {}, pause ? `Pause ${campaignId}? Queued touches are deferred; timers keep running.` : `Resume ${campaignId}? Deferred touches are sent again.`),
      reason, ok, cancel);
    cancel.addEventListener("click", () => dialog.remove());
    ok.addEventListener("click", async () => {
      if (!reason.value.trim()) { reason.focus(); reason.classList.add("invalid"); return; }
      try {
        if (pause) await api.pause(campaignId, reason.value.trim());
        else await api.resume(campaignId, reason.value.trim());
        dialog.remove();
        render(await api.stats(campaignId, version));
      } catch (e) {
        dialog.append(errorBox(e));
      }
    });
    pauseBox.after(dialog);
    reason.focus();
  };

  const showState = async (state: string) => {
    stateBox.replaceChildren(h("h2", {}, `Journeys now in ${state}`), h("p", { class: "muted" }, "loading…"));
    try {
      const { journeys, nextPageToken } = await api.journeys({ campaignId, stateName: state, status: "JOURNEY_STATUS_RUNNING", pageSize: 50 });
      stateBox.replaceChildren(h("h2", {}, `Journeys now in ${state}`), journeyTable(journeys ?? []),
        nextPageToken ? h("p", { class: "muted" }, "first 50 shown") : "");
    } catch (e) {
      stateBox.replaceChildren(errorBox(e));
    }
  };

  render(firstStats);
  main.dataset.loadedMs = String(Math.round(performance.now() - t0));
  // The next refresh is scheduled once this one answered: with a slow statistics query (a few
  // seconds at 100,000 journeys) requests never pile up.
  let timer = 0;
  const refresh = async () => {
    try { render(await api.stats(campaignId, version)); } catch { /* the next round tries again */ }
    if (!signal.aborted) timer = window.setTimeout(refresh, REFRESH_MS);
  };
  timer = window.setTimeout(refresh, REFRESH_MS);
  signal.addEventListener("abort", () => clearTimeout(timer));
}

export function journeyTable(journeys: Journey[]): HTMLElement {
  if (!journeys.length) return h("p", { class: "muted" }, "none");
  return table(["journey", "customer", "status", "state", "started"], journeys.map((j) => [
    link(`/journeys/${encodeURIComponent(j.journeyId)}`, j.journeyId),
    link(`/customers/${encodeURIComponent(j.customerId)}`, j.customerId),
    short(j.status), j.currentState, when(j.startedAt),
  ]), { class: "journeys" });
}
