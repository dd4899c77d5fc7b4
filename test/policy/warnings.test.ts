import * as path from 'path';
import { App, ImageRecipe, Pipeline, WebService } from '../../lib';
import { WARNING_METADATA, warningsOf } from '../../lib/policy/annotations';
import { nodeServiceFixture, tempDir } from '../support/synth';

const SOURCE = nodeServiceFixture();

/** A dev environment whose API runs two pods: Compose cannot publish their port (a warning, not an error). */
function appWithWarning(): { app: App; api: WebService } {
  const app = new App({ outdir: path.join(tempDir(), 'dist'), printSummary: false });
  const pipeline = new Pipeline(app, 'shop', { registry: 'ghcr.io/acme', environments: { dev: { namespace: 'shop-dev', replicas: 2 } } });
  const image = pipeline.image('api', ImageRecipe.node({ source: SOURCE, start: ['node', 'server.js'] }));
  let api!: WebService;
  pipeline.define((env) => { api = new WebService(env, 'api', { image }); });
  return { app, api };
}

describe('warnings as construct annotations', () => {
  test('each warning is recorded on its construct as aws:cdk:warning metadata, as well as in app.warnings', () => {
    const { app, api } = appWithWarning();
    app.render();
    expect(app.warnings.length).toBeGreaterThan(0);
    const recorded = app.node.findAll().flatMap((c) => warningsOf(c).map((w) => `${c.node.path} ${w}`));
    expect(recorded.length).toBe(app.warnings.length);
    expect(warningsOf(api).join('\n')).toMatch(/\[compose-no-equivalent\] it runs 2 containers/);
    expect(api.node.metadata.filter((m) => m.type === WARNING_METADATA).every((m) => String(m.data).startsWith('shop/dev/api'))).toBe(true);
  });

  test('rendering twice does not record a warning twice', () => {
    const { app, api } = appWithWarning();
    app.render();
    const once = warningsOf(api);
    app.render();
    expect(warningsOf(api)).toEqual(once);
  });
});
