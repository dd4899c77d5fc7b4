/**
 * The topology of one environment, read from its synthesized manifests: workloads (with their
 * pods), Services, Ingress hosts, the traffic the NetworkPolicies allow (the `connectsTo` edges,
 * with ports, and traffic from the ingress controller or to outside addresses), storage, Jobs
 * and CronJobs, and the external secrets each workload reads. Drawn by `prodpath graph`.
 */
import { ManifestObject } from '../diff/semantic-diff';

/** What a node stands for; decides its style. */
export type TopologyNodeType = 'workload' | 'job' | 'service' | 'host' | 'storage' | 'secret' | 'external';

/** One box of the picture. */
export interface TopologyNode {
  /** Stable id, such as `Deployment/api`. */
  readonly id: string;
  readonly type: TopologyNodeType;
  /** The first line, such as `Deployment api`. */
  readonly label: string;
  /** Further lines, such as `3 – 20 pods (HPA)`. */
  readonly details: readonly string[];
}

/** One arrow of the picture. */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  /** Ports or what the arrow means (`5432/TCP`, `reads`, `mounts`). */
  readonly label: string;
  /**
   * `allowed`: traffic the NetworkPolicies allow; `blocked`: one side's policy allows it and the
   * other's does not; `uses`: not traffic (a Service selecting pods, a volume, a secret).
   */
  readonly kind: 'allowed' | 'blocked' | 'uses';
}

/** One environment's topology. */
export interface Topology {
  readonly environment: string;
  readonly namespace?: string;
  /** Sorted by id. */
  readonly nodes: readonly TopologyNode[];
  /** Sorted by from, to and label. */
  readonly edges: readonly TopologyEdge[];
  /** Egress every selected pod has to any destination, such as DNS (`53/UDP, 53/TCP`). */
  readonly openEgress: readonly string[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const HASHED = /^(.+)-[0-9a-f]{10}$/;

function podTemplate(o: any): any {
  return o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) {
    return false;
  }
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function ports(list: any[] | undefined): string {
  if (list === undefined || list.length === 0) {
    return 'all ports';
  }
  return list.map((p) => `${p.port ?? '*'}/${p.protocol ?? 'TCP'}`).join(', ');
}

/** A Job's name without its content hash (`migrate-adcd89fdbe` is `migrate`). */
function displayName(kind: string, name: string): string {
  const m = kind === 'Job' ? HASHED.exec(name) : null;
  return m ? m[1] : name;
}

/** The Secrets a pod spec reads: env values, envFrom, secret volumes and projected volumes. */
function secretsRead(spec: any): Set<string> {
  const out = new Set<string>();
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])] as any[]) {
    for (const e of (c.env ?? []) as any[]) {
      if (e.valueFrom?.secretKeyRef?.name) {
        out.add(e.valueFrom.secretKeyRef.name);
      }
    }
    for (const e of (c.envFrom ?? []) as any[]) {
      if (e.secretRef?.name) {
        out.add(e.secretRef.name);
      }
    }
  }
  for (const v of (spec?.volumes ?? []) as any[]) {
    if (v.secret?.secretName) {
      out.add(v.secret.secretName);
    }
    for (const src of (v.projected?.sources ?? []) as any[]) {
      if (src.secret?.name) {
        out.add(src.secret.name);
      }
    }
  }
  return out;
}

/** Reads the topology of one environment from its objects. */
export function readTopology(environment: string, objects: readonly ManifestObject[]): Topology {
  const all = objects.map((o) => o.object).filter((o) => o !== null && typeof o === 'object');
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const addEdge = (e: TopologyEdge) => {
    const key = `${e.from}\u0000${e.to}\u0000${e.label}`;
    const had = edges.get(key);
    if (had === undefined || (had.kind === 'blocked' && e.kind === 'allowed')) {
      edges.set(key, e);
    }
  };
  const hpas = new Map<string, any>(all.filter((o) => o.kind === 'HorizontalPodAutoscaler')
    .map((h) => [`${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`, h.spec]));

  // Workloads, Jobs and CronJobs: their pod labels, for selectors.
  const pods: Array<{ id: string; labels: Record<string, string>; spec: any }> = [];
  for (const o of all.filter((x) => WORKLOAD_KINDS.has(x.kind) || x.kind === 'Job' || x.kind === 'CronJob')) {
    const name = displayName(o.kind, String(o.metadata?.name));
    const id = `${o.kind}/${name}`;
    const details: string[] = [];
    if (WORKLOAD_KINDS.has(o.kind)) {
      const h = hpas.get(`${o.kind}/${o.metadata?.name}`);
      const n = h ? `${h.minReplicas ?? 1} – ${h.maxReplicas} pods (HPA)` : `${o.spec?.replicas ?? 1} pod${(o.spec?.replicas ?? 1) === 1 ? '' : 's'}`;
      details.push(n);
    } else if (o.kind === 'CronJob') {
      details.push(`schedule ${o.spec?.schedule}${o.spec?.timeZone ? ` (${o.spec.timeZone})` : ''}`);
    } else {
      details.push('runs once per rollout');
    }
    const template = podTemplate(o);
    const images = [...new Set(((template?.spec?.containers ?? []) as any[]).map((c) => String(c.image ?? '').replace(/@sha256:[0-9a-f]{64}$/, '@sha256:…')))];
    details.push(...images.map((i) => (i.length > 48 ? `${i.slice(0, 47)}…` : i)));
    nodes.set(id, { id, type: WORKLOAD_KINDS.has(o.kind) ? 'workload' : 'job', label: `${o.kind} ${name}`, details });
    pods.push({ id, labels: template?.metadata?.labels ?? {}, spec: template?.spec ?? {} });

    // Storage: claim templates (one volume per pod) and claims the pods mount.
    for (const t of (o.spec?.volumeClaimTemplates ?? []) as any[]) {
      const vid = `Volume/${name}/${t.metadata?.name}`;
      const size = t.spec?.resources?.requests?.storage;
      nodes.set(vid, {
        id: vid, type: 'storage', label: `volume ${t.metadata?.name}`,
        details: [`${size ?? '?'} per pod`, ...(t.spec?.storageClassName ? [`class ${t.spec.storageClassName}`] : [])],
      });
      addEdge({ from: id, to: vid, label: 'mounts', kind: 'uses' });
    }
    for (const v of (template?.spec?.volumes ?? []) as any[]) {
      if (v.persistentVolumeClaim?.claimName) {
        addEdge({ from: id, to: `PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`, label: 'mounts', kind: 'uses' });
      }
    }
  }
  for (const c of all.filter((x) => x.kind === 'PersistentVolumeClaim')) {
    const id = `PersistentVolumeClaim/${c.metadata?.name}`;
    nodes.set(id, { id, type: 'storage', label: `PersistentVolumeClaim ${c.metadata?.name}`, details: [`${c.spec?.resources?.requests?.storage ?? '?'}`] });
  }

  // Services select pods; Ingress hosts route to Services.
  for (const s of all.filter((x) => x.kind === 'Service')) {
    const id = `Service/${s.metadata?.name}`;
    nodes.set(id, { id, type: 'service', label: `Service ${s.metadata?.name}`, details: [`port ${ports(s.spec?.ports).replace(/\/TCP/g, '')}`, ...(s.spec?.clusterIP === 'None' ? ['headless'] : [])] });
    for (const p of pods.filter((x) => matches(s.spec?.selector, x.labels))) {
      addEdge({ from: id, to: p.id, label: 'selects', kind: 'uses' });
    }
  }
  for (const ing of all.filter((x) => x.kind === 'Ingress')) {
    const tls = new Set(((ing.spec?.tls ?? []) as any[]).flatMap((t) => t.hosts ?? []));
    for (const rule of (ing.spec?.rules ?? []) as any[]) {
      const hid = `Host/${rule.host ?? '*'}`;
      nodes.set(hid, { id: hid, type: 'host', label: `https://${rule.host ?? '*'}`.replace(/^https/, tls.has(rule.host) ? 'https' : 'http'), details: [`Ingress ${ing.metadata?.name}${ing.spec?.ingressClassName ? ` (${ing.spec.ingressClassName})` : ''}`] });
      for (const p of (rule.http?.paths ?? []) as any[]) {
        const svc = p.backend?.service;
        if (svc?.name) {
          addEdge({ from: hid, to: `Service/${svc.name}`, label: `${p.path ?? '/'} → ${svc.port?.number ?? svc.port?.name ?? ''}`.trim(), kind: 'uses' });
        }
      }
    }
  }

  // External secrets, and the workloads that read their Secret.
  for (const x of all.filter((o) => o.kind === 'ExternalSecret')) {
    const target = String(x.spec?.target?.name ?? x.metadata?.name);
    const id = `ExternalSecret/${x.metadata?.name}`;
    const keys = [...new Set(((x.spec?.data ?? []) as any[]).map((d) => d.remoteRef?.key).filter(Boolean))];
    nodes.set(id, { id, type: 'secret', label: `ExternalSecret ${x.metadata?.name}`, details: [...keys.map((k) => `from ${k}`), `store ${x.spec?.secretStoreRef?.name ?? '?'}`] });
    for (const p of pods.filter((x) => secretsRead(x.spec).has(target))) {
      addEdge({ from: id, to: p.id, label: 'read by', kind: 'uses' });
    }
  }

  // What the NetworkPolicies allow.
  const openEgress = new Set<string>();
  const policies = all.filter((o) => o.kind === 'NetworkPolicy');
  const selected = (np: any) => pods.filter((p) => matches(np.spec?.podSelector?.matchLabels, p.labels));
  const allows = (direction: 'ingress' | 'egress', self: string, other: string, port: string): boolean =>
    policies.some((np) => selected(np).some((p) => p.id === self) && ((np.spec?.[direction] ?? []) as any[]).some((rule) => {
      const peers = (direction === 'ingress' ? rule.from : rule.to) as any[] | undefined;
      const peerOk = peers === undefined || peers.some((peer) => peer.podSelector && !peer.namespaceSelector && pods.some((p) => p.id === other && matches(peer.podSelector.matchLabels, p.labels)));
      return peerOk && (rule.ports === undefined || ports(rule.ports).split(', ').includes(port));
    }));
  const isolated = (direction: 'Ingress' | 'Egress', id: string) => policies.some((np) => selected(np).some((p) => p.id === id)
    && ((np.spec?.policyTypes as string[] | undefined) ?? (direction === 'Ingress' ? ['Ingress'] : np.spec?.egress ? ['Egress'] : [])).includes(direction));
  for (const np of policies) {
    for (const self of selected(np)) {
      for (const rule of (np.spec?.ingress ?? []) as any[]) {
        for (const peer of (rule.from ?? []) as any[]) {
          if (peer.podSelector && !peer.namespaceSelector) {
            for (const src of pods.filter((p) => matches(peer.podSelector.matchLabels, p.labels))) {
              for (const port of ports(rule.ports).split(', ')) {
                const ok = !isolated('Egress', src.id) || allows('egress', src.id, self.id, port);
                addEdge({ from: src.id, to: self.id, label: port, kind: ok ? 'allowed' : 'blocked' });
              }
            }
          } else if (peer.namespaceSelector) {
            const labels = peer.namespaceSelector.matchLabels ?? {};
            const ns = labels['kubernetes.io/metadata.name'] ?? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
            const id = `Namespace/${ns}`;
            nodes.set(id, { id, type: 'external', label: `namespace ${ns || '(any)'}`, details: ['allowed in by NetworkPolicy'] });
            addEdge({ from: id, to: self.id, label: ports(rule.ports), kind: 'allowed' });
          } else if (peer.ipBlock) {
            const id = `Addresses/${peer.ipBlock.cidr}`;
            nodes.set(id, { id, type: 'external', label: `addresses ${peer.ipBlock.cidr}`, details: (peer.ipBlock.except ?? []).map((e: string) => `except ${e}`) });
            addEdge({ from: id, to: self.id, label: ports(rule.ports), kind: 'allowed' });
          }
        }
      }
      for (const rule of (np.spec?.egress ?? []) as any[]) {
        if (rule.to === undefined) {
          openEgress.add(ports(rule.ports));
          continue;
        }
        for (const peer of rule.to as any[]) {
          if (peer.podSelector && !peer.namespaceSelector) {
            for (const dst of pods.filter((p) => matches(peer.podSelector.matchLabels, p.labels))) {
              for (const port of ports(rule.ports).split(', ')) {
                const ok = !isolated('Ingress', dst.id) || allows('ingress', dst.id, self.id, port);
                addEdge({ from: self.id, to: dst.id, label: port, kind: ok ? 'allowed' : 'blocked' });
              }
            }
          } else if (peer.ipBlock) {
            const id = `Addresses/${peer.ipBlock.cidr}`;
            nodes.set(id, { id, type: 'external', label: `addresses ${peer.ipBlock.cidr}`, details: (peer.ipBlock.except ?? []).map((e: string) => `except ${e}`) });
            addEdge({ from: self.id, to: id, label: ports(rule.ports), kind: 'allowed' });
          } else if (peer.namespaceSelector) {
            const labels = peer.namespaceSelector.matchLabels ?? {};
            const ns = labels['kubernetes.io/metadata.name'] ?? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
            const id = `Namespace/${ns}`;
            nodes.set(id, { id, type: 'external', label: `namespace ${ns || '(any)'}`, details: ['allowed out by NetworkPolicy'] });
            addEdge({ from: self.id, to: id, label: ports(rule.ports), kind: 'allowed' });
          }
        }
      }
    }
  }
  const ns = all.find((o) => o.kind === 'Namespace' && o.metadata?.annotations?.['prodpath.dev/environment'] !== undefined);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    environment,
    ...(ns?.metadata?.name !== undefined ? { namespace: String(ns.metadata.name) } : {}),
    nodes: [...nodes.values()].filter((n) => n.id !== undefined).sort((a, b) => cmp(a.id, b.id)),
    edges: [...edges.values()].filter((e) => nodes.has(e.from) && nodes.has(e.to))
      .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.label, b.label)),
    openEgress: [...openEgress].sort(),
  };
}
