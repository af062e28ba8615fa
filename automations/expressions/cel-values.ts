import { Optional, parse } from '@marcbachmann/cel-js';

/*
 * CEL has distinct int (BigInt in cel-js) and double types, and `double + int` is an error.
 * JSON has only numbers, so a value read from a run's scope is an int when it is a safe integer
 * and a double otherwise: `retries + 1` works for 3, and `ratio * 100.0` for 0.25. Results come
 * back as plain JSON-like values (BigInt → number) so callers never see CEL's representations.
 */

// cel-js does not export these classes; take them from values it creates so we can recognise them.
const DurationClass = (parse('duration("1s")')() as object).constructor;
const UnsignedIntClass = (parse('1u')() as object).constructor;
const TypeClass = (parse('type(1)')() as object).constructor;

/** A scope value as CEL should see it. Drops `undefined`, functions and symbols (JSON has none); cycles become null. */
export function toCelValue(value: unknown): unknown {
  return toCel(value, new Set());
}

function toCel(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null || value instanceof Date || value instanceof Uint8Array) return value;
  const object = value as object;
  if (ancestors.has(object)) return null;
  ancestors.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => toCel(item, ancestors) ?? null);
    if (object instanceof Map) {
      const converted = new Map<unknown, unknown>();
      for (const [key, item] of object) {
        const celItem = toCel(item, ancestors);
        if (celItem !== undefined) converted.set(typeof key === 'number' ? toCel(key, ancestors) : key, celItem);
      }
      return converted;
    }
    if (!isPlainObject(object)) return object;
    // A Map, not an object: keys such as "__proto__" or "constructor" stay ordinary data.
    const converted = new Map<string, unknown>();
    for (const [key, item] of Object.entries(object)) {
      const celItem = toCel(item, ancestors);
      if (celItem !== undefined) converted.set(key, celItem);
    }
    return converted;
  } finally {
    ancestors.delete(object);
  }
}

/**
 * A CEL result as a plain value: int/uint → number (precision is lost beyond 2^53), optional →
 * its value or null, map → object, duration → milliseconds, type → its name. Dates and bytes stay.
 */
export function fromCelValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(fromCelValue);
  if (value instanceof Optional) return value.hasValue() ? fromCelValue(value.value()) : null;
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of value) defineEntry(object, String(fromCelValue(key)), fromCelValue(item));
    return object;
  }
  if (value instanceof DurationClass) return Number(value.valueOf());
  if (value instanceof UnsignedIntClass) return Number(value.valueOf());
  if (value instanceof TypeClass) return String(value);
  if (isPlainObject(value)) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) defineEntry(object, key, fromCelValue(item));
    return object;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// Assignment would call the `__proto__` setter; defineProperty keeps such a key as data.
function defineEntry(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
