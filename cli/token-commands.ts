import { apiTokenNameSchema, roleSchema, type Role } from '../auth/index.ts';
import { parseDuration } from '../automations/expressions/index.ts';
import type { VigilConfig } from '../node/index.ts';
import { fail, usage } from './exit.ts';
import { NodeClient } from './node-client.ts';

const tokenUsage = 'vigil token create --name <name> --role viewer|operator|admin [--expires 90d] | list [--json] | revoke <name>';

interface TokenListing {
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
}

/**
 * `vigil token create|list|revoke` (admin role): API tokens through a node's HTTP API. `create`
 * prints the token once; only its SHA-256 is stored.
 */
export async function tokenCommand(config: VigilConfig, args: string[], flags: { name?: string | undefined; role?: string | undefined; expires?: string | undefined; json?: boolean | undefined }): Promise<number> {
  const [action, name] = args;
  const node = NodeClient.connect(config);
  try {
    switch (action) {
      case 'create': {
        const parsedName = apiTokenNameSchema.safeParse(flags.name);
        const role = roleSchema.safeParse(flags.role);
        if (!parsedName.success || !role.success) return usage(`${tokenUsage}\n  ${!parsedName.success ? `--name: ${parsedName.error.issues[0]?.message}` : '--role: viewer, operator or admin'}`);
        let expiresAt: number | null = null;
        if (flags.expires !== undefined) {
          try {
            expiresAt = Date.now() + parseDuration(flags.expires);
          } catch {
            return usage(`--expires takes a duration such as 90d, 12h or 30m\n  ${tokenUsage}`);
          }
        }
        const created = await node.request<TokenListing & { token: string }>('POST', '/tokens', { name: parsedName.data, role: role.data, expiresAt });
        if (flags.json) console.log(JSON.stringify(created, null, 2));
        else {
          console.log(created.token);
          console.error(`token ${created.name} (${created.role}${created.expiresAt ? `, expires ${new Date(created.expiresAt).toISOString()}` : ''}): shown once, store it now`);
        }
        return 0;
      }
      case 'list': {
        const { tokens } = await node.request<{ tokens: TokenListing[] }>('GET', '/tokens');
        if (flags.json) console.log(JSON.stringify(tokens, null, 2));
        else for (const token of tokens) {
          const status = token.revokedAt ? `revoked ${new Date(token.revokedAt).toISOString()}` : token.expiresAt && token.expiresAt <= Date.now() ? 'expired' : 'active';
          const expiry = token.expiresAt ? `expires ${new Date(token.expiresAt).toISOString()}` : 'no expiry';
          console.log(`${token.name.padEnd(24)} ${token.role.padEnd(9)} ${status.padEnd(34)} ${expiry.padEnd(33)} created ${new Date(token.createdAt).toISOString()} by ${token.createdBy}`);
        }
        return 0;
      }
      case 'revoke': {
        if (!name) return usage(tokenUsage);
        await node.request('DELETE', `/tokens/${encodeURIComponent(name)}`);
        console.log(`token ${name}: revoked`);
        return 0;
      }
      default:
        return usage(tokenUsage);
    }
  } catch (error) {
    return fail((error as Error).message);
  }
}

export { tokenUsage };
