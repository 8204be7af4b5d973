/**
 * `tsx sim/hostile/cli.ts [--good N] [--hostile N] [--behaviour B]… [--file-size BYTES] [--trickle-ms MS]`:
 * start a fleet of hostile and well-behaved virtual devices in their own process (so a benchmark
 * measures only the controller), print `name host:port` per device, run until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { HOSTILE_BEHAVIOURS, startHostileDevice, type HostileBehaviour, type HostileDevice } from './device';

const { values } = parseArgs({
  options: {
    good: { type: 'string', default: '0' },
    hostile: { type: 'string', default: '0' },
    behaviour: { type: 'string', multiple: true, default: [] },
    'file-size': { type: 'string' },
    'trickle-ms': { type: 'string' },
  },
});
const behaviours = values.behaviour as HostileBehaviour[];
for (const b of behaviours) {
  if (!HOSTILE_BEHAVIOURS.includes(b)) {
    process.stderr.write(`unknown behaviour '${b}' (one of ${HOSTILE_BEHAVIOURS.join(', ')})\n`);
    process.exit(1);
  }
}
const fileSize = values['file-size'] ? Number(values['file-size']) : undefined;
const trickleMs = values['trickle-ms'] ? Number(values['trickle-ms']) : undefined;
const devices: HostileDevice[] = [];
const common = { ...(fileSize ? { fileSize } : {}), ...(trickleMs ? { trickleMs } : {}) };
for (let i = 0; i < Number(values.good); i++) devices.push(await startHostileDevice({ name: `good-${i + 1}`, ...common }));
for (let i = 0; i < Number(values.hostile); i++) devices.push(await startHostileDevice({ name: `hostile-${i + 1}`, behaviours, ...common }));
for (const d of devices) process.stdout.write(`${d.name} ${d.address}\n`);

const stop = async () => {
  await Promise.all(devices.map((d) => d.close()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
