/** The dispatcher: a static table of lazily loaded commands; a module that fails to load is an error, not "unknown command". */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, HELP, asksForHelp, commandNames, dispatch, type Handler } from './main';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  return { io: { stdout, stderr, stdin: new PassThrough() }, out: () => out, err: () => err };
}

describe('multicam dispatcher', () => {
  it('runs a command from its table, loading it only then', async () => {
    let loaded = 0;
    const table: Record<string, () => Promise<Handler>> = {
      hello: async () => {
        loaded++;
        return async (argv, o) => {
          o.stdout.write(`hi ${argv.join(' ')}\n`);
          return 0;
        };
      },
    };
    const t = io();
    expect(loaded).toBe(0);
    expect(await dispatch(table, ['hello', 'there'], t.io)).toBe(0);
    expect(t.out()).toBe('hi there\n');
    expect(loaded).toBe(1);
  });

  it('a command whose module fails to load says so (exit 1), never "unknown command"', async () => {
    const t = io();
    const table: Record<string, () => Promise<Handler>> = {
      broken: async () => {
        throw new Error("Cannot find module './broken'\n    at stack line");
      },
    };
    expect(await dispatch(table, ['broken'], t.io)).toBe(1);
    expect(t.err()).toBe("multicam broken: could not load the command: Cannot find module './broken'\n");
    expect(t.err()).not.toMatch(/unknown command/);
  });

  it('an unknown name (even one of Object.prototype) is a usage error', async () => {
    for (const name of ['nope', 'toString', 'constructor']) {
      const t = io();
      expect(await dispatch({}, [name], t.io)).toBe(1);
      expect(t.err()).toMatch(new RegExp(`unknown command '${name}'`));
    }
  });

  it('every command in the table loads', async () => {
    expect(await commandNames()).toEqual(['devices', 'download', 'export', 'record', 'sim', 'status', 'sync', 'upload']);
    for (const [name, load] of Object.entries(COMMANDS)) expect(typeof (await load()), name).toBe('function');
  });

  it("prints a command's --help without loading its module", async () => {
    let loaded = 0;
    const table: Record<string, () => Promise<Handler>> = {
      hello: async () => {
        loaded++;
        return async () => 0;
      },
    };
    for (const argv of [
      ['hello', '--help'],
      ['hello', '--device', 'x', '-h'],
    ]) {
      const t = io();
      expect(await dispatch(table, argv, t.io, { hello: 'usage: hello\n' })).toBe(0);
      expect(t.out()).toBe('usage: hello\n');
    }
    expect(loaded).toBe(0);
    // After `--` it is an argument, not a request for help.
    expect(asksForHelp(['--', '-h'])).toBe(false);
    expect(asksForHelp(['a', '--help', '--'])).toBe(true);
  });

  it('the early help is what each command prints itself for --help', async () => {
    const names = (await commandNames()).filter((n) => n !== 'sim');
    expect(Object.keys(HELP).sort()).toEqual(names);
    for (const name of names) {
      const early = io();
      expect(await dispatch(COMMANDS, [name, '--help'], early.io, HELP)).toBe(0);
      const own = io();
      const handler = await COMMANDS[name]!();
      expect(await handler(['--help'], own.io), name).toBe(0);
      expect(early.out(), name).toBe(own.out());
      expect(own.out(), name).toMatch(new RegExp(`^usage: multicam ${name} `));
    }
  });
});
