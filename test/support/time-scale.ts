/**
 * One factor for every test deadline: `VIGIL_TEST_TIME_SCALE` (default 1; e.g. 3 on a machine
 * busy with other work). Deadlines only bound how long a test waits for progress before it gives
 * up; no test asserts that something was fast, so scaling them changes what fails, not what passes.
 */
export const TIME_SCALE = parseScale(process.env.VIGIL_TEST_TIME_SCALE);

/** `ms`, stretched by the time scale. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}

function parseScale(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 1 || value > 20) throw new Error(`VIGIL_TEST_TIME_SCALE must be a number from 1 to 20, not ${JSON.stringify(text)}`);
  return value;
}
