import { Testing } from 'prodpath';
import { buildApp } from '../main';

describe('__NAME__', () => {
  // Renders every environment in memory with every check synth runs; writes nothing.
  const app = Testing.app();
  buildApp(app);
  const out = Testing.render(app);

  test('renders dev, staging and prod with no warning', () => {
    expect(out.environments.sort()).toEqual(['dev', 'prod', 'staging']);
    expect(out.warningMessages).toEqual([]);
  });

  test('serves prod on its domain, over TLS', () => {
    const ingress = out.find('prod', 'Ingress', 'web');
    expect(ingress.spec.rules[0].host).toBe('web.__NAME__.example.com');
    expect(ingress.spec.tls[0].hosts).toEqual(['web.__NAME__.example.com']);
  });

  test('runs the pods as the numeric user the image ends with', () => {
    const [, uid, gid] = out.dockerfile('web').match(/^USER (\d+):(\d+)$/m)!;
    const pod = out.find('prod', 'Deployment', 'web').spec.template.spec;
    expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup]).toEqual([Number(uid), Number(gid)]);
  });

  test('prod matches the snapshot (image tags masked)', () => {
    expect(out.snapshot({ environment: 'prod' })).toMatchSnapshot();
  });
});
