import { commandsPermissions, nodesPermissions, readerPermissions, type NatsPermissions } from './nats-permissions.ts';

/** One of Vigil's three NATS users, as the accounts configuration declares it. */
export interface VigilNatsUser {
  readonly role: 'nodes' | 'reader' | 'commands';
  readonly user: string;
  /** Environment variable of the nats-server process that holds the password. */
  readonly passwordVariable: string;
  /** The inbox prefix the user must connect with (`NATS_INBOX_PREFIX`); `_INBOX` for the nodes. */
  readonly inboxPrefix: string;
  readonly permissions: NatsPermissions;
  readonly summary: string;
}

export interface NatsAccountsOptions {
  namespace: string;
  /** The NATS account that holds the namespace (default: the namespace upper-cased). */
  account?: string;
  /** Durable pull consumers the reader may read (default `<ns>-reader`). */
  readerDurables?: readonly string[];
}

/** The nodes', the read-only subscriber's and the command sender's users of a namespace. */
export function vigilNatsUsers(options: NatsAccountsOptions): VigilNatsUser[] {
  const { namespace } = options;
  const readerInbox = `_INBOX_${namespace}-reader`;
  const commandsInbox = `_INBOX_${namespace}-commands`;
  return [
    {
      role: 'nodes',
      user: `${namespace}-nodes`,
      passwordVariable: 'NATS_NODES_PASSWORD',
      inboxPrefix: '_INBOX',
      permissions: nodesPermissions(namespace),
      summary: 'Vigil nodes (and `vigil status`): the namespace, its streams, consumers and cluster bucket',
    },
    {
      role: 'reader',
      user: `${namespace}-reader`,
      passwordVariable: 'NATS_READER_PASSWORD',
      inboxPrefix: readerInbox,
      permissions: readerPermissions(namespace, { inboxPrefix: readerInbox, durables: options.readerDurables ?? [`${namespace}-reader`] }),
      summary: 'read-only subscriber: changes and triggers; pulls only from the durables an operator made for it',
    },
    {
      role: 'commands',
      user: `${namespace}-commands`,
      passwordVariable: 'NATS_COMMANDS_PASSWORD',
      inboxPrefix: commandsInbox,
      permissions: commandsPermissions(namespace, { inboxPrefix: commandsInbox }),
      summary: `command sender (the CLI, services): requests on ${namespace}.cmd.> and their replies, nothing else`,
    },
  ];
}

/**
 * The nats-server `accounts` block for a namespace: one account with JetStream and the three
 * users. Passwords are `$VARIABLE` references that nats-server resolves from its environment
 * (a missing one stops the server). `deploy/nats-accounts.conf` is this for namespace `vigil`
 * (a test keeps them equal); `vigil nats-accounts` prints it for the configured namespace.
 */
export function renderNatsAccounts(options: NatsAccountsOptions): string {
  const users = vigilNatsUsers(options);
  const quote = (text: string) => JSON.stringify(text);
  const list = (items: readonly string[], indent: string) => `[\n${items.map((item) => `${indent}  ${quote(item)}`).join('\n')}\n${indent}]`;
  const lines = [
    `# Vigil's NATS users for namespace "${options.namespace}", printed by \`vigil nats-accounts\`.`,
    '# What each may do and why: docs/OPERATIONS.md, "NATS users and permissions".',
    `# Passwords come from the environment of nats-server: ${users.map((user) => user.passwordVariable).join(', ')}.`,
    '# nats-server parses each value as a config value: start it with a letter and use only letters and digits',
    '# (p$(openssl rand -hex 32)); a value like 1e5… or 10m would be read as a number and stop the server.',
    'accounts {',
    `  ${options.account ?? options.namespace.toUpperCase()} {`,
    '    jetstream: enabled',
    '    users: [',
  ];
  for (const user of users) {
    const { publish, subscribe, allowResponses } = user.permissions;
    lines.push(
      `      # ${user.summary}; inbox prefix ${user.inboxPrefix}`,
      '      {',
      `        user: ${quote(user.user)}`,
      `        password: $${user.passwordVariable}`,
      '        permissions: {',
      `          publish: { allow: ${list(publish, '          ')} }`,
      `          subscribe: { allow: ${list(subscribe, '          ')} }`,
      ...(allowResponses ? ['          allow_responses: true'] : []),
      '        }',
      '      }',
    );
  }
  lines.push('    ]', '  }', '}', '');
  return lines.join('\n');
}
