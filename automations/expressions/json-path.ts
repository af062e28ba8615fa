export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A path as users read it in error messages: `actions[2].config.title`, `variables["my key"]`.
 * The empty path (the value itself) is ''.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** "path: message", or just the message for the value itself. */
export function atPath(path: string, message: string): string {
  return path === '' ? message : `${path}: ${message}`;
}
