import { Construct } from 'constructs';
import { App, EnvironmentSettings, ImageRecipe, Pipeline, ValidationError, WebService } from '../lib';
import { manifests, nodeServiceFixture, testApp } from './support/synth';

interface DomainSettings extends EnvironmentSettings {
  readonly domain: string;
}

const three = {
  dev: { namespace: 'shop-dev', replicas: 1, domain: 'dev.shop.example.com' },
  staging: { namespace: 'shop-staging', replicas: 2, domain: 'staging.shop.example.com' },
  prod: { namespace: 'shop', replicas: 3, domain: 'shop.example.com' },
};

describe('Pipeline environments', () => {
  test('renders one folder per environment, each with its manifests and a kustomization, and Compose files for dev', () => {
    const app = testApp();
    new Pipeline<DomainSettings>(app, 'shop', { registry: 'ghcr.io/acme', environments: three });
    const files = [...app.render().keys()].sort();
    expect(files).toEqual([
      'dev/compose.yaml', 'dev/kustomization.yaml', 'dev/shop.k8s.yaml', 'dev/stack.yaml',
      'prod/kustomization.yaml', 'prod/shop.k8s.yaml',
      'staging/kustomization.yaml', 'staging/shop.k8s.yaml',
    ]);
  });

  test('runs define once per environment, in declaration order, with that environment\'s settings', () => {
    const app = testApp();
    const seen: string[] = [];
    new Pipeline<DomainSettings>(app, 'shop', { registry: 'ghcr.io/acme', environments: three })
      .define((env) => seen.push(`${env.name}:${env.settings.domain}:${env.namespaceName}`));
    expect(seen).toEqual(['dev:dev.shop.example.com:shop-dev', 'staging:staging.shop.example.com:shop-staging', 'prod:shop.example.com:shop']);
  });

  test('puts every object of an environment in its namespace, and labels that namespace restricted', () => {
    const app = testApp();
    const pipeline = new Pipeline<DomainSettings>(app, 'shop', { registry: 'ghcr.io/acme', environments: three });
    const api = pipeline.image('api', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'] }));
    pipeline.define((env) => new WebService(env, 'api', { image: api, host: `api.${env.settings.domain}` }));
    const docs = manifests(app, 'staging');
    const ns = docs.find((d) => d.kind === 'Namespace');
    expect(ns.metadata).toEqual(expect.objectContaining({ name: 'shop-staging' }));
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) {
      expect(d.metadata.namespace).toBe('shop-staging');
    }
  });

  test('marks prod as production by name, and honours an explicit setting', () => {
    const app = testApp();
    const pipeline = new Pipeline(app, 'shop', {
      registry: 'ghcr.io/acme',
      environments: { dev: { namespace: 'a' }, prod: { namespace: 'b' }, 'prod-eu': { namespace: 'c' }, live: { namespace: 'd', production: true } },
    });
    expect(pipeline.environments.map((e) => [e.name, e.production])).toEqual([['dev', false], ['prod', true], ['prod-eu', true], ['live', true]]);
  });

  test('env.is() answers for known names', () => {
    const app = testApp();
    const pipeline = new Pipeline<DomainSettings>(app, 'shop', { registry: 'ghcr.io/acme', environments: three });
    expect(pipeline.environment('prod').is('prod')).toBe(true);
    expect(pipeline.environment('dev').is('staging', 'prod')).toBe(false);
  });

  test('two pipelines share an environment folder and its kustomization', () => {
    const app = testApp();
    new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev' } } });
    new Pipeline(app, 'blog', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'blog-dev' } } });
    const files = app.render();
    expect(files.get('dev/kustomization.yaml')).toContain('resources:\n  - blog.k8s.yaml\n  - shop.k8s.yaml\n');
  });
});

describe('bad environment input', () => {
  const cases: [string, (app: App) => unknown, RegExp][] = [
    ['fails when an environment name is not a DNS label', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { Dev_1: { namespace: 'x' } } }),
      /^shop: environment name "Dev_1" is invalid: must be a DNS-1123 label/],
    ['fails when a namespace is not a DNS label', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'Shop.Dev' } } }),
      /^shop: environments\.dev\.namespace "Shop\.Dev" is invalid: must be a DNS-1123 label.*Fix: use a name such as "shop-dev"/],
    ['fails when a namespace is longer than 63 characters', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'n'.repeat(64) } } }),
      /environments\.dev\.namespace "n{64}" is invalid/],
    ['fails when a namespace is missing', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: {} as any } }),
      /environments\.dev\.namespace \(missing\) is invalid/],
    ['fails when two environments share a namespace', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'shop' }, prod: { namespace: 'shop' } } }),
      /environments\.prod\.namespace "shop" is invalid: environment "dev" already deploys into that namespace/],
    ['fails when there are no environments', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: {} }),
      /environments \{\} is invalid: a pipeline needs at least one environment/],
    ['fails when a setting is missing in one environment', (app) => new Pipeline<DomainSettings>(app, 'shop', {
      registry: 'r.io/a',
      environments: { dev: { namespace: 'a', domain: 'dev.example.com' }, prod: { namespace: 'b' } as DomainSettings },
    }), /^shop: environments\.prod\.domain \(missing\) is invalid: every environment must give the setting "domain" \(environment "dev" gives it, "prod" does not\)/],
    ['fails when replicas are negative', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a', replicas: -1 } } }),
      /environments\.dev\.replicas -1 is invalid: must be an integer from 0 to 10000/],
    ['fails when replicas are fractional', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a', replicas: 1.5 } } }),
      /environments\.dev\.replicas 1\.5 is invalid/],
    ['fails when env.is() names an unknown environment', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a' }, prod: { namespace: 'b' } } })
      .define((env) => env.is('production')),
    /^shop\/dev: is\(\) "production" is invalid: the pipeline has no environment of that name \(it has dev, prod\)/],
    ['fails when pipeline.environment() names an unknown environment', (app) => new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a' } } })
      .environment('qa'), /environment "qa" is invalid/],
    ['fails when the pipeline name is not a DNS label', (app) => new Pipeline(app, 'Shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a' } } }),
      /^Shop: name "Shop" is invalid/],
    ['fails when a workload is created outside an environment', (app) => {
      const pipeline = new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a' } } });
      const api = pipeline.image('api', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'] }));
      return new WebService(new Construct(app, 'loose'), 'api', { image: api });
    }, /^loose\/api: scope "loose\/api" is invalid: workloads must be created inside an environment/],
    ['fails when an environment uses an image of another pipeline', (app) => {
      const other = new Pipeline(app, 'other', { registry: 'r.io/a', environments: { dev: { namespace: 'o' } } });
      const foreign = other.image('api', ImageRecipe.node({ source: nodeServiceFixture(), start: ['node', 'server.js'] }));
      new Pipeline(app, 'shop', { registry: 'r.io/a', environments: { dev: { namespace: 'a' } } })
        .define((env) => new WebService(env, 'api', { image: foreign }));
    }, /^shop\/dev\/api: image "api \(from other\)" is invalid: a workload runs an image that its own pipeline defines/],
  ];
  test.each(cases)('%s', (_name, act, message) => {
    const app = testApp();
    expect(() => act(app)).toThrow(ValidationError);
    expect(() => act(testApp())).toThrow(message);
  });
});
