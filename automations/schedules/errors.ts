/**
 * A cron expression that cannot be read. `field` names the part at fault (`minute`, `hour`,
 * `day-of-month`, `month`, `day-of-week`) when there is one; `reason` is the message without the
 * expression, for save-time errors that already point at it.
 */
export class CronExpressionError extends Error {
  override readonly name = 'CronExpressionError';
  readonly code = 'INVALID_CRON';

  /** Prefer the factories below; the constructor is public so tests can match the class. */
  constructor(
    readonly expression: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`invalid cron expression ${JSON.stringify(expression)}: ${reason}`);
  }

  /** The number of fields is wrong, or an alias is unknown. */
  static shape(expression: string, reason: string): CronExpressionError {
    return new CronExpressionError(expression, undefined, reason);
  }

  /** One field is malformed or out of its range. */
  static field(expression: string, field: string, reason: string): CronExpressionError {
    return new CronExpressionError(expression, field, `${field}: ${reason}`);
  }

  /** Every field is well formed, but no day can ever match (e.g. the 30th of February). */
  static neverMatches(expression: string, reason: string): CronExpressionError {
    return new CronExpressionError(expression, 'day-of-month', reason);
  }
}
