/** Clock health: per-device offset estimates and the controller's SNTP time base. */
export { ClockEstimator, isClockFlagged, DEFAULT_CLOCK_THRESHOLD_MS } from './estimator';
export type { ClockSample, ClockEstimate, ClockEstimatorOptions, SampleVerdict } from './estimator';
export { querySntp, measureSntp, parseSntpReply, SntpError, DEFAULT_SNTP_SERVER, DEFAULT_SNTP_PORT, localHighResNow } from './sntp';
export type { SntpSample, SntpMeasurement, SntpQueryOptions, SntpMeasureOptions, SntpErrorCode } from './sntp';
export { ControllerClock, parseServer } from './controller-clock';
export type { ControllerClockOptions, SetTimer } from './controller-clock';
export { estimateClock } from './samples';
export type { OffsetEstimate } from './samples';
