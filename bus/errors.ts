/** Errors of the bus. NATS client errors are translated here and never leak further. */
export class BusError extends Error {
  constructor(
    readonly code: 'BUS_UNAVAILABLE' | 'PUBLISH_NOT_ACKNOWLEDGED' | 'INVALID_GROUP' | 'STREAM_SETUP_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BusError';
  }

  static publishFailed(subject: string, cause: unknown): BusError {
    return new BusError('PUBLISH_NOT_ACKNOWLEDGED', `publish to ${subject} was not acknowledged: ${(cause as Error)?.message ?? cause}`, { cause });
  }

  static invalidGroup(group: string): BusError {
    return new BusError('INVALID_GROUP', `work-queue group "${group}" must be 1-64 letters, digits, "_" or "-"`);
  }
}
