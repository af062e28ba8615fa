import type { z } from 'zod';
import { formatPath, isPlainObject, type PathSegment } from '../expressions/index.ts';
import { truncateText } from '../../protocol/storable-text.ts';

/** One problem in a definition: where (e.g. `actions[2].config.title`, '' for the document itself) and what. */
export interface DefinitionError {
  path: string;
  message: string;
}

/** A zod issue reduced to a path and a message people can act on. */
export interface FlatIssue {
  path: PathSegment[];
  code: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

const DEFAULT_UNION_MESSAGE = 'Invalid input';

/**
 * Flattens zod issues for `input` (the value that was parsed). For a union that failed, zod reports
 * every branch's issues; the branch the user meant is the one whose shape matches: not rejected
 * for its type as a whole nor for lacking a key the value does not have (a step's kind key).
 * Its issues are reported; when no single branch is meant, the union's own message is.
 */
export function flattenIssues(issues: readonly Issue[], input: unknown, base: readonly PathSegment[] = []): FlatIssue[] {
  return issues.flatMap((issue) => flattenIssue(issue, input, base));
}

export function toDefinitionErrors(issues: readonly FlatIssue[]): DefinitionError[] {
  return issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

function flattenIssue(issue: Issue, input: unknown, base: readonly PathSegment[]): FlatIssue[] {
  const path = [...base, ...(issue.path as PathSegment[])];
  const value = valueAt(input, path);
  if (issue.code === 'invalid_union' && value === undefined && path.length > 0) return [{ path, code: issue.code, message: 'is required' }];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const meant = issue.errors.filter((branch) => branchMatchesShape(branch, value));
    const customMessage = issue.message !== DEFAULT_UNION_MESSAGE;
    if (meant.length === 1 || (meant.length > 1 && !customMessage)) {
      const fewest = meant.reduce((best, branch) => (branch.length < best.length ? branch : best));
      return flattenIssues(fewest, input, path);
    }
    if (customMessage) return [{ path, code: issue.code, message: issue.message }];
    return [{ path, code: issue.code, message: `expected ${expectedTypes(issue.errors)}, got ${describeValue(value)}` }];
  }
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    return [{ path, code: issue.code, message: `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}` }];
  }
  return [{ path, code: issue.code, message: messageFor(issue, value) }];
}

function branchMatchesShape(branch: readonly Issue[], value: unknown): boolean {
  return !branch.some((issue) => {
    if (issue.path.length === 0) return issue.code === 'invalid_type';
    // An issue about a key the value lacks: the branch requires a key (a step's kind key) that
    // is not there, so the value is of another kind.
    return issue.path.length === 1 && isPlainObject(value) && !Object.hasOwn(value, issue.path[0] as string);
  });
}

function expectedTypes(branches: ReadonlyArray<readonly Issue[]>): string {
  const expected = new Set<string>();
  for (const branch of branches) {
    for (const issue of branch) if (issue.code === 'invalid_type' && issue.path.length === 0) expected.add(issue.expected);
  }
  return expected.size > 0 ? [...expected].join(' or ') : 'another value';
}

function messageFor(issue: Issue, value: unknown): string {
  // A required key that is absent: zod reports the type or the options it expected there.
  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.path.length > 0) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}, got ${describeValue(value)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_value':
      return `expected ${issue.values.map((option) => JSON.stringify(option)).join(' or ')}, got ${describeValue(value)}`;
    case 'invalid_union':
      return issue.message === DEFAULT_UNION_MESSAGE ? 'matches none of the allowed forms' : issue.message;
    default:
      return issue.message;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${truncateText(text, 40)}…` : text}`;
}

/** The value at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let current = input;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current) && Object.hasOwn(current, String(segment))) current = current[String(segment)];
    else return undefined;
  }
  return current;
}
