/**
 * Draws a {@link Topology} as SVG. The layout (where each box goes and how each arrow bends) is
 * computed by ELK's layered algorithm (elkjs, the Eclipse Layout Kernel); this file only sizes
 * the boxes and labels and writes the SVG. Same topology, same bytes: inputs are sorted, ELK's
 * random seed is fixed, and coordinates are rounded.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { Topology, TopologyEdge, TopologyNode } from './model';

/** The font every text uses: monospace, so that a text's width follows from its length. */
const FONT = 12;
/** The advance of one monospace character at {@link FONT}, rounded up (DejaVu Sans Mono: 0.602 em). */
const CHAR = 7.5;
const LINE = 16;
const PAD_X = 10;
const PAD_Y = 8;
const EDGE_FONT = 11;
const EDGE_CHAR = 6.9;

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.randomSeed': '1',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '56',
  'elk.spacing.edgeLabel': '4',
  'elk.spacing.edgeNode': '14',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
};

const STYLE = `
  text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: ${FONT}px; fill: #1f2328; }
  .title { font-size: 14px; font-weight: bold; }
  .note, .edge-label { font-size: ${EDGE_FONT}px; fill: #57606a; }
  .label { font-weight: bold; }
  rect { stroke-width: 1.5; }
  .workload rect { fill: #ddf4ff; stroke: #0969da; }
  .job rect { fill: #fff8c5; stroke: #9a6700; }
  .service rect { fill: #f6f8fa; stroke: #57606a; }
  .host rect { fill: #dafbe1; stroke: #1a7f37; }
  .storage rect { fill: #fff1e5; stroke: #bc4c00; }
  .secret rect { fill: #fbefff; stroke: #8250df; }
  .external rect { fill: #ffffff; stroke: #57606a; stroke-dasharray: 4 3; }
  path { fill: none; }
  .allowed path { stroke: #0969da; stroke-width: 1.5; }
  .blocked path { stroke: #cf222e; stroke-width: 1.5; stroke-dasharray: 5 4; }
  .uses path { stroke: #8c959f; stroke-width: 1; }
`;

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r = (n: number | undefined) => Number((n ?? 0).toFixed(1));

function nodeSize(n: TopologyNode): { width: number; height: number } {
  const longest = Math.max(n.label.length, ...n.details.map((d) => d.length));
  return { width: Math.ceil(longest * CHAR + 2 * PAD_X), height: (1 + n.details.length) * LINE + 2 * PAD_Y - 4 };
}

/** Edges between the same two boxes with the same meaning become one arrow, their labels joined. */
function mergedEdges(edges: readonly TopologyEdge[]): TopologyEdge[] {
  const out = new Map<string, TopologyEdge>();
  for (const e of edges) {
    const key = `${e.from}\u0000${e.to}\u0000${e.kind}`;
    const had = out.get(key);
    out.set(key, had ? { ...had, label: `${had.label}, ${e.label}` } : e);
  }
  return [...out.values()];
}

const LEGEND: ReadonlyArray<[string, string]> = [
  ['allowed', 'traffic the NetworkPolicies allow (connectsTo), with ports'],
  ['blocked', 'allowed by one side\'s NetworkPolicy only'],
  ['uses', 'selects, routes to, mounts, reads'],
];

/**
 * The SVG of a topology, laid out by ELK.
 * @returns the SVG document, ending with a newline
 */
export async function renderTopologySvg(topology: Topology): Promise<string> {
  const edges = mergedEdges(topology.edges);
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: LAYOUT_OPTIONS,
    children: topology.nodes.map((n) => ({ id: n.id, ...nodeSize(n) })),
    edges: edges.map((e, i): ElkExtendedEdge => ({
      id: `e${i}`,
      sources: [e.from],
      targets: [e.to],
      labels: [{ text: e.label, width: Math.ceil(e.label.length * EDGE_CHAR + 6), height: 14 }],
    })),
  };
  const laid = await new ELK().layout(graph);
  const top = 34;
  const width = Math.max(r(laid.width), 560);
  const legendTop = top + r(laid.height) + 8;
  const notes = [
    ...(topology.openEgress.length > 0 ? [`Every pod may also reach any address on ${topology.openEgress.join('; ')} (DNS).`] : []),
  ];
  const height = legendTop + (LEGEND.length + notes.length) * 18 + 12;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r(height)}" viewBox="0 0 ${width} ${r(height)}" font-family="monospace">`,
    `<title>${xml(`prodpath topology: ${topology.environment}`)}</title>`,
    `<style>${STYLE}</style>`,
    '<defs>',
    ...['allowed', 'blocked', 'uses'].map((k) => `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`
      + `<path d="M0,0 L10,5 L0,10 z" style="fill:${k === 'allowed' ? '#0969da' : k === 'blocked' ? '#cf222e' : '#8c959f'};stroke:none"/></marker>`),
    '</defs>',
    `<rect x="0" y="0" width="${width}" height="${r(height)}" style="fill:#ffffff;stroke:none"/>`,
    `<text class="title" x="16" y="22">${xml(`${topology.environment}${topology.namespace !== undefined ? ` (namespace ${topology.namespace})` : ''}`)}</text>`,
    `<g transform="translate(0,${top})">`,
  ];
  for (const [i, e] of (laid.edges ?? []).entries()) {
    const edge = edges[i];
    const parts: string[] = [];
    for (const s of (e as ElkExtendedEdge).sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      parts.push(pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${r(p.x)},${r(p.y)}`).join(' '));
    }
    out.push(`<g class="edge ${edge.kind}" data-from="${xml(edge.from)}" data-to="${xml(edge.to)}">`
      + `<path d="${parts.join(' ')}" marker-end="url(#arrow-${edge.kind})"/>`);
    for (const l of e.labels ?? []) {
      out.push(`<text class="edge-label" x="${r(l.x)}" y="${r((l.y ?? 0) + 11)}">${xml(l.text ?? '')}</text>`);
    }
    out.push('</g>');
  }
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  for (const c of laid.children ?? []) {
    const n = byId.get(c.id)!;
    out.push(`<g class="node ${n.type}" data-id="${xml(n.id)}" transform="translate(${r(c.x)},${r(c.y)})">`,
      `<rect width="${r(c.width)}" height="${r(c.height)}" rx="6"/>`,
      `<text class="label" x="${PAD_X}" y="${PAD_Y + FONT}">${xml(n.label)}</text>`,
      ...n.details.map((d, j) => `<text x="${PAD_X}" y="${PAD_Y + FONT + (j + 1) * LINE}">${xml(d)}</text>`),
      '</g>');
  }
  out.push('</g>');
  LEGEND.forEach(([kind, text], i) => {
    const y = legendTop + i * 18;
    out.push(`<g class="edge ${kind}"><path d="M16,${r(y + 8)} L56,${r(y + 8)}" marker-end="url(#arrow-${kind})"/></g>`,
      `<text class="note" x="64" y="${r(y + 12)}">${xml(text)}</text>`);
  });
  notes.forEach((text, i) => out.push(`<text class="note" x="16" y="${r(legendTop + (LEGEND.length + i) * 18 + 12)}">${xml(text)}</text>`));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
