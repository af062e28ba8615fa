import type { ApiTokenStore } from '../persistence/index.ts';
import { roleSchema, type Principal } from './principal.ts';

/** The built-in account automations run as when they name none: the operator role. */
export const BUILT_IN_AUTOMATION_ACCOUNT = 'automations';

/** An automation's `run_as` names no usable account: its effects are refused (the step fails). */
export class RunAsError extends Error {
  readonly code = 'FORBIDDEN';
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'RunAsError';
  }
}

/**
 * The principal an automation's effects are authorized as: the built-in `automations` account
 * (operator) when `run_as` is absent or names it, else the API token of that name with its role,
 * looked up when the effect happens (a revoked or expired token stops the automation's effects).
 */
export class RunAsResolver {
  constructor(
    private readonly store: ApiTokenStore,
    private readonly clock: () => number = Date.now,
  ) {}

  async principalOf(automationId: string, runAs: string | undefined): Promise<Principal & { type: 'automation' }> {
    if (runAs === undefined || runAs === BUILT_IN_AUTOMATION_ACCOUNT) return { type: 'automation', id: automationId, runAs: BUILT_IN_AUTOMATION_ACCOUNT, role: 'operator' };
    const token = await this.store.find(runAs);
    const role = roleSchema.safeParse(token?.role);
    const now = this.clock();
    if (!token || !role.success || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) {
      throw new RunAsError(`run_as "${runAs}" names no usable API token (unknown, revoked or expired): the automation's effects are refused`);
    }
    return { type: 'automation', id: automationId, runAs, role: role.data };
  }
}
