import { EnvironmentSettings, WebService, WebServiceProps, Worker } from '../../lib';
import { checkManifests } from '../../lib/policy/manifest-rules';
import { find, manifests } from '../support/synth';
import { ENVIRONMENTS, expectInvalid, podSpec, shop, valid } from './support';

const AUTOSCALED: Record<string, EnvironmentSettings> = {
  dev: { namespace: 'shop-dev', replicas: 1 },
  prod: { namespace: 'shop', replicas: 3, autoscale: { max: 20 } },
};

function build(props: Partial<WebServiceProps> = {}, environments: Record<string, EnvironmentSettings> = ENVIRONMENTS) {
  return shop((env, image) => {
    new WebService(env, 'api', { image, host: `api.${env.name}.example.com`, ...props });
  }, environments);
}

describe('autoscaling', () => {
  test('follows the environment\'s autoscale setting: an HPA from its replicas to its max, and no replicas field', () => {
    const docs = valid(build({}, AUTOSCALED).app, 'prod');
    expect(find(docs, 'Deployment').spec.replicas).toBeUndefined();
    const hpa = find(docs, 'HorizontalPodAutoscaler');
    expect(hpa.metadata.name).toBe('api');
    expect(hpa.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 20,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(valid(build({}, AUTOSCALED).app, 'dev').some((d) => d.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  test('scales on memory too when asked, with the workload\'s settings over the environment\'s', () => {
    const hpa = find(valid(build({ autoscale: { min: 4, memoryUtilization: 80, cpuUtilization: 60 } }, { prod: AUTOSCALED.prod }).app, 'prod'), 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toBe(4);
    expect(hpa.spec.maxReplicas).toBe(20);
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 60], ['memory', 80]]);
  });

  test('is off for a workload that sets replicas or autoscale: false', () => {
    for (const props of [{ replicas: 4 }, { autoscale: false }]) {
      const docs = valid(build(props, AUTOSCALED).app, 'prod');
      expect(docs.some((d) => d.kind === 'HorizontalPodAutoscaler')).toBe(false);
      expect(find(docs, 'Deployment').spec.replicas).toBe(props.replicas ?? 3);
    }
  });

  test('autoscales workers as well', () => {
    const { app } = shop((env, image) => {
      new Worker(env, 'mailer', { image, health: { exec: ['true'] } });
    }, AUTOSCALED);
    const docs = valid(app, 'prod');
    expect(find(docs, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe('mailer');
    expect(find(docs, 'Deployment').spec.replicas).toBeUndefined();
  });
});

describe('replicas', () => {
  test('production runs two pods when neither the workload nor the environment says how many', () => {
    const { app } = build({}, { dev: { namespace: 'shop-dev' }, prod: { namespace: 'shop' } });
    expect(find(valid(app, 'prod'), 'Deployment').spec.replicas).toBe(2);
    expect(find(valid(app, 'dev'), 'Deployment').spec.replicas).toBe(1);
  });
});

describe('disruption budget and topology spread', () => {
  test('production gets a PodDisruptionBudget that allows one eviction, unhealthy pods always evictable', () => {
    const pdb = find(valid(build().app, 'prod'), 'PodDisruptionBudget');
    expect(pdb.metadata.name).toBe('api');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'shop-api', 'app.kubernetes.io/name': 'api' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('multi-replica workloads outside production get one too; single-replica ones do not', () => {
    expect(valid(build().app, 'staging').some((d) => d.kind === 'PodDisruptionBudget')).toBe(true);
    expect(valid(build().app, 'dev').some((d) => d.kind === 'PodDisruptionBudget')).toBe(false);
    expect(valid(build({ disruptionBudget: true }).app, 'dev').some((d) => d.kind === 'PodDisruptionBudget')).toBe(true);
  });

  test('takes a percentage or minAvailable', () => {
    const prod = { prod: ENVIRONMENTS.prod };
    expect(find(valid(build({ disruptionBudget: { maxUnavailable: '50%' } }, prod).app, 'prod'), 'PodDisruptionBudget').spec.maxUnavailable).toBe('50%');
    expect(find(valid(build({ disruptionBudget: { minAvailable: 2 } }, prod).app, 'prod'), 'PodDisruptionBudget').spec.minAvailable).toBe(2);
  });

  test('spreads pods across nodes, and across zones as a preference, per rollout revision', () => {
    const spec = podSpec(find(valid(build().app, 'prod'), 'Deployment'));
    const selector = { matchLabels: { 'app.kubernetes.io/instance': 'shop-api', 'app.kubernetes.io/name': 'api' } };
    expect(spec.topologySpreadConstraints).toEqual([
      { labelSelector: selector, matchLabelKeys: ['pod-template-hash'], maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
      { labelSelector: selector, matchLabelKeys: ['pod-template-hash'], maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
    ]);
    const strict = podSpec(find(valid(build({ topologySpread: { whenUnsatisfiable: 'DoNotSchedule' } }).app, 'prod'), 'Deployment'));
    expect(strict.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
    expect(podSpec(find(valid(build().app, 'dev'), 'Deployment')).topologySpreadConstraints).toBeUndefined();
  });

  test('production output passes every production rule without the user doing anything', () => {
    const { app } = shop((env, image) => {
      new WebService(env, 'api', { image, host: `api.${env.name}.example.com` });
      new Worker(env, 'mailer', { image, health: { exec: ['true'] } });
    }, AUTOSCALED);
    const findings = checkManifests(manifests(app, 'prod').map((object) => ({ object })), { production: true });
    expect(findings.map((f) => `${f.rule.id}: ${f.message}`)).toEqual([]);
  });
});

describe('rollouts and draining', () => {
  test('rolls out without losing capacity, keeps history for rollbacks and reports stuck rollouts', () => {
    const dep = find(valid(build().app, 'dev'), 'Deployment');
    expect(dep.spec).toMatchObject({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: 600,
      minReadySeconds: 0,
    });
  });

  test('sets the rollout it is given', () => {
    const dep = find(valid(build({ rollout: { maxSurge: 1, maxUnavailable: '10%', revisionHistoryLimit: 2, progressDeadlineSeconds: 300, minReadySeconds: 10 } }).app, 'dev'), 'Deployment');
    expect(dep.spec).toMatchObject({
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '10%' } },
      revisionHistoryLimit: 2,
      progressDeadlineSeconds: 300,
      minReadySeconds: 10,
    });
  });

  test('drains a web service: a preStop pause inside the termination grace period', () => {
    const spec = podSpec(find(valid(build().app, 'dev'), 'Deployment'));
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(spec.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    const custom = podSpec(find(valid(build({ drain: { terminationGracePeriodSeconds: 60, preStopDelaySeconds: 0 } }).app, 'dev'), 'Deployment'));
    expect(custom.terminationGracePeriodSeconds).toBe(60);
    expect(custom.containers[0].lifecycle).toBeUndefined();
  });
});

describe('bad availability input', () => {
  const cases: [string, Partial<WebServiceProps>, RegExp][] = [
    ['fails when the HPA minimum is above its maximum', { autoscale: { min: 5, max: 3 } }, /^shop\/dev\/api: autoscale\.min 5 is invalid: the minimum number of pods may not be above the maximum \(3\)\. Fix: raise autoscale\.max to at least 5/],
    ['fails when an HPA has no maximum', { autoscale: true }, /autoscale\.max \(missing\) is invalid: an autoscaler needs a maximum number of pods/],
    ['fails when the HPA minimum is 0', { autoscale: { min: 0, max: 3 } }, /autoscale\.min 0 is invalid: must be an integer from 1/],
    ['fails when a utilization target is 0', { autoscale: { max: 3, cpuUtilization: 0 } }, /autoscale\.cpuUtilization 0 is invalid: a utilization target is a whole percentage/],
    ['fails when replicas and autoscale are both set', { replicas: 2, autoscale: { max: 4 } }, /replicas 2 is invalid: a workload has either a fixed replica count or an autoscaler/],
    ['fails when the PDB allows no eviction (maxUnavailable 0)', { disruptionBudget: { maxUnavailable: 0 } }, /^shop\/dev\/api: disruptionBudget\.maxUnavailable 0 is invalid: a PodDisruptionBudget must allow at least one pod to be evicted \(it lets no pod be unavailable\), or node drains and cluster upgrades block forever\. Fix: use maxUnavailable: 1\./],
    ['fails when the PDB allows no eviction (0%)', { disruptionBudget: { maxUnavailable: '0%' } }, /disruptionBudget\.maxUnavailable "0%" is invalid: a PodDisruptionBudget must allow at least one pod/],
    ['fails when the PDB allows no eviction (minAvailable equals replicas)', { replicas: 3, disruptionBudget: { minAvailable: 3 } }, /disruptionBudget\.minAvailable 3 is invalid: a PodDisruptionBudget must allow at least one pod to be evicted \(with 3 pod\(s\) and 3 required available, none may go\)/],
    ['fails when the PDB allows no eviction (minAvailable 100%)', { replicas: 3, disruptionBudget: { minAvailable: '100%' } }, /disruptionBudget\.minAvailable "100%" is invalid/],
    ['fails when the PDB has both fields', { disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }, /disruptionBudget .* is invalid: a PodDisruptionBudget has maxUnavailable or minAvailable, not both/],
    ['fails when a PDB count is malformed', { disruptionBudget: { maxUnavailable: '1.5' as any } }, /disruptionBudget\.maxUnavailable "1\.5" is invalid: must be a whole number of pods/],
    ['fails when the PDB is turned off in production', { disruptionBudget: false }, /^shop\/prod\/api: disruptionBudget false is invalid: environment "prod" is production, where every workload has a PodDisruptionBudget/],
    ['fails when spreading is turned off in production', { topologySpread: false }, /^shop\/prod\/api: topologySpread false is invalid: environment "prod" is production/],
    ['fails when TLS is turned off in production', { tls: false }, /^shop\/prod\/api: tls false is invalid: environment "prod" is production, where every Ingress serves TLS/],
    ['fails when a rollout cannot move', { rollout: { maxSurge: 0, maxUnavailable: 0 } }, /rollout .* is invalid: a rolling update needs room to move/],
    ['fails when the progress deadline is not above minReadySeconds', { rollout: { minReadySeconds: 60, progressDeadlineSeconds: 60 } }, /rollout\.progressDeadlineSeconds 60 is invalid: the progress deadline must be longer than minReadySeconds/],
    ['fails when the preStop delay eats the grace period', { drain: { terminationGracePeriodSeconds: 10, preStopDelaySeconds: 10 } }, /drain\.preStopDelaySeconds 10 is invalid: the preStop delay counts against the termination grace period \(10s\)/],
    ['fails when the revision history is negative', { rollout: { revisionHistoryLimit: -1 } }, /rollout\.revisionHistoryLimit -1 is invalid/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props), message);
  });

  test('fails when the environment\'s HPA minimum is above its maximum', () => {
    expectInvalid(() => build({}, { prod: { namespace: 'shop', autoscale: { min: 30, max: 20 } } }),
      /^shop\/prod\/api: autoscale\.min 30 is invalid: the minimum number of pods may not be above the maximum \(20\)/);
  });
});
