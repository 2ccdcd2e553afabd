// Where a JSON pointer ("/definition/States/Sms/Next") sits in a document's text, found with
// jsonc-parser's syntax tree (offsets kept). A pointer to something absent ("Next" is
// missing) falls back to the nearest part that exists, so the mark still lands on the state.

import { findNodeAtLocation, Node, parseTree } from "jsonc-parser";

export interface Span { start: number; end: number; exact: boolean; }

export function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.replace(/^\//, "").split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function locatePointer(text: string, pointer: string): Span | null {
  const root = parseTree(text);
  if (!root) return null;
  const segments = pointerSegments(pointer);
  for (let n = segments.length; n >= 0; n--) {
    const path = segmentsFor(root, segments.slice(0, n));
    const node = path && findNodeAtLocation(root, path);
    if (!node) continue;
    // A property's value: mark the key too ("Next": "X").
    const marked: Node = node.parent?.type === "property" ? node.parent : node;
    return { start: marked.offset, end: marked.offset + marked.length, exact: n === segments.length };
  }
  return null;
}

// Array indices become numbers, as findNodeAtLocation wants them.
function segmentsFor(root: Node, segments: string[]): (string | number)[] | null {
  const out: (string | number)[] = [];
  let node: Node | undefined = root;
  for (const s of segments) {
    if (!node) return null;
    const seg: string | number = node.type === "array" && /^\d+$/.test(s) ? Number(s) : s;
    out.push(seg);
    node = findNodeAtLocation(root, out);
  }
  return out;
}
