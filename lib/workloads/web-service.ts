import * as crypto from 'crypto';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Environment } from '../environments/environment';
import { Pipeline } from '../environments/pipeline';
import { Image } from '../images/image';
import { ValidationError } from '../policy/errors';
import { checkConfigKey, checkCount, checkDns1035Label, checkEnvName, checkHost, checkHttpPath, checkPort, looksSecret } from '../policy/names';
import { containerSecurityContext, hardenPodTemplate, imageReference, podSecurityContext, tmpVolumeMount } from './_pod';
import { recommendedLabels, selectorLabels } from './labels';
import { resolveResources, Resources } from './resources';

/** How a web service reports its health. */
export interface HealthProps {
  /**
   * The HTTP path that answers 2xx when the service is ready.
   * @default - the image's health path, else '/healthz'
   */
  readonly path?: string;
}

/** TLS for the service's Ingress. */
export interface TlsProps {
  /**
   * The Secret holding the certificate (kubernetes.io/tls), made by cert-manager or by hand.
   * @default '<name>-tls'
   */
  readonly secretName?: string;
}

/** Props for {@link WebService}. */
export interface WebServiceProps {
  /** The image to run, from `pipeline.image()`. */
  readonly image: Image;
  /**
   * The port the container listens on.
   * @default - the image's port, else 8080
   */
  readonly port?: number;
  /**
   * The public host name. When set, an Ingress routes it to the service.
   * @default - no Ingress
   */
  readonly host?: string;
  /**
   * The Ingress path prefix.
   * @default '/'
   */
  readonly path?: string;
  /**
   * TLS on the Ingress: `false` turns it off.
   * @default - on, with the certificate in the Secret `<name>-tls`
   */
  readonly tls?: boolean | TlsProps;
  /** Readiness and liveness checks. @default - HTTP GET on the image's health path */
  readonly health?: HealthProps;
  /**
   * How many pods run.
   * @default - the environment's `replicas` setting, else 1
   */
  readonly replicas?: number;
  /**
   * Non-secret configuration, passed as environment variables from a ConfigMap named by the
   * hash of its content (so a change rolls the pods). Names that look secret are refused.
   * @default - no ConfigMap
   */
  readonly config?: Readonly<Record<string, string>>;
  /** CPU, memory and ephemeral storage. @default - see {@link Resources} */
  readonly resources?: Resources;
  /**
   * The command to run instead of the image's CMD.
   * @default - the image's CMD
   */
  readonly command?: readonly string[];
  /**
   * The name of the Deployment, Service, Ingress and container: the same in every environment.
   * @default - the construct id
   */
  readonly name?: string;
}

/**
 * An HTTP service: a Deployment, a Service, optionally an Ingress, and a ConfigMap, hardened
 * to Pod Security Standards "restricted", with readiness and liveness probes on the named
 * port `http`, the recommended labels and names that do not depend on construct paths.
 *
 * @example
 * new WebService(env, 'api', { image: api, host: `api.${env.settings.domain}`, config: { LOG_LEVEL: 'info' } });
 */
export class WebService extends Construct {
  /** The name of the Deployment, Service and Ingress. */
  public readonly name: string;
  /** The container port. */
  public readonly port: number;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The Service. */
  public readonly service: kplus.Service;
  /** The Ingress, when a host is set. */
  public readonly ingress?: kplus.Ingress;
  /** The ConfigMap, when config is set. */
  public readonly configMap?: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const env = Environment.of(this);
    const image = checkImage(this, env, props.image);
    this.name = checkDns1035Label(this, 'name', props.name ?? id);
    this.port = checkPort(this, 'port', props.port ?? image.port ?? 8080);
    if (image.port !== undefined && image.port !== this.port) {
      throw new ValidationError(this, {
        field: 'port',
        value: this.port,
        rule: `the image "${image.imageName}" listens on port ${image.port} (its EXPOSE, PORT and HEALTHCHECK use it)`,
        fix: `use port ${image.port}, or set port: ${this.port} on the image recipe`,
      });
    }
    const healthPath = checkHttpPath(this, 'health.path', props.health?.path ?? image.healthPath ?? '/healthz');
    const replicas = checkCount(this, 'replicas', props.replicas ?? env.settings.replicas ?? 1);
    const resources = resolveResources(this, 'resources', props.resources);
    const config = checkConfig(this, props.config ?? {});
    const labels = recommendedLabels(env, this.name, 'web', image.tag);
    const portName = 'http';

    if (props.command !== undefined && (props.command.length === 0 || props.command.some((c) => typeof c !== 'string' || c === ''))) {
      throw new ValidationError(this, {
        field: 'command',
        value: props.command,
        rule: 'a command is a non-empty list of non-empty strings',
        fix: 'use ["node", "dist/server.js"], or leave command out to run the image\'s CMD',
      });
    }

    if (Object.keys(config).length > 0) {
      const hash = contentHash(config);
      this.configMap = new kplus.ConfigMap(this, 'config', {
        metadata: { name: `${this.name}-config-${hash}`, labels },
        data: config,
        immutable: true,
      });
    }

    const probe = (failureThreshold: number, period: number) => kplus.Probe.fromHttpGet(healthPath, {
      port: this.port,
      periodSeconds: Duration.seconds(period),
      timeoutSeconds: Duration.seconds(2),
      failureThreshold,
    });
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: this.name, labels },
      replicas,
      select: false,
      podMetadata: { labels },
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(image.user),
      containers: [{
        name: this.name,
        image: imageReference(image),
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ number: this.port, name: portName }],
        command: props.command ? [...props.command] : undefined,
        securityContext: containerSecurityContext(image.user),
        readiness: probe(3, 5),
        liveness: probe(6, 10),
        startup: probe(30, 2),
        volumeMounts: [tmpVolumeMount(this)],
      }],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(env, this.name) }));
    if (this.configMap) {
      this.deployment.containers[0].env.copyFrom(kplus.Env.fromConfigMap(this.configMap));
    }
    hardenPodTemplate(ApiObject.of(this.deployment), '/spec/template/spec', resources,
      ['readinessProbe', 'livenessProbe', 'startupProbe'], portName);

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: this.name, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: portName, port: this.port, targetPort: this.port }],
    });
    for (const [k, v] of Object.entries(selectorLabels(env, this.name))) {
      this.service.selectLabel(k, v);
    }
    const serviceObject = ApiObject.of(this.service);
    serviceObject.addJsonPatch(JsonPatch.replace('/spec/ports/0/targetPort', kplus.k8s.IntOrString.fromString(portName)));
    serviceObject.addJsonPatch(JsonPatch.remove('/spec/externalIPs'));

    if (props.host !== undefined) {
      const host = checkHost(this, 'host', props.host);
      const path = checkHttpPath(this, 'path', props.path ?? '/');
      const tls = props.tls ?? true;
      const secretName = tls === false ? undefined
        : checkDns1035Label(this, 'tls.secretName', (tls === true ? undefined : tls.secretName) ?? `${this.name}-tls`, 253);
      this.ingress = new kplus.Ingress(this, 'ingress', {
        metadata: { name: this.name, labels },
        className: env.settings.ingressClassName,
        rules: [{ host, path, pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(this.service, { port: this.port }) }],
        tls: secretName ? [{ hosts: [host], secret: kplus.Secret.fromSecretName(this, 'tls-secret', secretName) }] : undefined,
      });
    } else if (props.path !== undefined || props.tls !== undefined) {
      throw new ValidationError(this, {
        field: props.path !== undefined ? 'path' : 'tls',
        value: props.path ?? props.tls,
        rule: 'path and tls configure the Ingress, which exists only when a host is set',
        fix: 'set host: "api.example.com", or leave path and tls out',
      });
    }
  }
}

/** Checks that a workload's image belongs to the workload's pipeline. */
export function checkImage(scope: Construct, env: Environment, image: unknown): Image {
  const pipeline = env.node.scope;
  if (!(image instanceof Image) || !Pipeline.isPipeline(pipeline) || !pipeline.ownsImage(image)) {
    const name = image instanceof Image ? `${image.imageName} (from ${image.node.scope?.node.path})` : image;
    throw new ValidationError(scope, {
      field: 'image',
      value: name,
      rule: 'a workload runs an image that its own pipeline defines',
      fix: 'pass the Image returned by pipeline.image(...) of this pipeline',
    });
  }
  return image;
}

/** Checks config: env-var-safe keys, string values, and no secret-looking names. */
export function checkConfig(scope: Construct, config: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(config).sort()) {
    checkConfigKey(scope, `config key`, key);
    checkEnvName(scope, `config key`, key);
    if (looksSecret(key)) {
      throw new ValidationError(scope, {
        field: `config.${key}`,
        value: '(value hidden)',
        rule: 'config is written in plain text to the manifests; a name that looks secret (password, token, key, credential...) may not carry a literal value',
        fix: 'reference a secret instead of putting its value in config',
      });
    }
    const value = config[key];
    if (typeof value !== 'string') {
      throw new ValidationError(scope, {
        field: `config.${key}`,
        value,
        rule: 'config values are strings (environment variables)',
        fix: `write it as a string, such as "${String(value)}"`,
      });
    }
    out[key] = value;
  }
  return out;
}

/** The first 10 hex digits of the SHA-256 of a string map, keys sorted. */
export function contentHash(data: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(data).sort().map((k) => [k, data[k]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 10);
}
