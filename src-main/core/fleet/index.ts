/** The fleet: device registry, per-device status polling, state machine and clock estimates. */
export { Fleet, changedForOperator, describeFailure } from './fleet';
export type { DevicePreferences, FleetOptions, SendFn, SetTimer } from './fleet';
export { FleetError, parseManualAddress, addressKey } from './address';
export type { ManualAddress } from './address';
