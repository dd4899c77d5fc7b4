import * as path from 'path';
import { IResolver, ResolutionContext, YamlOutputType } from 'cdk8s';
import { App, ImageRecipe, Pipeline, Testing, ValidationError, WebService } from '../lib';
import { nodeServiceFixture, tempDir } from './support/synth';

/** Pulls images through a registry mirror, as a user's resolver might. */
class MirrorResolver implements IResolver {
  public resolve(context: ResolutionContext): void {
    if (typeof context.value === 'string' && context.value.startsWith('ghcr.io/acme/')) {
      context.replaceValue(context.value.replace('ghcr.io/acme/', 'mirror.example.com/acme/'));
    }
  }
}

function appWith(props: Record<string, unknown>): App {
  const app = Testing.app({ outdir: path.join(tempDir(), 'dist'), ...props });
  const pipeline = new Pipeline(app, 'demo', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'demo-dev', replicas: 1 } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: path.relative(process.cwd(), nodeServiceFixture()), start: ['node', 'server.js'] }));
  pipeline.define((env) => {
    new WebService(env, 'api', { image, host: 'api.example.com' });
  });
  return app;
}

describe('App options a cdk8s user passes', () => {
  const image = (props: Record<string, unknown>) => Testing.render(appWith(props)).find('dev', 'Deployment', 'api').spec.template.spec.containers[0].image;

  test('resolvers reach cdk8s: their values are what prodpath renders', () => {
    expect(image({ resolvers: [new MirrorResolver()] })).toMatch(/^mirror\.example\.com\/acme\/api:[0-9a-f]{16}$/);
  });

  test('without resolvers the value is rendered as given', () => {
    expect(image({})).toMatch(/^ghcr\.io\/acme\/api:[0-9a-f]{16}$/);
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['yamlOutputType', YamlOutputType.FILE_PER_RESOURCE, /^<app>: yamlOutputType 2 is invalid: prodpath writes one file per environment and pipeline \(dist\/<env>\/<pipeline>\.k8s\.yaml, listed by the environment's kustomization\.yaml\), which `prodpath check`, `diff` and `promote` read.*Fix: remove yamlOutputType/],
    ['outputFileExtension', '.yaml', /^<app>: outputFileExtension "\.yaml" is invalid: prodpath names its manifest files <pipeline>\.k8s\.yaml.*Fix: remove outputFileExtension\.$/],
    ['recordConstructMetadata', true, /^<app>: recordConstructMetadata true is invalid: cdk8s would write construct-metadata\.json next to the plain cdk8s copy.*Fix: remove recordConstructMetadata\.$/],
  ];
  test.each(refused)('fails when given %s, saying why it does not apply', (field, value, message) => {
    expect(() => new App({ [field]: value } as any)).toThrow(ValidationError);
    expect(() => new App({ [field]: value } as any)).toThrow(message);
  });
});
