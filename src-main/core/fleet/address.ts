/**
 * Manual device addresses typed by the operator (`host`, `host:port`, `[v6]:port`; port
 * default 8080), parsed by the one address module (src-shared/address.ts); here they become
 * the fleet's FleetError when refused.
 */
import { addressKey, parseAddress, type ParsedAddress } from '../../../src-shared/address';
import { DEFAULT_DEVICE_PORT } from '../../../src-shared/protocol';

export { addressKey };

/** `key` is the canonical `host:port` (`[v6]:port`): the fleet key of a manual entry. */
export type ManualAddress = ParsedAddress;

export class FleetError extends Error {
  readonly code: 'invalid_argument' | 'not_found';
  constructor(code: 'invalid_argument' | 'not_found', message: string) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
  }
}

export function parseManualAddress(input: unknown): ManualAddress {
  const r = parseAddress(input, { defaultPort: DEFAULT_DEVICE_PORT });
  if (r.ok) return r.value;
  throw new FleetError('invalid_argument', `not a device address (${r.why}): ${JSON.stringify(String(input).slice(0, 80))}; expected host:port`);
}
