import type { Command } from 'commander';
import { createUser, listUsers, resetPassword, setUserStatus, type Role } from '../modules/accounts/index.js';
import { systemActor } from '../platform/auth/permissions.js';
import { withRuntime, type GlobalOpts } from './run.js';

const cliActor = () => systemActor(`cli:${process.env.USER ?? 'unknown'}`);

export function registerUserCommands(program: Command, globals: () => GlobalOpts): void {
  const user = program.command('user').description('管理用户 / manage users');

  user
    .command('add')
    .description('新建用户 / create a user')
    .requiredOption('--username <name>')
    .requiredOption('--password <password>')
    .requiredOption('--role <role>', 'admin | bureau | district | ops | viewer')
    .option('--district <code>', 'district code, for role district')
    .option('--display-name <name>')
    .action((o) =>
      withRuntime(globals(), async ({ ctx }) => {
        const u = await createUser(ctx, cliActor(), { username: o.username, password: o.password, role: o.role as Role, districtCode: o.district ?? null, displayName: o.displayName ?? null });
        console.log(`created ${u.username} (${u.role}${u.districtCode ? ` ${u.districtCode}` : ''})`);
      }),
    );

  user
    .command('list')
    .description('列出用户 / list users')
    .option('--json', 'print JSON')
    .action((o) =>
      withRuntime(globals(), async ({ ctx }) => {
        const users = await listUsers(ctx);
        if (o.json) console.log(JSON.stringify(users, null, 2));
        else console.table(users.map((u) => ({ username: u.username, role: u.role, district: u.districtCode ?? '', status: u.status, lastLogin: u.lastLoginAt ?? '' })));
      }),
    );

  user
    .command('disable <username>')
    .description('停用用户 / disable a user')
    .action((username: string) =>
      withRuntime(globals(), async ({ ctx }) => {
        await setUserStatus(ctx, cliActor(), username, 'disabled');
        console.log(`disabled ${username}`);
      }),
    );

  user
    .command('enable <username>')
    .description('启用用户 / enable a user')
    .action((username: string) =>
      withRuntime(globals(), async ({ ctx }) => {
        await setUserStatus(ctx, cliActor(), username, 'active');
        console.log(`enabled ${username}`);
      }),
    );

  user
    .command('reset-password <username>')
    .description('重置密码并解锁 / reset a password and unlock')
    .requiredOption('--password <password>')
    .action((username: string, o) =>
      withRuntime(globals(), async ({ ctx }) => {
        await resetPassword(ctx, cliActor(), username, o.password);
        console.log(`password of ${username} reset; its sessions were signed out`);
      }),
    );
}
