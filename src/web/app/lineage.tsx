import { useId } from "preact/hooks";
import { versionHref } from "./router.js";
import { ScrollBox } from "./ui.js";
import type { Lineage } from "./types.js";

// The lineage graph (base → fine-tune → adapter) drawn by hand in layers: a version's column is the length of
// its longest chain of parents, so every edge points right. The SVG is one image with a description that names
// every edge; the list after it says the same with links, for keyboards and screen readers.

const NODE_W = 210;
const NODE_H = 50;
const GAP_X = 60;
const GAP_Y = 18;
const PAD = 12;
const MAX_DEPTH = 64;

interface Placed {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly x: number;
  readonly y: number;
}

export function layout(graph: Lineage): { nodes: Placed[]; width: number; height: number } {
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: number): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // A cycle cannot come from the inventory, but a drawing must not hang if one did.
    const d = seen > MAX_DEPTH ? 0 : Math.max(-1, ...(parents.get(id) ?? []).map((p) => depthOf(p, seen + 1))) + 1;
    depth.set(id, d);
    return d;
  };
  const layers: (typeof graph.nodes)[number][][] = [];
  for (const n of graph.nodes) {
    const d = depthOf(n.id, 0);
    layers[d] = [...(layers[d] ?? []), n];
  }
  const row = new Map<string, number>();
  const nodes: Placed[] = [];
  let rows = 1;
  layers.forEach((layer, d) => {
    // A version sits level with its first parent where it can, else in the next free row below.
    const at = (id: string) => Math.min(Number.MAX_SAFE_INTEGER, ...(parents.get(id) ?? []).map((p) => row.get(p) ?? 0));
    layer.sort((a, b) => at(a.id) - at(b.id) || a.id.localeCompare(b.id));
    let next = 0;
    for (const n of layer) {
      const r = Math.max(next, d === 0 ? 0 : at(n.id));
      next = r + 1;
      row.set(n.id, r);
      rows = Math.max(rows, next);
      nodes.push({ id: n.id, kind: n.kind, state: n.state, x: PAD + d * (NODE_W + GAP_X), y: PAD + r * (NODE_H + GAP_Y) });
    }
  });
  return {
    nodes,
    width: PAD * 2 + Math.max(1, layers.length) * (NODE_W + GAP_X) - GAP_X,
    height: PAD * 2 + rows * (NODE_H + GAP_Y) - GAP_Y,
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function LineageGraph({ graph }: { graph: Lineage }) {
  const titleId = useId();
  const descId = useId();
  const arrowId = useId().replace(/[^A-Za-z0-9_-]/g, "");
  if (graph.nodes.length === 0) return <p>The inventory is empty: register a model version (perimeter register).</p>;
  const { nodes, width, height } = layout(graph);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const kindOf = (id: string) => byId.get(id)?.kind ?? "unknown";
  const description =
    graph.edges.length === 0
      ? `${graph.nodes.length} versions, none derived from another.`
      : graph.edges.map((e) => `${e.from} (${kindOf(e.from)}) → ${e.to} (${kindOf(e.to)})`).join("; ");
  const children = new Map<string, string[]>();
  for (const e of graph.edges) children.set(e.from, [...(children.get(e.from) ?? []), e.to]);
  const roots = graph.nodes.filter((n) => !graph.edges.some((e) => e.to === n.id));
  return (
    <>
      <ScrollBox label="Lineage graph">
        <svg
          class="lineage"
          role="img"
          aria-labelledby={`${titleId} ${descId}`}
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          xmlns="http://www.w3.org/2000/svg"
        >
          <title id={titleId}>Lineage of the model versions</title>
          <desc id={descId}>{description}</desc>
          <defs>
            <marker id={arrowId} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
            </marker>
          </defs>
          {graph.edges.map((e) => {
            const a = byId.get(e.from);
            const b = byId.get(e.to);
            if (a === undefined || b === undefined) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return (
              <path key={`${e.from}>${e.to}`} class="edge" d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} marker-end={`url(#${arrowId})`} />
            );
          })}
          {nodes.map((n) => (
            <g key={n.id} class={`node node-${n.kind} state-${n.state}`}>
              <rect x={n.x} y={n.y} width={NODE_W} height={NODE_H} rx="6" />
              <text x={n.x + 10} y={n.y + 21} class="node-name">
                {clip(n.id, 28)}
              </text>
              <text x={n.x + 10} y={n.y + 39} class="node-meta">
                {n.kind} · {n.state}
              </text>
            </g>
          ))}
        </svg>
      </ScrollBox>
      <details class="lineage-text">
        <summary>Lineage as a list</summary>
        <ul>
          {roots.map((r) => (
            <LineageItem key={r.id} id={r.id} kindOf={kindOf} derived={children} depth={0} />
          ))}
        </ul>
      </details>
    </>
  );
}

function LineageItem(props: { id: string; kindOf: (id: string) => string; derived: Map<string, string[]>; depth: number }) {
  const next = props.depth < MAX_DEPTH ? (props.derived.get(props.id) ?? []) : [];
  return (
    <li>
      <a href={versionHref(props.id)}>{props.id}</a> <span class="muted">({props.kindOf(props.id)})</span>
      {next.length === 0 ? null : (
        <ul>
          {next.map((c) => (
            <LineageItem key={c} id={c} kindOf={props.kindOf} derived={props.derived} depth={props.depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}
