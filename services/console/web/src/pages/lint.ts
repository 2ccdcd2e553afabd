// Lint: paste or upload a campaign document (or a bare ASL definition); the orchestrator's
// validator lists each problem with its JSON pointer, marked in the text; the graph shows what
// parses.

import { api } from "../api";
import { definitionOf, parseDefinition } from "../asl";
import { drawGraph, legend } from "../graph";
import { errorBox, h } from "../dom";
import { locatePointer } from "../pointer";

function markedText(text: string, spans: { start: number; end: number; index: number }[]): HTMLElement {
  const pre = h("pre", { class: "marked-text", id: "lint-text" });
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let at = 0;
  for (const s of sorted) {
    if (s.start < at) continue;  // nested in a mark already drawn
    pre.append(text.slice(at, s.start));
    const mark = h("mark", { "data-problem": String(s.index), id: `mark-${s.index}` }, text.slice(s.start, s.end));
    pre.append(mark);
    at = s.end;
  }
  pre.append(text.slice(at));
  return pre;
}

export function lintPage(main: HTMLElement): void {
  const area = h("textarea", { id: "lint-input", rows: "18", cols: "100", spellcheck: "false", placeholder: "{\"campaignId\": …, \"definition\": {\"StartAt\": …, \"States\": {…}}, \"policies\": {…}}" });
  const file = h("input", { type: "file", accept: ".json,application/json", id: "lint-file" });
  const check = h("button", { id: "lint-check" }, "Check");
  const results = h("section", { id: "lint-results" });
  file.addEventListener("change", async () => {
    const f = (file as HTMLInputElement).files?.[0];
    if (f) { area.value = await f.text(); void run(); }
  });
  check.addEventListener("click", () => void run());
  main.append(h("h1", {}, "Lint a campaign"),
    h("p", { class: "muted" }, "Paste a campaign document or an ASL definition, or upload a file. Nothing is stored."),
    area, h("div", {}, file, check), results);

  const run = async () => {
    const text = area.value;
    results.replaceChildren(h("p", { class: "muted" }, "checking…"));
    let answer;
    try {
      answer = await api.lint(text);
    } catch (e) {
      results.replaceChildren(errorBox(e));
      return;
    }
    const problems = answer.problems ?? [];
    const spans = problems.map((p, index) => ({ ...(locatePointer(text, p.pointer) ?? { start: 0, end: 0, exact: false }), index }));
    const list = h("ol", { class: "problems", id: "lint-problems" }, ...problems.map((p, i) => {
      const item = h("li", { "data-pointer": p.pointer }, h("code", {}, p.pointer || "(document)"), " ", p.message);
      item.addEventListener("click", () => {
        area.focus();
        area.setSelectionRange(spans[i].start, spans[i].end);
        document.getElementById(`mark-${i}`)?.scrollIntoView({ block: "center" });
      });
      return item;
    }));
    const marked = problems.length ? markedText(text, spans.filter((s) => s.end > s.start)) : h("pre", { class: "marked-text" }, text);
    const graphColumn = h("section", {}, h("h2", {}, "What parses"));
    results.replaceChildren(
      h("p", { class: answer.valid ? "ok" : "error", id: "lint-verdict" }, answer.valid ? "Valid." : `${problems.length} problem(s).`),
      list,
      h("div", { class: "two-columns" }, h("section", {}, h("h2", {}, "The document"), marked), graphColumn));
    // The first mark in the middle of the text's box.
    const first = marked.querySelector("mark") as HTMLElement | null;
    if (first) marked.scrollTop = first.offsetTop - marked.clientHeight / 2;
    let doc: unknown;
    try { doc = JSON.parse(text); } catch { graphColumn.append(h("p", { class: "muted" }, "not JSON yet")); return; }
    const graph = parseDefinition(definitionOf(doc));
    graphColumn.append(legend(), h("div", { class: "graph-box", id: "lint-graph" }, drawGraph(graph)));
  };
}
