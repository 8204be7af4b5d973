/** `multicam devices`: what is out there (mDNS and/or --device), with each device's status. */
import { formatAddress } from '../../src-shared/address';
import { EXIT_OK, EXIT_PARTIAL, UsageError, parse, parseDeviceArg, parseSeconds, printable, runCommand } from './common';
import { discoverDevices } from './discover';
import type { CliIo } from './common';
import { DEVICES_USAGE } from './usage';
import { formatStatusLine, queryStatus } from './status';

export async function devicesCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('devices', DEVICES_USAGE, io, async () => {
    const { values } = parse(argv, {
      'discover-seconds': { type: 'string' },
      interface: { type: 'string', multiple: true },
      device: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(DEVICES_USAGE);
      return EXIT_OK;
    }
    const seconds = parseSeconds('--discover-seconds', values['discover-seconds'], 0, 120) ?? 3;
    const list: Array<{ deviceKey: string; instance: string | null; host: string; port: number; source: 'mdns' | 'manual' }> = (values.device ?? [])
      .map(parseDeviceArg)
      .map((d) => ({ deviceKey: d.key, instance: null, host: d.host, port: d.port, source: 'manual' }));
    if (seconds > 0) {
      for (const s of await discoverDevices({ seconds, interfaces: values.interface ?? [] })) {
        if (!list.some((d) => d.host === s.host && d.port === s.port))
          list.push({ deviceKey: s.deviceKey, instance: s.instance, host: s.host, port: s.port, source: 'mdns' });
      }
    } else if (list.length === 0) throw new UsageError('--discover-seconds 0 needs at least one --device');
    // Listed like `status` (address, then the id the device reports: its one name); the mDNS
    // instance name it was found under comes last.
    const results = await Promise.all(
      list.map(async (d) => ({ ...d, ...(await queryStatus(d.host, d.port, d.deviceKey, 1, 3000)), device: formatAddress(d) })),
    );
    if (values.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else if (results.length === 0) io.stdout.write('no devices found\n');
    else
      for (const r of results)
        io.stdout.write(`${formatStatusLine(r)}  (${r.source === 'mdns' ? `mdns ${printable(r.instance ?? '')}` : 'added by address'})\n`);
    return results.length > 0 && results.every((r) => r.ok) ? EXIT_OK : EXIT_PARTIAL;
  });
}
