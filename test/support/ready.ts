/** Whether a real tool a test needs is here, and why not. */
export type ToolStatus = { readonly available: true } | { readonly available: false; readonly reason: string };

/**
 * `describe` when the tool is here; otherwise `describe.skip` with a warning on a developer's
 * machine, and an error in CI (CI=…), where every real-tool test must run.
 */
export function describeWhenReady(what: string, status: ToolStatus): jest.Describe {
  if (status.available) {
    return describe;
  }
  if (process.env.CI) {
    throw new Error(`${what} must run in CI, but it cannot: ${status.reason}`);
  }
  // eslint-disable-next-line no-console
  console.warn(`Skipping ${what}: ${status.reason}`);
  return describe.skip;
}
