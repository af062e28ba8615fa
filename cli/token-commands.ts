import { z } from 'zod';
// Straight from their files, not auth/index.ts: the CLI must start fast.
import { apiTokenNameSchema } from '../auth/api-tokens.ts';
import { roles, type Role } from '../auth/principal.ts';
import type { CommandLine } from './command-line.ts';
import { withNode } from './node-client.ts';
import { durationSchema } from './option-schemas.ts';

interface TokenListing {
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
}

// `vigil token create|list|revoke` (admin role): API tokens through a node's HTTP API. `create`
// prints the token once; only its SHA-256 is stored.

const createOptions = z.object({
  name: apiTokenNameSchema,
  role: z.enum(roles, { error: `expected one of ${roles.join(', ')}` }),
  expires: durationSchema.optional(),
  json: z.boolean().optional(),
});

export async function createToken(line: CommandLine): Promise<number> {
  const options = line.options(createOptions);
  return withNode(line.configFile, async (node) => {
    const expiresAt = options.expires === undefined ? null : Date.now() + options.expires;
    const created = await node.request<TokenListing & { token: string }>('POST', '/tokens', { name: options.name, role: options.role, expiresAt });
    if (options.json) console.log(JSON.stringify(created, null, 2));
    else {
      console.log(created.token);
      console.error(`token ${created.name} (${created.role}${created.expiresAt ? `, expires ${new Date(created.expiresAt).toISOString()}` : ''}): shown once, store it now`);
    }
    return 0;
  });
}

export async function listTokens(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const { tokens } = await node.request<{ tokens: TokenListing[] }>('GET', '/tokens');
    if (json) console.log(JSON.stringify(tokens, null, 2));
    else for (const token of tokens) {
      const status = token.revokedAt ? `revoked ${new Date(token.revokedAt).toISOString()}` : token.expiresAt && token.expiresAt <= Date.now() ? 'expired' : 'active';
      const expiry = token.expiresAt ? `expires ${new Date(token.expiresAt).toISOString()}` : 'no expiry';
      console.log(`${token.name.padEnd(24)} ${token.role.padEnd(9)} ${status.padEnd(34)} ${expiry.padEnd(33)} created ${new Date(token.createdAt).toISOString()} by ${token.createdBy}`);
    }
    return 0;
  });
}

export async function revokeToken(line: CommandLine): Promise<number> {
  const name = line.argument(0, apiTokenNameSchema);
  return withNode(line.configFile, async (node) => {
    await node.request('DELETE', `/tokens/${encodeURIComponent(name)}`);
    console.log(`token ${name}: revoked`);
    return 0;
  });
}
