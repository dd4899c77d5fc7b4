/** ImageRecipe.staticSite: files served by BusyBox httpd as a numeric non-root user. */
import { ImageRecipe } from '../../lib';
import { STATIC_SITE_ROOT } from '../../lib/images/recipes/static';
import { checkDockerfile } from '../../lib/policy/dockerfile-rules';
import { imageFor, sourceFolder, stagesOf, staticSource, validationMessage } from './support';

describe('ImageRecipe.staticSite', () => {
  test('serves the source folder from one unprivileged stage with a health check', () => {
    const image = imageFor(ImageRecipe.staticSite({ source: staticSource() }));
    expect(stagesOf(image.dockerfile)).toEqual([{
      from: 'busybox:1.36 AS runtime',
      lines: [
        `WORKDIR ${STATIC_SITE_ROOT}`,
        'EXPOSE 8080',
        'HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]',
        `COPY . ${STATIC_SITE_ROOT}`,
        'USER 10001:10001',
        `CMD ["busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "${STATIC_SITE_ROOT}"]`,
      ],
    }]);
    expect(image.healthPath).toBe('/');
    expect(image.port).toBe(8080);
  });

  test('serves a sub-folder given as root', () => {
    const image = imageFor(ImageRecipe.staticSite({ source: sourceFolder({ 'public/index.html': 'x' }), root: 'public' }));
    expect(image.dockerfile).toContain(`COPY public ${STATIC_SITE_ROOT}\n`);
  });

  test('builds the site in a Node stage with its dependencies installed first, and serves only the output', () => {
    const source = sourceFolder({ 'package.json': '{"name":"site"}', 'package-lock.json': '{}', 'src/main.js': 'x' });
    const image = imageFor(ImageRecipe.staticSite({ source, build: 'npm run build' }));
    const [build, runtime] = stagesOf(image.dockerfile);
    expect(build).toEqual({
      from: 'node:20-slim AS build',
      lines: ['WORKDIR /app', 'COPY package.json package-lock.json ./', 'RUN npm ci --no-audit --no-fund', 'COPY . .', 'RUN npm run build'],
    });
    expect(runtime.lines).toContain(`COPY --from=build /app/dist ${STATIC_SITE_ROOT}`);
    expect(image.ignoreFile.split('\n')).toContain('dist');
  });

  test('passes the Dockerfile policy', () => {
    const image = imageFor(ImageRecipe.staticSite({ source: staticSource() }));
    expect(checkDockerfile(image.dockerfile, { expectedUser: '10001:10001' })).toEqual([]);
  });
});

describe('bad static-site input', () => {
  const cases: [string, () => { source: string; recipe: ReturnType<typeof ImageRecipe.staticSite> }, string][] = [
    ['fails when the served folder has no index.html', () => {
      const source = sourceFolder({ 'about.html': 'x' });
      return { source, recipe: ImageRecipe.staticSite({ source }) };
    }, 'shop/image-api: source "<src>" is invalid: the static-site recipe serves the source folder, which has no index.html. Fix: add index.html, point root at the folder that holds it, or set build to the command that writes it.'],
    ['fails when a build serves the whole source folder', () => {
      const source = sourceFolder({ 'package.json': '{}', 'package-lock.json': '{}' });
      return { source, recipe: ImageRecipe.staticSite({ source, build: 'npm run build', root: '.' }) };
    }, 'shop/image-api: root "." is invalid: with a build, the served folder is the one the build writes, not the whole source folder. Fix: use root: "dist" (or the folder your build writes).'],
    ['fails when the server image is untagged', () => {
      const source = staticSource();
      return { source, recipe: ImageRecipe.staticSite({ source, baseImage: 'busybox' }) };
    }, 'shop/image-api: baseImage "busybox" is invalid: a base image must be referenced by an explicit tag other than "latest" (a @sha256 digest may follow). Fix: use a reference such as "node:20-slim" or "node:20-slim@sha256:<64 hex>".'],
  ];
  test.each(cases)('%s', (_name, make, message) => {
    const { source, recipe } = make();
    expect(validationMessage(() => imageFor(recipe))).toBe(message.replace('<src>', source));
  });
});
