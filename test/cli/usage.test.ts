import { describe, expect, it } from 'vitest';
import { sett } from './helpers.js';

const COMMANDS = ['info', 'verify', 'dump', 'get', 'scan', 'backup', 'restore', 'gc', 'flatten', 'rotate-key'];

describe('sett usage', () => {
  it('--help lists every command and the exit codes, and exits 0', async () => {
    const r = await sett('--help');
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 problems found or command failed, 2 usage error');
  });

  it('no arguments prints the help to stderr and exits 2', async () => {
    const r = await sett();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: sett');
  });

  it('an unknown command or option exits 2', async () => {
    const [command, option] = await Promise.all([sett('frobnicate', '/tmp'), sett('info', '/tmp', '--frobnicate')]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'frobnicate'");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--frobnicate'");
  });

  it('each command has its own --help, and --version prints the version', async () => {
    const [help, version] = await Promise.all([sett('scan', '--help'), sett('--version')]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--prefix <p>');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
