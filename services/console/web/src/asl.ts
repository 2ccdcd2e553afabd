// An Amazon States Language definition as a graph: one node per state (states inside a
// Parallel branch or a Map's processor are named "Outer/Inner", as the orchestrator's
// statistics name them), one edge per transition. Pure: no DOM.

export type EdgeKind = "next" | "choice" | "default" | "catch" | "branch";

export interface StateNode { name: string; type: string; label: string; start: boolean; }
export interface Edge { from: string; to: string; kind: EdgeKind; label: string; }
export interface AslGraph { nodes: StateNode[]; edges: Edge[]; problems: string[]; }

type Json = any;

const COMPARATORS = [
  "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
  "StringMatches", "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
  "NumericGreaterThanEquals", "BooleanEquals", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
  "TimestampLessThanEquals", "TimestampGreaterThanEquals", "IsNull", "IsPresent", "IsNumeric", "IsString",
  "IsBoolean", "IsTimestamp",
];
const OPERATORS: Record<string, string> = {
  Equals: "==", LessThan: "<", GreaterThan: ">", LessThanEquals: "<=", GreaterThanEquals: ">=", Matches: "matches",
};

// "$.facts.dncActive == true", "$.amount > 100 and $.x is present", "not (...)".
export function conditionLabel(rule: Json): string {
  if (!rule || typeof rule !== "object") return "?";
  if (Array.isArray(rule.And)) return rule.And.map(conditionLabel).join(" and ");
  if (Array.isArray(rule.Or)) return rule.Or.map(conditionLabel).join(" or ");
  if (rule.Not) return `not (${conditionLabel(rule.Not)})`;
  if (typeof rule.Condition === "string") return rule.Condition;  // JSONata
  const variable = rule.Variable ?? "?";
  for (const key of Object.keys(rule)) {
    const base = key.endsWith("Path") ? key.slice(0, -4) : key;
    if (!COMPARATORS.includes(base)) continue;
    const value = key.endsWith("Path") ? rule[key] : JSON.stringify(rule[key]);
    if (base.startsWith("Is")) return rule[key] === false ? `${variable} is not ${base.slice(2).toLowerCase()}` : `${variable} is ${base.slice(2).toLowerCase()}`;
    // Longest suffix first: "GreaterThanEquals" is not "Equals".
    const op = Object.entries(OPERATORS).sort((a, b) => b[0].length - a[0].length).find(([suffix]) => base.endsWith(suffix));
    return `${variable} ${op ? op[1] : base} ${value}`;
  }
  return "?";
}

function addStates(states: Json, startAt: string, prefix: string, g: AslGraph): void {
  if (!states || typeof states !== "object") {
    g.problems.push(`${prefix || "definition"}: no States`);
    return;
  }
  const names = new Set(Object.keys(states).map((n) => prefix + n));
  const edge = (from: string, to: unknown, kind: EdgeKind, label = "") => {
    if (typeof to !== "string") return;
    const target = prefix + to;
    if (!names.has(target)) {
      g.problems.push(`${from}: transition to unknown state ${to}`);
      return;
    }
    g.edges.push({ from, to: target, kind, label });
  };
  for (const [name, raw] of Object.entries(states)) {
    const s: Json = raw ?? {};
    const full = prefix + name;
    const type = typeof s.Type === "string" ? s.Type : "?";
    let label = type;
    if (type === "Task" && typeof s.Resource === "string") label = s.Resource;
    if (type === "Wait") label = waitLabel(s);
    g.nodes.push({ name: full, type, label, start: name === startAt });
    if (type === "Choice") {
      (Array.isArray(s.Choices) ? s.Choices : []).forEach((c: Json) => edge(full, c?.Next, "choice", conditionLabel(c)));
      edge(full, s.Default, "default", "default");
    } else {
      edge(full, s.Next, "next");
    }
    (Array.isArray(s.Catch) ? s.Catch : []).forEach((c: Json) =>
      edge(full, c?.Next, "catch", Array.isArray(c?.ErrorEquals) ? c.ErrorEquals.join(", ") : "catch"));
    const branches: Json[] = type === "Parallel" && Array.isArray(s.Branches) ? s.Branches
      : type === "Map" ? [s.ItemProcessor ?? s.Iterator].filter(Boolean) : [];
    branches.forEach((b: Json) => {
      if (!b || typeof b.StartAt !== "string") return;
      addStates(b.States, b.StartAt, `${full}/`, g);
      g.edges.push({ from: full, to: `${full}/${b.StartAt}`, kind: "branch", label: type === "Map" ? "each item" : "branch" });
    });
  }
  if (typeof startAt !== "string" || !names.has(prefix + startAt)) g.problems.push(`${prefix || "definition"}: StartAt names no state`);
}

// 86400 → "1d", 5400 → "1h30m", 45 → "45s".
export function duration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (rest >= size) { parts.push(`${Math.floor(rest / size)}${unit}`); rest %= size; }
  }
  if (rest || !parts.length) parts.push(`${rest}s`);
  return parts.join("");
}

function waitLabel(s: Json): string {
  if (typeof s.Seconds === "number") return `Wait ${duration(s.Seconds)}`;
  if (s.SecondsPath) return `Wait ${s.SecondsPath}`;
  if (s.Timestamp || s.TimestampPath) return `Wait until ${s.Timestamp ?? s.TimestampPath}`;
  return "Wait";
}

export function parseDefinition(definition: Json): AslGraph {
  const g: AslGraph = { nodes: [], edges: [], problems: [] };
  if (!definition || typeof definition !== "object") {
    g.problems.push("the definition is not an object");
    return g;
  }
  addStates(definition.States, definition.StartAt, "", g);
  return g;
}

// The definition inside a campaign document ({"definition": ...}) or a bare definition.
export function definitionOf(document: Json): Json {
  return document && typeof document === "object" && document.definition && !document.StartAt ? document.definition : document;
}
