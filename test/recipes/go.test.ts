/** ImageRecipe.go: modules downloaded before the source, a static binary in a scratch final stage. */
import { ImageRecipe } from '../../lib';
import { GO_HEALTHCHECK_SOURCE } from '../../lib/images/recipes/go';
import { checkDockerfile } from '../../lib/policy/dockerfile-rules';
import { goSource, imageFor, stagesOf, validationMessage } from './support';

describe('ImageRecipe.go', () => {
  test('downloads the modules from go.mod and go.sum before copying the source', () => {
    const lines = stagesOf(imageFor(ImageRecipe.go({ source: goSource() })).dockerfile)[0].lines;
    const copy = lines.indexOf('COPY go.mod go.sum ./');
    expect(lines.slice(copy, copy + 3)).toEqual(['COPY go.mod go.sum ./', 'RUN go mod download', 'COPY . .']);
  });

  test('copies go.mod alone when the module has no go.sum', () => {
    const source = goSource();
    require('fs').rmSync(`${source}/go.sum`);
    expect(imageFor(ImageRecipe.go({ source })).dockerfile).toContain('COPY go.mod ./\nRUN go mod download\n');
  });

  test('cross-compiles a static binary on the build platform, with a build cache mount', () => {
    const image = imageFor(ImageRecipe.go({ source: goSource(), package: 'cmd/server', binary: 'api' }));
    const build = stagesOf(image.dockerfile)[0];
    expect(build.from).toBe('--platform=$BUILDPLATFORM golang:1.23-bookworm AS build');
    expect(build.lines).toEqual(expect.arrayContaining(['ARG TARGETOS', 'ARG TARGETARCH', 'ENV CGO_ENABLED=0 GOFLAGS=-trimpath']));
    expect(build.lines[build.lines.length - 1]).toBe('RUN --mount=type=cache,target=/root/.cache/go-build GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w" -o /out/api ./cmd/server');
  });

  test('puts the CA bundle, a compiled HTTP probe and, last, the binary into scratch, run as a numeric user', () => {
    const image = imageFor(ImageRecipe.go({ source: goSource(), args: ['-log', 'json'] }));
    const runtime = stagesOf(image.dockerfile)[1];
    expect(runtime.from).toBe('scratch AS runtime');
    expect(runtime.lines).toEqual([
      'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
      'COPY --from=build /out/healthcheck /usr/local/bin/healthcheck',
      'WORKDIR /app',
      'ENV PORT=8080',
      'EXPOSE 8080',
      'HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:8080/healthz"]',
      'COPY --from=build /out/server /app/server',
      'USER 10001:10001',
      'CMD ["/app/server", "-log", "json"]',
    ]);
    expect(image.dockerfile).toContain(`echo '${GO_HEALTHCHECK_SOURCE}' > healthcheck.go`);
  });

  test('builds no probe for a command health check, and may run on a distroless base', () => {
    const image = imageFor(ImageRecipe.go({
      source: goSource(),
      runtimeImage: 'gcr.io/distroless/static-debian12:nonroot',
      healthCheck: { kind: 'command', command: ['/app/server', '-healthcheck'] },
    }));
    expect(image.dockerfile).not.toContain('healthcheck.go');
    expect(stagesOf(image.dockerfile)[1].from).toBe('gcr.io/distroless/static-debian12:nonroot AS runtime');
    expect(image.dockerfile).toContain('CMD ["/app/server", "-healthcheck"]');
  });

  test('passes the Dockerfile policy', () => {
    const image = imageFor(ImageRecipe.go({ source: goSource() }));
    expect(checkDockerfile(image.dockerfile, { expectedUser: '10001:10001' })).toEqual([]);
  });
});

describe('bad Go input', () => {
  const cases: [string, (source: string) => ReturnType<typeof ImageRecipe.go>, string][] = [
    ['fails when the source folder has no go.mod', (source) => {
      require('fs').rmSync(`${source}/go.mod`);
      return ImageRecipe.go({ source });
    }, 'shop/image-api: source "<src>" is invalid: the Go recipe needs go.mod in its source folder (dependencies are downloaded with `go mod download` before the source is copied). Fix: run `go mod init <module path>` in that folder (and `go mod tidy`), and commit go.mod and go.sum.'],
    ['fails when the package climbs out of the module', (source) => ImageRecipe.go({ source, package: '../other' }),
      'shop/image-api: package "../other" is invalid: a path inside the source folder is relative, uses \'/\', and has no \'..\', spaces or quotes. Fix: use a path such as "./cmd/server".'],
    ['fails when the binary name has a slash', (source) => ImageRecipe.go({ source, binary: 'bin/server' }),
      'shop/image-api: binary "bin/server" is invalid: a binary name holds only letters, digits, \'.\', \'_\' and \'-\'. Fix: use a name such as "server".'],
    ['fails when the runtime image is tagged latest', (source) => ImageRecipe.go({ source, runtimeImage: 'gcr.io/distroless/static:latest' }),
      'shop/image-api: runtimeImage "gcr.io/distroless/static:latest" is invalid: a base image must be referenced by an explicit tag other than "latest" (a @sha256 digest may follow). Fix: use a reference such as "node:20-slim" or "node:20-slim@sha256:<64 hex>".'],
  ];
  test.each(cases)('%s', (_name, make, message) => {
    const source = goSource();
    expect(validationMessage(() => imageFor(make(source)))).toBe(message.replace('<src>', source));
  });
});
