// Draws an AslGraph as SVG, laid out by dagre (a layered graph layout): states top to bottom,
// edges routed by the layout. Counts, a highlighted path and clicks are optional.

import dagre from "dagre";
import type { AslGraph, Edge } from "./asl";

const SVG = "http://www.w3.org/2000/svg";

export interface Counts { current: number; entered: number; }
export interface DrawOptions {
  counts?: Map<string, Counts>;
  path?: string[];                          // states in the order a journey entered them
  onSelect?: (state: string) => void;
  selected?: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const CHAR_WIDTH = 7.2;
const clip = (s: string, n = 38) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function drawGraph(graph: AslGraph, options: DrawOptions = {}): SVGSVGElement {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 46, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    const lines = [n.name, n.label, options.counts ? "now 0 · entered 0" : ""];
    const width = Math.max(96, ...lines.map((l) => clip(l).length * CHAR_WIDTH + 20));
    g.setNode(n.name, { width, height: options.counts ? 58 : 42 });
  }
  graph.edges.forEach((e, i) => {
    const label = clip(e.label, 44);
    g.setEdge(e.from, e.to, { label, width: label ? label.length * 6.2 + 6 : 0, height: label ? 14 : 0, labelpos: "c" }, `e${i}`);
  });
  dagre.layout(g);

  const onPath = new Set(options.path ?? []);
  const pathEdges = new Set<string>();
  (options.path ?? []).forEach((s, i, all) => { if (i > 0) pathEdges.add(`${all[i - 1]}\u0000${s}`); });

  const size = g.graph();
  const root = svg("svg", { class: "asl-graph", width: size.width ?? 0, height: size.height ?? 0, viewBox: `0 0 ${size.width ?? 0} ${size.height ?? 0}`, role: "img" });
  const defs = svg("defs");
  for (const kind of ["next", "choice", "default", "catch", "branch", "path"]) {
    const m = svg("marker", { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    m.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrow arrow-${kind}` }));
    defs.append(m);
  }
  root.append(defs);

  graph.edges.forEach((e: Edge, i) => {
    const geo = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as any;
    if (!geo) return;
    const highlighted = pathEdges.has(`${e.from}\u0000${e.to}`);
    const kind = highlighted ? "path" : e.kind;
    const d = geo.points.map((p: { x: number; y: number }, j: number) => `${j ? "L" : "M"} ${p.x} ${p.y}`).join(" ");
    const group = svg("g", { class: `edge edge-${e.kind}${highlighted ? " on-path" : ""}`, "data-from": e.from, "data-to": e.to });
    group.append(svg("path", { d, "marker-end": `url(#arrow-${kind})` }));
    if (e.label) {
      const t = svg("text", { x: geo.x, y: geo.y + 4, "text-anchor": "middle", class: "edge-label" }, clip(e.label, 44));
      t.append(svg("title", {}, e.label));
      group.append(t);
    }
    root.append(group);
  });

  for (const n of graph.nodes) {
    const geo = g.node(n.name);
    const c = options.counts?.get(n.name);
    const classes = ["node", `type-${n.type.toLowerCase()}`];
    if (onPath.has(n.name)) classes.push("on-path");
    if (options.selected === n.name) classes.push("selected");
    if (c && c.current > 0) classes.push("occupied");
    const group = svg("g", { class: classes.join(" "), transform: `translate(${geo.x - geo.width / 2}, ${geo.y - geo.height / 2})`, "data-state": n.name, tabindex: 0 });
    if (c) { group.setAttribute("data-current", String(c.current)); group.setAttribute("data-entered", String(c.entered)); }
    group.append(svg("rect", { width: geo.width, height: geo.height, rx: n.type === "Choice" ? 18 : 6 }));
    group.append(svg("text", { x: geo.width / 2, y: 17, "text-anchor": "middle", class: "node-name" }, clip(n.name)));
    group.append(svg("text", { x: geo.width / 2, y: 32, "text-anchor": "middle", class: "node-label" }, clip(n.start ? `▶ ${n.label}` : n.label)));
    if (c) group.append(svg("text", { x: geo.width / 2, y: 49, "text-anchor": "middle", class: "node-counts" }, `now ${c.current} · entered ${c.entered}`));
    group.append(svg("title", {}, `${n.name} (${n.type})`));
    if (options.onSelect) {
      const select = () => options.onSelect!(n.name);
      group.addEventListener("click", select);
      group.addEventListener("keydown", (ev) => { if ((ev as KeyboardEvent).key === "Enter") select(); });
      group.classList.add("clickable");
    }
    root.append(group);
  }
  return root;
}

export function legend(): HTMLElement {
  const el = document.createElement("p");
  el.className = "legend";
  el.textContent = "Edges: solid — Next · blue, labelled — Choice condition · grey dashed — Default · red dashed — Catch · dotted — Parallel branch / Map items";
  return el;
}
