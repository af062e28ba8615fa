/** Prints a usage line; exit code 2 (bad usage). */
export function usage(text: string): number {
  console.error(`usage: ${text}`);
  return 2;
}

/** Prints an error; exit code 1 (the command ran and failed). */
export function fail(text: string): number {
  console.error(`vigil: ${text}`);
  return 1;
}
