/** Virtual MultiCam devices: the device side, for tests, benchmarks and demo mode. */
export type {
  Personality,
  FaultName,
  Fault,
  SimDeviceOptions,
  SimRecording,
  SimDevice,
  SimState,
  ReceivedCommand,
  SimSceneOptions,
  SimSceneTruth,
} from './types';
export { PERSONALITIES, FAULT_NAMES } from './types';
export { startSimDevice } from './device';
export { startSimFleet, type SimFleetOptions } from './fleet';
export { PROFILES, recordingFileName, randomDeviceId, type Profile } from './personalities';
export { makeDeviceClock, wallClockMs, type DeviceClock } from './clock';
export { writeVideoFile, sampleMp4, SAMPLE_MP4_PATH, freeBoxHeader } from './video-file';
export { simCommand, parseSimArgs } from './cli';
export { writeSceneRecording, ffmpegAvailable, type SceneRecordingSpec, type SceneTruth } from './scene/recording';
