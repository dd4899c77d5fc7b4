import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DEFAULT_INGRESS_CONTROLLER } from '../environments/settings';
import { Environment } from '../environments/environment';
import { Pipeline } from '../environments/pipeline';
import { Image } from '../images/image';
import { ValidationError } from '../policy/errors';
import { checkDns1035Label, checkHost, checkHttpPath, checkPort } from '../policy/names';
import { checkLabels } from './_checks';
import { EnvVar } from './_pod';
import { AutoscaleProps, AvailabilityProps, RolloutProps } from './availability';
import { ImageSource } from './external-image';
import type { MigrationJob } from './migration-job';
import { IConnectable, Workload, WorkloadProps } from './workload';

export { checkConfig, contentHash } from './_config';

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
export interface WebServiceProps extends WorkloadProps, AvailabilityProps {
  /** The image to run: from `pipeline.image()`, or an {@link ExternalImage}. */
  readonly image: ImageSource;
  /**
   * The port the container listens on.
   * @default - the image's port, else 8080
   */
  readonly port?: number;
  /**
   * The public host name. When set, an Ingress routes it to the service, and the
   * NetworkPolicy lets the environment's ingress controller in.
   * @default - no Ingress
   */
  readonly host?: string;
  /**
   * The Ingress path prefix.
   * @default '/'
   */
  readonly path?: string;
  /**
   * TLS on the Ingress: `false` turns it off (not allowed in production).
   * @default - on, with the certificate in the Secret `<name>-tls`
   */
  readonly tls?: boolean | TlsProps;
  /** Readiness and liveness checks. @default - HTTP GET on the image's health path */
  readonly health?: HealthProps;
  /**
   * How many pods run. Leave it out to autoscale when the environment has an `autoscale` setting.
   * @default - the environment's `replicas` setting, else 2 in production and 1 elsewhere
   */
  readonly replicas?: number;
  /**
   * A HorizontalPodAutoscaler: `true` or settings to turn it on, `false` to turn the
   * environment's autoscaling off for this service.
   * @default - the environment's `autoscale` setting, when `replicas` is not set
   */
  readonly autoscale?: AutoscaleProps | boolean;
  /** Rolling-update settings. @default - see {@link RolloutProps} */
  readonly rollout?: RolloutProps;
  /**
   * Migrations whose schema must be in place before a pod starts: each adds an init container
   * that runs the migration's `waitCommand`.
   * @default []
   */
  readonly waitFor?: readonly MigrationJob[];
}

/**
 * An HTTP service: a Deployment, a Service, optionally an Ingress, a ConfigMap and a
 * default-deny NetworkPolicy, hardened to Pod Security Standards "restricted", with readiness,
 * liveness and startup probes on the named port `http`, the recommended labels and names that
 * do not depend on construct paths. In production (or with more than one pod) it also gets a
 * PodDisruptionBudget and topology spread; with the environment's `autoscale`, an HPA.
 *
 * @example
 * new WebService(env, 'api', { image: api, host: `api.${env.settings.domain}`, config: { LOG_LEVEL: 'info' }, connectsTo: [db] });
 */
export class WebService extends Workload implements IConnectable {
  /** The container port. */
  public readonly port: number;
  /** The DNS name of the Service inside the cluster. */
  public readonly host: string;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The Service. */
  public readonly service: kplus.Service;
  /** The Ingress, when a host is set. */
  public readonly ingress?: kplus.Ingress;
  /** The HorizontalPodAutoscaler, when autoscaled. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The PodDisruptionBudget, when there is one. */
  public readonly disruptionBudget?: kplus.k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id, props, { component: 'web', kind: 'WebService', derivedNames: [{ what: 'TLS Secret name (<name>-tls)', of: (n) => `${n}-tls`, max: 253 }] });
    const env = this.environment;
    this.port = checkPort(this, 'port', props.port ?? this.image.port ?? 8080);
    if (this.image.port !== undefined && this.image.port !== this.port) {
      throw new ValidationError(this, {
        field: 'port',
        value: this.port,
        rule: `the image ${this.image.display} listens on port ${this.image.port} (its EXPOSE, PORT and HEALTHCHECK use it)`,
        fix: `use port ${this.image.port}, or set port: ${this.port} on the image recipe`,
      });
    }
    this.listenPorts.push(this.port);
    this.host = `${this.name}.${env.namespaceName}.svc`;
    const healthPath = checkHttpPath(this, 'health.path', props.health?.path ?? this.image.healthPath ?? '/healthz');
    const portName = 'http';

    const probe = (failureThreshold: number, period: number) => kplus.Probe.fromHttpGet(healthPath, {
      port: this.port,
      periodSeconds: Duration.seconds(period),
      timeoutSeconds: Duration.seconds(2),
      failureThreshold,
    });
    this.readinessCheck = { kind: 'http', path: healthPath, port: this.port, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, startupSeconds: 60 };
    const parts = this.createDeployment(props, {
      ports: [{ number: this.port, name: portName }],
      readiness: probe(3, 5),
      liveness: probe(6, 10),
      startup: probe(30, 2),
    }, {
      readinessProbe: { handler: 'httpGet', port: portName },
      livenessProbe: { handler: 'httpGet', port: portName },
      startupProbe: { handler: 'httpGet', port: portName },
    }, 5);
    this.deployment = parts.deployment;
    this.autoscaler = parts.autoscaler;
    this.disruptionBudget = parts.disruptionBudget;

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: this.name, labels: { ...this.objectLabels } },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: portName, port: this.port, targetPort: this.port }],
    });
    for (const [k, v] of Object.entries(this.selectorLabels)) {
      this.service.selectLabel(k, v);
    }
    const serviceObject = ApiObject.of(this.service);
    serviceObject.addJsonPatch(JsonPatch.replace('/spec/ports/0/targetPort', kplus.k8s.IntOrString.fromString(portName)));
    serviceObject.addJsonPatch(JsonPatch.remove('/spec/externalIPs'));

    if (props.host !== undefined) {
      const host = checkHost(this, 'host', props.host);
      const path = checkHttpPath(this, 'path', props.path ?? '/');
      const tls = props.tls ?? true;
      if (tls === false && env.production) {
        throw new ValidationError(this, {
          field: 'tls',
          value: false,
          rule: `environment "${env.name}" is production, where every Ingress serves TLS`,
          fix: 'leave tls out (the certificate is read from the Secret "<name>-tls"), or give { secretName }',
        });
      }
      const secretName = tls === false ? undefined
        : checkDns1035Label(this, 'tls.secretName', (tls === true ? undefined : tls.secretName) ?? `${this.name}-tls`, 253);
      this.ingress = new kplus.Ingress(this, 'ingress', {
        metadata: { name: this.name, labels: { ...this.objectLabels } },
        className: env.settings.ingressClassName,
        rules: [{ host, path, pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(this.service, { port: this.port }) }],
        tls: secretName ? [{ hosts: [host], secret: kplus.Secret.fromSecretName(this, 'tls-secret', secretName) }] : undefined,
      });
      const controller = env.settings.ingressController ?? DEFAULT_INGRESS_CONTROLLER;
      const namespaceSelector = { matchLabels: checkLabels(this, 'environment ingressController.namespaceLabels', controller?.namespaceLabels) };
      const peer = controller.podLabels === undefined ? { namespaceSelector }
        : { namespaceSelector, podSelector: { matchLabels: checkLabels(this, 'environment ingressController.podLabels', controller.podLabels) } };
      this.allowIngressFromPeer(peer, [this.port]);
    } else if (props.path !== undefined || props.tls !== undefined) {
      throw new ValidationError(this, {
        field: props.path !== undefined ? 'path' : 'tls',
        value: props.path ?? props.tls,
        rule: 'path and tls configure the Ingress, which exists only when a host is set',
        fix: 'set host: "api.example.com", or leave path and tls out',
      });
    }
  }

  /** `<PREFIX>_HOST` (the Service's DNS name) and `<PREFIX>_PORT`. */
  public connectionEnv(prefix: string): EnvVar[] {
    return [
      { name: `${prefix}_HOST`, value: this.host },
      { name: `${prefix}_PORT`, value: String(this.port) },
    ];
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
