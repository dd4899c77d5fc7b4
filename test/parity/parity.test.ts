import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { App, CronTask, ExternalImage, Parity, Policy, PolicyError, WebService, Worker } from '../../lib';
import { PARITY_ANNOTATION } from '../../lib/parity/parity';
import { formatFinding } from '../../lib/policy/rules';
import { buildShop } from '../../examples/shop/main';
import { ManifestObject } from '../../lib/diff/semantic-diff';
import { find, manifests, testApp } from '../support/synth';
import { FOUR_ENVIRONMENTS, fourEnvironmentApp, renderError, standardWorkloads } from './support';

const RATIONALE = '(every environment runs the same application, so what was validated in one holds in the next; they differ only where the source declares it)';
const BY_DEFAULT = 'only replicas, autoscaling, disruption budgets, spread, resources, Ingress hosts and TLS, config values, storage, secret sources and the namespace may differ by default';

/** The parity findings of a render, as lines (each finding is one line of the PolicyError). */
function parityErrors(app: App): string[] {
  const e = renderError(app);
  if (e === undefined) {
    return [];
  }
  if (!(e instanceof PolicyError)) {
    throw e;
  }
  const lines = e.findings.filter((f) => f.rule.id === 'environment-parity').map(formatFinding);
  // The error's message lists the same lines.
  lines.forEach((l) => expect(e.message).toContain(`  - ${l}`));
  return lines;
}

/** The objects of every environment of an app, in promotion order, for Parity.check. */
function environmentsOf(app: App, names: readonly string[], pipeline = 'web'): { name: string; objects: ManifestObject[] }[] {
  const files = app.render();
  return names.map((name) => ({ name, objects: parseAllDocuments(files.get(`${name}/${pipeline}.k8s.yaml`)!).map((d) => ({ object: d.toJS() })) }));
}

describe('parity: declared differences pass', () => {
  test('the shop example: dev, staging and prod differ only where the source declares it', () => {
    const app = testApp();
    buildShop(app);
    expect(renderError(app)).toBeUndefined();
    expect(Parity.check(environmentsOf(app, ['dev', 'staging', 'prod'], 'shop'))).toEqual([]);
  });

  test('four environments with two production clusters: namespace, replicas, autoscaling, hosts, IngressClass, ingress controller, resources, config, storage and secret stores differ', () => {
    const { app } = fourEnvironmentApp();
    expect(parityErrors(app)).toEqual([]);
    const files = app.render();
    expect([...files.keys()].filter((f) => f.endsWith('.k8s.yaml')).sort()).toEqual(['dev/web.k8s.yaml', 'prod-eu/web.k8s.yaml', 'prod-us/web.k8s.yaml', 'staging/web.k8s.yaml']);
    const eu = manifests(app, 'prod-eu', 'web');
    const us = manifests(app, 'prod-us', 'web');
    expect(find(eu, 'Ingress').spec.ingressClassName).toBe('nginx-eu');
    expect(find(us, 'Ingress').spec.ingressClassName).toBe('nginx-us');
    expect(find(eu, 'HorizontalPodAutoscaler', 'api').spec.maxReplicas).toBe(10);
    expect(find(us, 'HorizontalPodAutoscaler', 'api').spec.maxReplicas).toBe(20);
    expect(find(us, 'StatefulSet').spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'gp3-us', resources: { requests: { storage: '80Gi' } } });
  });

  test('objects production adds by default (PodDisruptionBudget, HorizontalPodAutoscaler) may exist in some environments only', () => {
    const { app } = fourEnvironmentApp();
    expect(manifests(app, 'dev', 'web').filter((d) => ['PodDisruptionBudget', 'HorizontalPodAutoscaler'].includes(d.kind))).toEqual([]);
    expect(manifests(app, 'prod-eu', 'web').filter((d) => d.kind === 'HorizontalPodAutoscaler').map((d) => d.metadata.name)).toEqual(['api', 'mailer']);
    expect(parityErrors(app)).toEqual([]);
  });

  test('TLS may be off outside production', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new WebService(env, 'api', { image, host: `api.${env.settings.domain}`, tls: env.production ? undefined : false });
    });
    expect(parityErrors(app)).toEqual([]);
  });

  test('a value that differs only by the namespace name (a connection host) is no difference', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new Worker(env, 'reporter', { image, command: ['node', 'report.js', `--namespace=${env.namespaceName}`], health: { tcpPort: 9090 } });
    });
    expect(parityErrors(app)).toEqual([]);
  });

  test('a policy exemption made in production only is a recorded decision, not a difference', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      const mailer = new Worker(env, 'mailer', { image, command: ['node', 'mailer.js'], health: { tcpPort: 9090 } });
      if (env.production) {
        Policy.exempt(mailer, 'production-replicas', 'the mailer must run alone: the SMTP relay allows one connection');
      }
    });
    const errors = parityErrors(app);
    expect(errors).toEqual([]);
  });

  test('a single environment has nothing to compare', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new Worker(env, 'mailer', { image, command: ['node', env.name], health: { tcpPort: 9090 } });
    }, { environments: { dev: FOUR_ENVIRONMENTS.dev } });
    expect(parityErrors(app)).toEqual([]);
  });
});

describe('parity: undeclared differences fail the synth', () => {
  test('fails when a command differs between environments, naming both environments, the object, the field and the fix', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new Worker(env, 'mailer', { image, command: env.production ? ['node', 'mailer.js', '--batch'] : ['node', 'mailer.js'], health: { tcpPort: 9090 } });
    });
    expect(parityErrors(app)).toEqual([
      'web/prod-eu/mailer/deployment Deployment web-eu/mailer /spec/template/spec/containers/0/command: [environment-parity] '
      + `environments "staging" and "prod-eu" differ here: staging has ["node","mailer.js"], prod-eu has ["node","mailer.js","--batch"]; ${BY_DEFAULT}. `
      + 'Fix: give it the same value in every environment, pass the per-environment value through config (config values may differ), or declare the difference inside pipeline.define: '
      + `Parity.allowDifference(mailer /* web/prod-eu/mailer */, '/spec/template/spec/containers/0/command', '<why it differs>'). ${RATIONALE}`,
    ]);
  });

  test('fails when the two production clusters differ, naming prod-eu and prod-us', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new Worker(env, 'mailer', { image, command: ['node', env.is('prod-us') ? 'mailer-us.js' : 'mailer.js'], health: { tcpPort: 9090 } });
    });
    expect(parityErrors(app)).toEqual([expect.stringContaining('environments "prod-eu" and "prod-us" differ here: prod-eu has ["node","mailer.js"], prod-us has ["node","mailer-us.js"]')]);
  });

  test('fails when an image differs between environments', () => {
    const { app } = fourEnvironmentApp((env) => {
      const image = ExternalImage.of(env.is('dev') ? 'ghcr.io/acme/cache:7.2' : 'ghcr.io/acme/cache:7.0', { user: { uid: 10001, gid: 10001 }, port: 6379 });
      new Worker(env, 'cache', { image, health: { tcpPort: 6379 } });
    });
    const errors = parityErrors(app);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^web\/staging\/cache\/deployment Deployment web-staging\/cache \/spec\/template\/spec\/containers\/0\/image: \[environment-parity\] environments "dev" and "staging" differ here: dev has "ghcr\.io\/acme\/cache:7\.2", staging has "ghcr\.io\/acme\/cache:7\.0";/),
    ]));
    // The version label follows the image, and is reported too.
    expect(errors.some((l) => l.includes('/metadata/labels/app.kubernetes.io~1version'))).toBe(true);
  });

  test('fails when a port differs between environments', () => {
    const { app } = fourEnvironmentApp((env) => {
      const port = env.is('dev') ? 8081 : 8080;
      new WebService(env, 'api', { image: ExternalImage.of('ghcr.io/acme/api:1.0.0', { user: { uid: 10001, gid: 10001 } }), port });
    });
    const errors = parityErrors(app);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringContaining('Service web-staging/api /spec/ports/0/port: [environment-parity] environments "dev" and "staging" differ here: dev has 8081, staging has 8080;'),
      expect.stringContaining('Deployment web-staging/api /spec/template/spec/containers/0/ports/0/containerPort: [environment-parity] environments "dev" and "staging" differ here: dev has 8081, staging has 8080;'),
    ]));
  });

  test('fails when a workload exists in one environment only', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      if (env.is('dev')) {
        new Worker(env, 'debugger', { image, command: ['node', 'debug.js'], health: { tcpPort: 9229 } });
      }
    });
    const errors = parityErrors(app);
    expect(errors).toContain('web/dev/debugger/deployment Deployment web-dev/debugger: [environment-parity] Deployment debugger exists in environment "dev" but not in environment "staging", '
      + 'and no setting declares it per environment. Fix: create it in every environment, or declare it inside pipeline.define: '
      + `Parity.allowDifference(debugger /* web/dev/debugger */, '', '<why only some environments have it>'). ${RATIONALE}`);
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining('NetworkPolicy web-dev/debugger: [environment-parity] NetworkPolicy debugger exists in environment "dev" but not in environment "staging"')]));
  });

  test('fails when a config key exists in some environments only (values may differ, keys may not)', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      standardWorkloads(env, image, { apiConfig: (e) => ({ LOG_LEVEL: e.settings.logLevel, ...(e.is('dev') ? { DEBUG_SQL: '1' } : {}) }) });
    });
    expect(parityErrors(app)).toEqual([expect.stringMatching(
      /^web\/staging\/api\/config ConfigMap web-staging\/api-config-[0-9a-f]{10} \/data\/DEBUG_SQL: \[environment-parity\] environments "dev" and "staging" differ here: dev has "1", staging does not set it;/,
    )]);
  });

  test('fails when a probe differs between environments', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new WebService(env, 'api', { image, health: { path: env.production ? '/ready' : '/healthz' } });
    });
    expect(parityErrors(app)).toEqual(expect.arrayContaining([
      expect.stringContaining('Deployment web-eu/api /spec/template/spec/containers/0/readinessProbe/httpGet/path: [environment-parity] environments "staging" and "prod-eu" differ here: staging has "/healthz", prod-eu has "/ready";'),
    ]));
  });

  test('fails when a schedule differs between environments', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new CronTask(env, 'cleanup', { image, schedule: env.is('dev') ? '*/5 * * * *' : '0 3 * * *', command: ['node', 'cleanup.js'] });
    });
    expect(parityErrors(app)).toEqual([expect.stringContaining('CronJob web-staging/cleanup /spec/schedule: [environment-parity] environments "dev" and "staging" differ here: dev has "*/5 * * * *", staging has "0 3 * * *";')]);
  });

  test('fails when a command argument is built from a setting: settings are per environment, the command is not', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      new Worker(env, 'mailer', { image, command: ['node', 'mailer.js', `--from=noreply@${env.settings.domain}`], health: { tcpPort: 9090 } });
    });
    const [error] = parityErrors(app);
    expect(error).toContain('/spec/template/spec/containers/0/command: [environment-parity] environments "dev" and "staging" differ here: dev has ["node","mailer.js","--from=noreply@dev.example.com"]');
    expect(error).toContain('Fix: give it the same value in every environment, pass the per-environment value through config (config values may differ), or declare the difference');
  });
});

describe('Parity.allowDifference', () => {
  const dryRun = (declare: boolean) => fourEnvironmentApp((env, image) => {
    const mailer = new Worker(env, 'mailer', { image, command: env.is('dev') ? ['node', 'mailer.js', '--dry-run'] : ['node', 'mailer.js'], health: { tcpPort: 9090 } });
    if (declare) {
      Parity.allowDifference(mailer, '/spec/template/spec/containers/0/command', 'dev prints mail instead of sending it');
    }
  });

  test('lets a declared field differ and records the reason on the objects that have the field', () => {
    const { app } = dryRun(true);
    expect(parityErrors(app)).toEqual([]);
    for (const envName of ['dev', 'prod-us']) {
      const docs = manifests(app, envName, 'web');
      expect(find(docs, 'Deployment', 'mailer').metadata.annotations).toEqual({
        [PARITY_ANNOTATION]: '{"/spec/template/spec/containers/0/command":"dev prints mail instead of sending it"}',
      });
      expect(find(docs, 'NetworkPolicy', 'mailer').metadata.annotations).toBeUndefined();
    }
  });

  test('a declaration made in one environment only is enough: either side of a difference may declare it', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      const mailer = new Worker(env, 'mailer', { image, command: env.is('dev') ? ['node', 'mailer.js', '--dry-run'] : ['node', 'mailer.js'], health: { tcpPort: 9090 } });
      if (env.is('dev')) {
        Parity.allowDifference(mailer, '/spec/template/spec/containers/0/command', 'dev prints mail instead of sending it');
      }
    });
    expect(parityErrors(app)).toEqual([]);
    expect(find(manifests(app, 'staging', 'web'), 'Deployment', 'mailer').metadata.annotations).toBeUndefined();
  });

  test('without the declaration the same app fails', () => {
    expect(parityErrors(dryRun(false).app)).toHaveLength(1);
  });

  test('covers the field only: another difference of the same object still fails', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      const mailer = new Worker(env, 'mailer', {
        image, command: ['node', env.name], health: { exec: env.is('dev') ? ['true'] : ['node', 'check.js'] },
      });
      Parity.allowDifference(mailer, '/spec/template/spec/containers/0/command', 'each environment runs its own entry point');
    });
    const errors = parityErrors(app);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((l) => /\/spec\/template\/spec\/containers\/0\/(readiness|liveness|startup)Probe\/exec\/command:/.test(l))).toBe(true);
  });

  test('"*" stands for any one segment', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      const mailer = new Worker(env, 'mailer', { image, command: ['node', 'mailer.js', env.name], health: { tcpPort: 9090 } });
      Parity.allowDifference(mailer, '/spec/template/spec/containers/*/command', 'each environment names itself to the mailer');
    });
    expect(parityErrors(app)).toEqual([]);
  });

  test('"" lets a workload exist in some environments only', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      if (env.is('dev')) {
        const debug = new Worker(env, 'debugger', { image, command: ['node', 'debug.js'], health: { tcpPort: 9229 } });
        Parity.allowDifference(debug, '', 'a debugging helper that only dev runs');
      }
    });
    expect(parityErrors(app)).toEqual([]);
    expect(find(manifests(app, 'dev', 'web'), 'Deployment', 'debugger').metadata.annotations).toEqual({ [PARITY_ANNOTATION]: '{"":"a debugging helper that only dev runs"}' });
  });

  const bad: [string, (scope: Construct) => void, RegExp][] = [
    ['the pointer does not start with "/"', (s) => Parity.allowDifference(s, 'spec/replicas', 'dev runs fewer of them'),
      /^web\/dev\/mailer: pointer "spec\/replicas" is invalid: must be a JSON pointer: "" for whole objects, or "\/" followed by non-empty segments \("~1" for "\/", "~0" for "~", "\*" for any one segment\)\. Fix: use a pointer such as "\/spec\/template\/spec\/containers\/0\/command"\.$/],
    ['the pointer has an empty segment', (s) => Parity.allowDifference(s, '/spec//replicas', 'dev runs fewer of them'), /^web\/dev\/mailer: pointer "\/spec\/\/replicas" is invalid: must be a JSON pointer/],
    ['the pointer has a bad escape', (s) => Parity.allowDifference(s, '/metadata/annotations/a~2b', 'dev runs fewer of them'), /^web\/dev\/mailer: pointer "\/metadata\/annotations\/a~2b" is invalid/],
    ['the reason is too short', (s) => Parity.allowDifference(s, '/spec/replicas', 'because'),
      /^web\/dev\/mailer: reason "because" is invalid: a declared difference needs a written reason of at least 10 characters, recorded on the objects for reviewers\. Fix: say why the environments differ, such as "dev sends no mail: it prints it"\.$/],
  ];
  test.each(bad)('fails when %s', (_what, declare, message) => {
    let error: Error | undefined;
    fourEnvironmentApp((env, image) => {
      const mailer = new Worker(env, 'mailer', { image, command: ['node', 'mailer.js'], health: { tcpPort: 9090 } });
      if (env.is('dev')) {
        try {
          declare(mailer);
        } catch (e) {
          error = e as Error;
        }
      }
    });
    expect(error?.name).toBe('ValidationError');
    expect(error?.message).toMatch(message);
  });

  test('fails when the construct is not inside an environment', () => {
    const { app } = fourEnvironmentApp(() => undefined);
    expect(() => Parity.allowDifference(app, '/spec/replicas', 'dev runs fewer of them')).toThrow(
      /^<app>: scope "" is invalid: a parity declaration covers objects of an environment, and this construct is not inside one\. Fix: call Parity\.allowDifference\(workload, \.\.\.\) inside pipeline\.define/,
    );
  });

  test('fails when the pointer covers no field of any object under the construct', () => {
    const { app } = fourEnvironmentApp((env, image) => {
      const mailer = new Worker(env, 'mailer', { image, command: ['node', 'mailer.js'], health: { tcpPort: 9090 } });
      Parity.allowDifference(mailer, '/spec/template/spec/container/0/command', 'a misspelt pointer covers nothing');
    });
    const e = renderError(app);
    expect(e?.name).toBe('ValidationError');
    expect(e?.message).toBe('web/dev/mailer: Parity.allowDifference pointer "/spec/template/spec/container/0/command" is invalid: no object under this construct has that field or its parent, in any environment, so the declaration covers nothing. '
      + 'Fix: check the pointer against the synthesized manifests (`prodpath diff <envA> <envB>` prints the pointers that differ).');
  });
});

describe('Parity.check on manifests', () => {
  const deployment = (replicas: number, command: string[], annotations?: Record<string, string>) => ({
    object: {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'x', ...(annotations ? { annotations } : {}) },
      spec: { replicas, template: { spec: { containers: [{ name: 'api', command }] } } },
    },
  });

  test('reads declarations recorded on the objects, so committed output can be checked too', () => {
    const declared = { [PARITY_ANNOTATION]: JSON.stringify({ '/spec/template/spec/containers/0/command': 'dev has its own entry point' }) };
    expect(Parity.check([
      { name: 'dev', objects: [deployment(1, ['a'], declared)] },
      { name: 'prod', objects: [deployment(3, ['b'], declared)] },
    ])).toEqual([]);
    expect(Parity.check([
      { name: 'dev', objects: [deployment(1, ['a'])] },
      { name: 'prod', objects: [deployment(3, ['b'])] },
    ]).map((f) => f.where)).toEqual(['/spec/template/spec/containers/0/command']);
  });

  test('lists the declared differences with ids and descriptions', () => {
    const ids = Parity.declaredDifferences().map((d) => d.id);
    expect(ids).toEqual(['namespace', 'namespace-annotations', 'replicas', 'autoscaling', 'disruption-budget', 'topology-spread', 'resources',
      'ingress-hosts', 'config-values', 'storage', 'secret-sources', 'ingress-controller', 'promoted-images', 'recorded-decisions']);
    expect(Parity.declaredDifferences().every((d) => d.description.length > 20)).toBe(true);
  });
});

