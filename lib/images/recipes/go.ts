import { IConstruct } from 'constructs';
import { ValidationError } from '../../policy/errors';
import { checkPort } from '../../policy/names';
import { execForm, renderDockerfile } from '../dockerfile';
import {
  argLines, BASE_IGNORE, checkBaseImage, checkBuildArgs, checkEnv, checkHealthCheck, checkPlatforms, checkRelativePath,
  checkUser, CommonRecipeOptions, DEFAULT_IMAGE_USER, envLine, hasFile, healthCheckLine, RecipeBase, ImageHealthCheck,
  RenderedRecipe,
} from '../recipe-base';

/** Options for `ImageRecipe.go`. */
export interface GoRecipeOptions extends CommonRecipeOptions {
  /** The build context: the Go module folder, with `go.mod` (and `go.sum` when it has dependencies). */
  readonly source: string;
  /**
   * The main package to build, relative to the module folder.
   * @default '.'
   */
  readonly package?: string;
  /**
   * The arguments the binary starts with.
   * @default []
   */
  readonly args?: readonly string[];
  /**
   * The binary's name; it is installed as `/app/<name>`.
   * @default 'server'
   */
  readonly binary?: string;
  /**
   * The port the app listens on; exposed and passed as `PORT`.
   * @default 8080
   */
  readonly port?: number;
  /**
   * The health check. An HTTP check runs a tiny static probe that the build stage compiles
   * (`/usr/local/bin/healthcheck <url>`), since the final image has no shell or curl.
   * A command check must name a program the final image holds, such as the app's own binary.
   * @default { kind: 'http', path: '/healthz' }
   */
  readonly healthCheck?: ImageHealthCheck;
  /**
   * The image of the build stage: a Go toolchain, with a tag.
   * @default 'golang:1.23-bookworm'
   */
  readonly baseImage?: string;
  /**
   * The final stage's base: `scratch` (nothing but the binary, the CA bundle and the probe), or a
   * tagged minimal image such as `gcr.io/distroless/static-debian12:nonroot`.
   * @default 'scratch'
   */
  readonly runtimeImage?: string;
}

/**
 * The HTTP probe compiled into Go images (one line of Go: the final stage has no shell):
 * exits 0 when a GET of its argument answers 2xx within 3 seconds.
 */
export const GO_HEALTHCHECK_SOURCE = 'package main;import("net/http";"os";"time");func main(){c:=http.Client{Timeout:3*time.Second};r,e:=c.Get(os.Args[1]);if e!=nil||r.StatusCode<200||r.StatusCode>299{os.Exit(1)}}';

/** The Go recipe: see `ImageRecipe.go`. */
export class GoRecipe extends RecipeBase<GoRecipeOptions> {
  public readonly kind = 'go';

  public render(scope: IConstruct, contextDir: string): RenderedRecipe {
    const o = this.options;
    const pkg = checkRelativePath(scope, 'package', o.package ?? '.', './cmd/server');
    const binary = o.binary ?? 'server';
    if (typeof binary !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(binary)) {
      throw new ValidationError(scope, {
        field: 'binary',
        value: binary,
        rule: 'a binary name holds only letters, digits, \'.\', \'_\' and \'-\'',
        fix: 'use a name such as "server"',
      });
    }
    const args = o.args ?? [];
    if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
      throw new ValidationError(scope, { field: 'args', value: args, rule: 'args is a list of strings', fix: 'use ["-listen", ":8080"]' });
    }
    const port = checkPort(scope, 'port', o.port ?? 8080);
    const health = checkHealthCheck(scope, o.healthCheck ?? { kind: 'http', path: '/healthz' });
    const baseImage = checkBaseImage(scope, 'baseImage', o.baseImage ?? 'golang:1.23-bookworm');
    const runtimeImage = o.runtimeImage === undefined || o.runtimeImage === 'scratch' ? 'scratch' : checkBaseImage(scope, 'runtimeImage', o.runtimeImage);
    const user = checkUser(scope, o.user ?? DEFAULT_IMAGE_USER);
    const env = o.env ?? {};
    checkEnv(scope, env);
    const buildArgs = checkBuildArgs(scope, o.buildArgs);
    const platforms = checkPlatforms(scope, o.platforms);

    if (!hasFile(contextDir, 'go.mod')) {
      throw new ValidationError(scope, {
        field: 'source',
        value: o.source,
        rule: 'the Go recipe needs go.mod in its source folder (dependencies are downloaded with `go mod download` before the source is copied)',
        fix: 'run `go mod init <module path>` in that folder (and `go mod tidy`), and commit go.mod and go.sum',
      });
    }
    const manifests = ['go.mod', ...(hasFile(contextDir, 'go.sum') ? ['go.sum'] : [])];
    const cache = '--mount=type=cache,target=/root/.cache/go-build';
    const pkgArg = pkg === '.' ? '.' : `./${pkg}`;

    // The build stage runs on the build machine's platform and cross-compiles for the target
    // (TARGETOS/TARGETARCH come from the engine), so a multi-platform build needs no emulator.
    const goBuild = 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w"';
    const buildStage = [
      'WORKDIR /src',
      'ARG TARGETOS',
      'ARG TARGETARCH',
      ...argLines(buildArgs),
      'ENV CGO_ENABLED=0 GOFLAGS=-trimpath',
    ];
    if (health.kind === 'http') {
      buildStage.push(`RUN ${cache} cd /tmp && echo '${GO_HEALTHCHECK_SOURCE}' > healthcheck.go && ${goBuild} -o /out/healthcheck healthcheck.go`);
    }
    buildStage.push(
      `COPY ${manifests.join(' ')} ./`,
      'RUN go mod download',
      'COPY . .',
      `RUN ${cache} ${goBuild} -o /out/${binary} ${pkgArg}`,
    );

    // What does not depend on the source comes before the binary, so a rebuild reuses it.
    const runtime = ['COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt'];
    if (health.kind === 'http') {
      runtime.push('COPY --from=build /out/healthcheck /usr/local/bin/healthcheck');
    }
    runtime.push(
      'WORKDIR /app',
      ...envLine([`PORT=${port}`], env),
      `EXPOSE ${port}`,
    );
    const healthLine = healthCheckLine(health, port, (url) => ['/usr/local/bin/healthcheck', url]);
    if (healthLine) {
      runtime.push(healthLine);
    }
    runtime.push(
      `COPY --from=build /out/${binary} /app/${binary}`,
      `USER ${user.uid}:${user.gid}`,
      `CMD ${execForm([`/app/${binary}`, ...args])}`,
    );

    return {
      dockerfile: renderDockerfile({
        header: 'Generated by prodpath from ImageRecipe.go. Do not edit: change the recipe and run `cdk8s synth`.',
        stages: [
          { name: 'build', from: `--platform=$BUILDPLATFORM ${baseImage}`, instructions: buildStage },
          { name: 'runtime', from: runtimeImage, instructions: runtime },
        ],
      }),
      ignore: [...BASE_IGNORE, '**/*_test.go', ...(o.ignore ?? [])],
      requiredFiles: manifests,
      port,
      healthPath: health.kind === 'http' ? health.path : undefined,
      user,
      platforms,
      buildArgs,
    };
  }
}
