/**
 * Public surface of `auth/`: principals and roles, API tokens (generation, hashing, checking),
 * the command policy, and the admin token a node seeds at start.
 */
export { roles, roleSchema, roleAtLeast, actorOf, type Role, type Principal } from './principal.ts';
export { AuthError } from './errors.ts';
export { authorizeCommand, authorizeRole, COMMAND_ROLE } from './command-policy.ts';
export { API_TOKEN_PREFIX, apiTokenSchema, apiTokenNameSchema, generateApiToken, hashApiToken } from './api-tokens.ts';
export { PUSH_TOKEN_PREFIX, generatePushToken, hashPushToken } from './push-tokens.ts';
export { TokenAuthenticator, type TokenAuthenticatorOptions } from './token-authenticator.ts';
export { ensureAdminToken, readAdminTokenFile, ADMIN_TOKEN_FILE, SEED_ADMIN_TOKEN_NAME, type AdminTokenOptions } from './admin-token.ts';
export { TokenAdmin, TokenAdminError, type CreatedApiToken } from './token-admin.ts';
export { RunAsResolver, RunAsError, BUILT_IN_AUTOMATION_ACCOUNT } from './run-as.ts';
