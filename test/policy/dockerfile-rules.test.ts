import { checkDockerfile, checkIgnoreFile, DOCKERFILE_RULES } from '../../lib/policy/dockerfile-rules';
import { formatFinding } from '../../lib/policy/rules';
import { SECRET_RULE } from '../../lib/policy/secrets';
import { CREDENTIAL_PATTERNS } from '../../lib/policy/image-rules';

const GOOD = `FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-slim AS runtime
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
USER 10001:10001
HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]
CMD ["node", "dist/server.js"]
`;

test('a well-formed Dockerfile passes every rule', () => {
  expect(checkDockerfile(GOOD, { expectedUser: '10001:10001' }).map(formatFinding)).toEqual([]);
});

const R = DOCKERFILE_RULES;
const breaks: [string, string, (t: string) => string, RegExp][] = [
  ['a latest base image', R.fromTag.id, (t) => t.replace('FROM node:20-slim AS runtime', 'FROM node:latest AS runtime'), /FROM node:latest has the tag latest/],
  ['an untagged base image', R.fromTag.id, (t) => t.replace('FROM node:20-slim AS build', 'FROM node AS build'), /FROM node has no tag/],
  ['an uppercase stage name', R.stageNames.id, (t) => t.replace('AS build', 'AS Build').replace('--from=build', '--from=Build'), /stage name "Build"/],
  ['a stage called scratch', R.stageNames.id, (t) => t.replace('AS runtime', 'AS context'), /stage name "context" is reserved/],
  ['a duplicate stage name', R.stageNames.id, (t) => t.replace('AS runtime', 'AS build'), /used twice/],
  ['a relative WORKDIR', R.workdir.id, (t) => t.replace('WORKDIR /app\nRUN apt', 'WORKDIR app\nRUN apt'), /WORKDIR app is relative/],
  ['ADD', R.copyNotAdd.id, (t) => t.replace('COPY --from=build', 'ADD https://example.com/x.tgz /x.tgz\nCOPY --from=build'), /ADD is used/],
  ['a shell-form CMD', R.execForm.id, (t) => t.replace('CMD ["node", "dist/server.js"]', 'CMD node dist/server.js'), /CMD node dist\/server\.js is in shell form/],
  ['a shell-form ENTRYPOINT', R.execForm.id, (t) => t.replace('CMD ["node", "dist/server.js"]', 'ENTRYPOINT tini --\nCMD ["node", "dist/server.js"]'), /ENTRYPOINT tini -- is in shell form/],
  ['two CMDs', R.single.id, (t) => `${t}CMD ["node", "other.js"]\n`, /more than one CMD/],
  ['two HEALTHCHECKs', R.single.id, (t) => t.replace('HEALTHCHECK', 'HEALTHCHECK NONE\nHEALTHCHECK'), /more than one HEALTHCHECK/],
  ['no USER', R.user.id, (t) => t.replace('USER 10001:10001\n', ''), /runs as root \(no USER\)/],
  ['USER root', R.user.id, (t) => t.replace('USER 10001:10001', 'USER root'), /USER root/],
  ['a named USER', R.user.id, (t) => t.replace('USER 10001:10001', 'USER node'), /USER node/],
  ['a low numeric USER', R.user.id, (t) => t.replace('USER 10001:10001', 'USER 1000:1000'), /USER 1000:1000/],
  ['a USER that differs from the pods', R.user.id, (t) => t.replace('USER 10001:10001', 'USER 20000:20000'), /differs from the pods' runAsUser:runAsGroup 10001:10001/],
  ['no HEALTHCHECK', R.healthcheck.id, (t) => t.replace(/HEALTHCHECK.*\n/, ''), /no HEALTHCHECK/],
  ['dependencies installed after the source', R.layerOrder.id, (t) => t.replace('COPY package.json package-lock.json ./\nRUN npm ci --no-audit --no-fund\nCOPY . .', 'COPY . .\nRUN npm ci --no-audit --no-fund'), /dependencies are installed \(npm ci\) after the whole source is copied/],
  ['apt-get without --no-install-recommends', R.apt.id, (t) => t.replace(' --no-install-recommends', ''), /apt-get install lacks/],
  ['apt-get without cleaning the lists', R.apt.id, (t) => t.replace(' && rm -rf /var/lib/apt/lists/*', ''), /apt-get install lacks/],
  ['a secret ARG', SECRET_RULE.id, (t) => t.replace('WORKDIR /app\nCOPY package.json', 'ARG NPM_TOKEN\nWORKDIR /app\nCOPY package.json'), /ARG NPM_TOKEN \(.*\) holds a secret \(secret-name: .*no default/],
  ['a secret ENV', SECRET_RULE.id, (t) => t.replace('USER 10001', 'ENV DB_PASSWORD=hunter2\nUSER 10001'), /ENV DB_PASSWORD \(.*\) holds a secret \(secret-name: .*value \*\*\* \(7 characters, hidden\)/],
  ['a token in a RUN line', SECRET_RULE.id, (t) => t.replace('USER 10001', `RUN curl -H "Authorization: token ghp_${'a1B2'.repeat(9)}" https://api.github.com\nUSER 10001`), /RUN holds a secret \(github-token/],
];

test.each(breaks)('fails on %s [%s]', (_what, ruleId, mutate, message) => {
  const findings = checkDockerfile(mutate(GOOD), { expectedUser: '10001:10001', file: 'images/api/Dockerfile' });
  const finding = findings.find((f) => f.rule.id === ruleId);
  expect(finding).toBeDefined();
  expect(finding!.message).toMatch(message);
  expect(finding!.where).toMatch(/^line \d+$/);
  expect(finding!.file).toBe('images/api/Dockerfile');
});

describe('ignore files', () => {
  test('pass when they leave out .git, node_modules, env files and every credential file', () => {
    expect(checkIgnoreFile(`.git\nnode_modules\n**/.env\n${CREDENTIAL_PATTERNS.join('\n')}\n`)).toEqual([]);
  });

  test('fail naming the credential patterns they lack, unless the image is exempted', () => {
    const text = `.git\nnode_modules\n${CREDENTIAL_PATTERNS.filter((p) => p !== '**/.npmrc' && p !== '**/.aws').join('\n')}\n`;
    const [finding] = checkIgnoreFile(text, { file: 'images/api/Dockerfile.dockerignore' });
    expect(finding.rule.id).toBe('no-credential-files');
    expect(finding.message).toBe('the ignore file does not leave out the credential files **/.npmrc, **/.aws');
    expect(checkIgnoreFile(text, { exemptions: { 'no-credential-files': 'the registry token file is a public mirror setting' } })).toEqual([]);
  });

  test('fail naming what they let in', () => {
    const [finding] = checkIgnoreFile('# nothing\ndist\n');
    expect(finding.rule.id).toBe(R.ignore.id);
    expect(finding.message).toBe('the ignore file does not leave out .git, node_modules, env files');
  });
});
