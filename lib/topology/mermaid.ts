/**
 * A {@link Topology} as a Mermaid flowchart, for Markdown that GitHub and GitLab render (the
 * pull-request summary of `prodpath diff --against --markdown`).
 */
import { Topology } from './model';

/** Text inside a quoted Mermaid label. */
function label(text: string): string {
  return text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;');
}

/** The flowchart's lines (without the code fence). */
export function topologyMermaid(t: Topology): string[] {
  const ids = new Map(t.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of t.nodes) {
    const text = label([n.label, ...n.details].join('<br/>')).replace(/#lt;br\/#gt;/g, '<br/>');
    const [open, close] = n.type === 'external' ? ['((', '))'] : n.type === 'storage' ? ['[(', ')]'] : n.type === 'host' ? ['([', '])'] : ['[', ']'];
    lines.push(`  ${ids.get(n.id)}${open}"${text}"${close}`);
  }
  for (const e of t.edges) {
    const arrow = e.kind === 'allowed' ? '==>' : e.kind === 'blocked' ? '-.->' : '-->';
    lines.push(`  ${ids.get(e.from)} ${arrow}|"${label(e.kind === 'blocked' ? `${e.label} (blocked)` : e.label)}"| ${ids.get(e.to)}`);
  }
  return lines;
}
