/**
 * Prints an {@link AppPlan} as a readable prodpath app (`main.ts`): a header comment with what
 * was not carried over and the TODOs, the settings of dev, staging and prod, the images, and one
 * `pipeline.define` with the workloads in dependency order. Same plan, same bytes.
 */
import { AppPlan, Code, identifier, ImagePlan, WorkloadPlan } from './plan';

const KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A TypeScript literal for a plan value, on one line when short, else wrapped by key. */
export function literal(v: Code, indent = ''): string {
  if (v === undefined) {
    return 'undefined';
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'code' in v && typeof (v as { code: unknown }).code === 'string' && Object.keys(v).length === 1) {
    return (v as { code: string }).code;
  }
  if (typeof v === 'string') {
    return quote(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    const items = v.map((x) => literal(x as Code, inner));
    const flat = `[${items.join(', ')}]`;
    return flat.length + indent.length <= 100 && !flat.includes('\n') ? flat : `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, Code>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) {
    return '{}';
  }
  const items = entries.map(([k, x]) => `${KEY.test(k) ? k : quote(k)}: ${literal(x, inner)}`);
  const flat = `{ ${items.join(', ')} }`;
  return flat.length + indent.length <= 100 && !flat.includes('\n') ? flat : `{\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}}`;
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, '\\\'').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

function comment(lines: readonly string[], indent: string): string {
  return lines.map((l) => `${indent}// ${l}\n`).join('');
}

function wrap(text: string, width: number, first: string, rest: string): string[] {
  const words = text.split(' ');
  const out: string[] = [];
  let line = first;
  for (const w of words) {
    if (line.length + w.length + 1 > width && line.trim() !== first.trim()) {
      out.push(line.trimEnd());
      line = rest;
    }
    line += `${w} `;
  }
  out.push(line.trimEnd());
  return out;
}

function imageCode(i: ImagePlan): string {
  const factory = i.recipe === 'staticSite' ? 'staticSite' : i.recipe;
  return `${comment(i.comments, '  ')}  const ${i.varName} = pipeline.image(${quote(i.name)}, ImageRecipe.${factory}(${literal(i.options, '  ')}));\n`;
}

function workloadCode(w: WorkloadPlan, exempt: boolean, referenced: boolean): string {
  const props = literal(w.props, '    ');
  let out = comment(w.comments, '    ');
  out += `    ${exempt || referenced ? `const ${w.varName} = ` : ''}new ${w.kind}(env, ${quote(w.service)}, ${props});\n`;
  if (exempt) {
    out += `    Policy.exempt(${w.varName}, 'production-replicas', 'one primary, imported from Compose; replication needs an operator or a managed service');\n`;
  }
  return out;
}

/** The generated main.ts. `composeFile` is shown in the header, relative to the app root. */
export function renderMain(plan: AppPlan, composeFile: string, appRoot: string): string {
  const used = new Set<string>(['App', 'EnvironmentSettings', 'Pipeline']);
  if (plan.images.length > 0) used.add('ImageRecipe');
  for (const w of plan.workloads) used.add(w.kind);
  const text = JSON.stringify(plan.workloads.map((w) => w.props));
  if (text.includes('SecretRef.')) used.add('SecretRef');
  if (text.includes('ExternalImage.')) used.add('ExternalImage');
  if (plan.exemptions.length > 0) used.add('Policy');
  const imports = [...used].sort();
  const settings = `${identifier(plan.appName)[0].toUpperCase()}${identifier(plan.appName).slice(1)}Settings`;
  const buildFn = `build${settings.replace(/Settings$/, '')}`;

  let out = '/**\n';
  out += ` * ${plan.appName}: imported by \`prodpath import\` from ${composeFile}. Review the TODOs, then run\n`;
  out += ' * `npx tsx main.ts` (or point cdk8s.yaml\'s app at this file and run `npx cdk8s synth`).\n';
  if (plan.notCarried.length > 0) {
    out += ' *\n * Not carried over from the Compose file (no safe equivalent, or prodpath does it its own way):\n';
    for (const n of plan.notCarried) {
      out += wrap(`${n.service}: ${n.key}: ${n.why}`, 100, ' *   - ', ' *     ').join('\n') + '\n';
    }
  }
  if (plan.todos.length > 0) {
    out += ' *\n * TODO before production:\n';
    for (const t of plan.todos) {
      out += wrap(t, 100, ' *   - ', ' *     ').join('\n') + '\n';
    }
  }
  out += ' */\n';
  if (appRoot !== '.') {
    out += 'import * as path from \'path\';\n';
  }
  out += `import {\n${wrap(imports.join(', '), 98, '  ', '  ').join('\n')},\n} from 'prodpath';\n\n`;
  out += '/** The settings every environment gives. */\n';
  out += `interface ${settings} extends EnvironmentSettings {\n  /** The public domain the environment is served under. */\n  readonly domain: string;\n}\n\n`;
  out += '/** Builds the app into `app`; `npx tsx main.ts` runs it with the default output folder `dist`. */\n';
  out += `export function ${buildFn}(app: App, appRoot: string = ${appRoot === '.' ? '__dirname' : `path.join(__dirname, ${quote(appRoot)})`}): Pipeline<${settings}> {\n`;
  out += `  const pipeline = new Pipeline<${settings}>(app, ${quote(plan.appName)}, {\n`;
  out += '    // TODO: the registry images are pushed to, and each environment\'s domain.\n';
  out += '    registry: \'registry.example.com/' + plan.appName + '\',\n';
  out += '    appRoot,\n';
  out += '    environments: {\n';
  out += `      dev: {\n        namespace: ${quote(`${plan.appName}-dev`)}, replicas: 1, domain: 'dev.example.com',\n`;
  out += `        // The host ports the Compose file published (false: not published).\n        compose: { hostPorts: ${literal(plan.hostPorts, '        ')} },\n      },\n`;
  out += `      staging: { namespace: ${quote(`${plan.appName}-staging`)}, replicas: 2, domain: 'staging.example.com' },\n`;
  out += `      prod: { namespace: ${quote(plan.appName)}, replicas: 2, domain: 'example.com' },\n`;
  out += '    },\n  });\n';
  if (plan.images.length > 0) {
    out += '\n';
    out += plan.images.map(imageCode).join('\n');
  }
  out += '\n  pipeline.define((env) => {\n';
  out += plan.workloads.map((w) => workloadCode(w, plan.exemptions.includes(w.varName), plan.workloads.some((o) => o.uses.includes(w.varName)))).join('\n');
  out += '  });\n  return pipeline;\n}\n\n';
  out += 'if (require.main === module) {\n';
  out += '  const app = new App();\n';
  out += `  ${buildFn}(app);\n`;
  out += '  app.synth();\n}\n';
  return out;
}
