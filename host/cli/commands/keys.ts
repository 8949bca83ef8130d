// pumpctl keys: provision role keys on a new board (the physical-presence step: the service
// button held at boot opens a 120 s window), or rotate one with a service session. The new key
// is written to the key file before the pump is told, so a key the pump accepted is never lost.

import { existsSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../../firmware/protocol/auth';
import type { RoleKeys } from '../../protocol/key-file';
import { readKeyFile, ROLES, writeKeyFile } from '../../protocol/key-file';
import type { PumpSession } from '../session';
import type { Register } from './register';
import { cliError } from '../../errors/pumpctl';

const PRESENCE =
  'Keys can be set without a session only within 120 s of a boot with the service button held ' +
  '(on a board: hold the service pin low while pressing reset; on the virtual board: press s in its console).';

function roles(role: string | undefined, all: boolean | undefined): Role[] {
  if (all) return [...ROLES];
  if (role === undefined || !(ROLES as string[]).includes(role)) throw cliError('USAGE', `--role must be one of ${ROLES.join(', ')}${all === undefined ? '' : ' (or use --all)'}`);
  return [role as Role];
}

/**
 * Sets new random keys for `chosen` on a board in its provisioning window (no session) and
 * keeps in `file` exactly the keys the pump now holds; `pumpctl station` provisions with it too.
 */
export async function provisionKeys(s: PumpSession, file: string, chosen: readonly Role[]): Promise<Role[]> {
  const old: RoleKeys = existsSync(file) ? readKeyFile(file) : {};
  const fresh: RoleKeys = { ...old };
  for (const r of chosen) fresh[r] = new Uint8Array(randomBytes(32));
  const tmp = `${file}.new`;
  writeKeyFile(tmp, fresh);
  const done: Role[] = [];
  try {
    for (const r of chosen) {
      const reply = await s.send('KEY', r, Buffer.from(fresh[r]!).toString('hex'));
      if (!reply.ok && reply.code === 514) throw cliError('AUTH_FAILED', `the provisioning window is closed (E514). ${PRESENCE}`);
      if (!reply.ok) throw cliError('PUMP_REFUSED', `setting the ${r} key: E${reply.code} ${reply.message}`, reply.code);
      done.push(r);
    }
  } finally {
    // Keep exactly the keys the pump now holds: the new ones that were accepted.
    const kept: RoleKeys = { ...old };
    for (const r of done) kept[r] = fresh[r]!;
    writeKeyFile(tmp, kept);
    renameSync(tmp, file);
  }
  return done;
}

export const registerKeys: Register = (program, act) => {
  const keys = program.command('keys').description('provision or rotate role keys (stored in the --keys file, never on the command line)');

  keys
    .command('provision')
    .description(`set keys on a board in its provisioning window. ${PRESENCE}`)
    .option('--role <role>', 'patient, clinician or service')
    .option('--all', 'all three roles')
    .action(
      act(async (ctx, o: { role?: string; all?: boolean }) => {
        const file = ctx.keyFilePath();
        if (!file) throw cliError('USAGE', 'give the key file to write with --keys FILE (or PUMPCTL_KEYS)');
        const chosen = roles(o.role, o.all === true);
        // The file may not exist yet: provisioning is what fills it.
        const s = await ctx.session(undefined, { noKeys: true });
        const done = await provisionKeys(s, file, chosen);
        ctx.result({ provisioned: done, file }, `provisioned the ${done.join(', ')} key(s); stored in ${file} (readable by you only)`);
      }),
    );

  keys
    .command('rotate')
    .description('replace a role key with a new random one (service key)')
    .option('--role <role>', 'patient, clinician or service')
    .action(
      act(async (ctx, o: { role?: string }) => {
        const file = ctx.keyFilePath();
        if (!file) throw cliError('USAGE', 'give the key file to update with --keys FILE (or PUMPCTL_KEYS)');
        const [role] = roles(o.role, undefined);
        const s = await ctx.session('service');
        const current = readKeyFile(file);
        const next: RoleKeys = { ...current, [role!]: new Uint8Array(randomBytes(32)) };
        const tmp = `${file}.new`;
        writeKeyFile(tmp, next);
        const reply = await s.send('KEY', role!, Buffer.from(next[role!]!).toString('hex'));
        if (!reply.ok) {
          rmSync(tmp, { force: true });
          throw cliError('PUMP_REFUSED', `rotating the ${role} key: E${reply.code} ${reply.message}`, reply.code);
        }
        renameSync(tmp, file);
        ctx.result({ rotated: role, file }, `rotated the ${role} key; ${file} updated. Sessions of that role on the pump have ended.`);
      }),
    );
};
