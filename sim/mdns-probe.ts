/**
 * Run inside a network namespace by mdns.test.ts: advertises one virtual device over real mDNS on
 * the namespace's loopback, browses for it, stops it, and prints what a controller would have seen
 * (one JSON line). Never run on the machine's real interfaces.
 */
import Bonjour from 'bonjour-service';
import { startSimDevice } from './device';
import type { Personality } from './types';

const personality = (process.argv[2] ?? 'oak') as Personality;
const iface = '127.0.0.1';
const result: Record<string, unknown> = {};
const browser = new Bonjour({ interface: iface, bind: '0.0.0.0' } as never);
const device = await startSimDevice({ personality, host: iface, mdns: { interface: iface } });
result.advertisedName = device.name;
result.port = device.port;
const up = new Promise<void>((resolve) => {
  const b = browser.find({ type: 'multicam' }, (s) => {
    if (s.name !== device.name) return;
    result.up = { name: s.name, port: s.port, type: s.type, txt: s.txt ?? null };
    b.on('down', (gone: { name: string }) => {
      if (gone.name === device.name) result.goodbye = true;
    });
    resolve();
  });
});
await Promise.race([up, new Promise((r) => setTimeout(r, 8000))]);
await device.stop();
await new Promise((r) => setTimeout(r, 1000)); // let the goodbye arrive
browser.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
