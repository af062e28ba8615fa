/** Log levels, least severe first. */
export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Writes one log line; `fields` are added to it as they are (never pass a secret). */
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * The agent's logger: one JSON object per line, `{"level","time","msg",...fields}` (`time` in ISO
 * 8601, UTC), lines below `minimum` dropped. Writes to stdout unless told otherwise.
 */
export function createJsonLogger(minimum: LogLevel, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Log {
  const threshold = logLevels.indexOf(minimum);
  return (level, message, fields) => {
    if (logLevels.indexOf(level) < threshold) return;
    write(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }));
  };
}
