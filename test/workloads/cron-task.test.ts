import * as fc from 'fast-check';
import { CronTask, CronTaskProps } from '../../lib';
import { find } from '../support/synth';
import { expectInvalid, podSpec, shop, valid } from './support';

function build(props: Partial<CronTaskProps> = {}) {
  return shop((env, image) => {
    new CronTask(env, 'cleanup', { image, schedule: '0 3 * * *', command: ['node', 'cleanup.js'], ...props } as CronTaskProps);
  });
}

describe('CronTask', () => {
  test('renders a CronJob and a NetworkPolicy', () => {
    expect(valid(build().app, 'prod').map((d) => d.kind).sort()).toEqual(['CronJob', 'Namespace', 'NetworkPolicy']);
  });

  test('has the schedule, a Forbid concurrency policy, history limits, a starting deadline, retries and a timeout', () => {
    const cj = find(valid(build({ timeZone: 'Europe/Paris' }).app, 'dev'), 'CronJob');
    expect(cj.spec).toMatchObject({
      schedule: '0 3 * * *',
      timeZone: 'Europe/Paris',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      startingDeadlineSeconds: 300,
    });
    expect(cj.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    expect(cj.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  test('sets every setting it is given', () => {
    const cj = find(valid(build({
      concurrencyPolicy: 'Replace', startingDeadlineSeconds: 60, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5,
      ttlSecondsAfterFinished: 600, backoffLimit: 0, timeoutSeconds: 120,
    }).app, 'dev'), 'CronJob');
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Replace', startingDeadlineSeconds: 60, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5 });
    expect(cj.spec.jobTemplate.spec).toMatchObject({ ttlSecondsAfterFinished: 600, backoffLimit: 0, activeDeadlineSeconds: 120 });
  });

  test('accepts a schedule macro as it is', () => {
    expect(find(valid(build({ schedule: '@daily' }).app, 'dev'), 'CronJob').spec.schedule).toBe('@daily');
  });

  test('accepts names, lists, ranges and steps, and normalizes the spacing', () => {
    expect(find(valid(build({ schedule: ' */15  8-18/2 1,15 jan-jun MON-FRI ' }).app, 'dev'), 'CronJob').spec.schedule).toBe('*/15 8-18/2 1,15 jan-jun MON-FRI');
  });

  test('hardens the job pods to "restricted", without the construct-path label', () => {
    const cj = find(valid(build().app, 'prod'), 'CronJob');
    const spec = podSpec(cj);
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(spec.containers[0].securityContext).toMatchObject({ capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsUser: 10001 });
    expect(spec.containers[0].resources.requests).toMatchObject({ cpu: '100m', memory: '128Mi' });
    expect(cj.spec.jobTemplate.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'cleanup', 'app.kubernetes.io/component': 'job' });
    expect(JSON.stringify(cj)).not.toMatch(/cdk8s\.io\/metadata\.addr/);
  });

  test('has no disruption budget or autoscaler, even in production', () => {
    const kinds = valid(build().app, 'prod').map((d) => d.kind);
    expect(kinds).not.toContain('PodDisruptionBudget');
    expect(kinds).not.toContain('HorizontalPodAutoscaler');
  });

  test('accepts a name of 52 characters', () => {
    const name = `c${'x'.repeat(51)}`;
    expect(find(valid(build({ name }).app, 'dev'), 'CronJob').metadata.name).toBe(name);
  });

  test('accepts every well-formed five-field schedule (property)', () => {
    const field = (min: number, max: number) => fc.oneof(
      fc.constant('*'),
      fc.integer({ min, max }).map(String),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max }).map((s) => `*/${s}`),
    );
    fc.assert(fc.property(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6), (...f) => {
      const schedule = f.join(' ');
      expect(find(valid(build({ schedule }).app, 'dev'), 'CronJob').spec.schedule).toBe(schedule);
    }), { numRuns: 25 });
  });
});

describe('bad CronTask input', () => {
  const cases: [string, Partial<CronTaskProps>, RegExp][] = [
    ['fails when the schedule has 6 fields', { schedule: '0 0 3 * * *' }, /^shop\/dev\/cleanup: schedule "0 0 3 \* \* \*" is invalid: a schedule is five cron fields \(minute hour day-of-month month day-of-week\), and this one has 6\. Fix: use five fields/],
    ['fails when the schedule has 4 fields', { schedule: '0 3 * *' }, /and this one has 4/],
    ['fails when the schedule is empty', { schedule: '' }, /schedule "" is invalid: a schedule is a cron expression of five fields/],
    ['fails when the minute is 60', { schedule: '60 3 * * *' }, /the minute field "60" has 60, out of range \(allowed: 0-59/],
    ['fails when the hour is 24', { schedule: '0 24 * * *' }, /the hour field "24" has 24, out of range \(allowed: 0-23/],
    ['fails when the day of month is 0', { schedule: '0 3 0 * *' }, /the day-of-month field "0" has 0, out of range \(allowed: 1-31/],
    ['fails when the day of month is 32', { schedule: '0 3 32 * *' }, /day-of-month field "32"/],
    ['fails when the month is 13', { schedule: '0 3 * 13 *' }, /the month field "13" has 13, out of range \(allowed: 1-12 or JAN-DEC/],
    ['fails when the day of week is 7', { schedule: '0 3 * * 7' }, /the day-of-week field "7" has 7, out of range \(allowed: 0-6 or SUN-SAT/],
    ['fails when a step is 0', { schedule: '*/0 * * * *' }, /has the step "0"/],
    ['fails when a range ends before it starts', { schedule: '0 18-8 * * *' }, /has the range 18-8, which ends before it starts/],
    ['fails when a range runs out of bounds', { schedule: '0 20-25 * * *' }, /the hour field "20-25" has 25, out of range/],
    ['fails when a month name is unknown', { schedule: '0 3 * FOO *' }, /the month field "FOO" has "FOO", which is not a number/],
    ['fails when a field is malformed', { schedule: '0 3 1,,2 * *' }, /the day-of-month field "1,,2" is malformed/],
    ['fails when the schedule carries a time zone', { schedule: 'CRON_TZ=UTC 0 3 * * *' }, /set timeZone instead/],
    ['fails when the macro is unknown', { schedule: '@fortnightly' }, /the only schedule macros are @yearly/],
    ['fails when the name is over 52 characters', { name: `c${'x'.repeat(52)}` }, /name "cx+" is invalid: the name of the Jobs the CronJob controller makes \(<name>-<10 digits>\) would be "cx+-0123456789", 64 characters, over Kubernetes' limit of 63; here a CronTask name may have at most 52 characters. Fix: use a name of at most 52 characters/],
    ['fails when the time zone is not an IANA name', { timeZone: 'CEST+2' }, /timeZone "CEST\+2" is invalid: a time zone is a name of the IANA tz database/],
    ['fails when the time zone is shaped like one but unknown', { timeZone: 'Mars/Olympus' }, /timeZone "Mars\/Olympus" is invalid: a time zone is a name of the IANA tz database/],
    ['fails when the time zone lacks its capitals', { timeZone: 'europe/paris' }, /timeZone "europe\/paris" is invalid/],
    ['fails when the concurrency policy is unknown', { concurrencyPolicy: 'Queue' as any }, /concurrencyPolicy "Queue" is invalid/],
    ['fails when the starting deadline is under 10 s', { startingDeadlineSeconds: 5 }, /startingDeadlineSeconds 5 is invalid: must be a whole number of seconds from 10/],
    ['fails when the history limit is negative', { successfulJobsHistoryLimit: -1 }, /successfulJobsHistoryLimit -1 is invalid/],
    ['fails when the timeout is 0', { timeoutSeconds: 0 }, /timeoutSeconds 0 is invalid/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expectInvalid(() => build(props), message);
  });

  test('fails for any out-of-range minute (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 60, max: 10000 }), (minute) => {
      expectInvalid(() => build({ schedule: `${minute} 3 * * *` }), /minute field .* out of range/);
    }), { numRuns: 25 });
  });
});
