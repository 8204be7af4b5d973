import { describe, expect, it } from 'vitest';
import { FAILURE_STATUSES, KNOWN_STATUSES, START_SUCCESS_STATUSES, isFailureStatus, isKnownStatus, isStartAccepted, normalizeStatus } from './status';

describe('isStartAccepted', () => {
  it('accepts all three success statuses', () => {
    expect(isStartAccepted('scheduled_recording_accepted')).toBe(true);
    expect(isStartAccepted('recording')).toBe(true);
    expect(isStartAccepted('command_received')).toBe(true);
    expect([...START_SUCCESS_STATUSES].sort()).toEqual(['command_received', 'recording', 'scheduled_recording_accepted']);
  });

  it('refuses the failures and everything else', () => {
    for (const s of [
      'error',
      'time_not_synchronized',
      'camera_disconnected',
      'file_not_found',
      'ready',
      'stopping',
      'recording_stopped',
      'upload_queued',
      '',
      'Recording',
      'warming_up',
    ]) {
      expect(isStartAccepted(s), s).toBe(false);
    }
  });

  it('accepts device spellings once normalised', () => {
    expect(isStartAccepted(normalizeStatus('Command received'))).toBe(true);
    expect(isStartAccepted(normalizeStatus('Recording'))).toBe(true);
    expect(isStartAccepted(normalizeStatus('scheduledRecordingAccepted'))).toBe(true);
    expect(isStartAccepted(normalizeStatus('Time not synchronized'))).toBe(false);
  });
});

describe('isFailureStatus', () => {
  it('the START failures and the other refusals are failures', () => {
    for (const s of ['error', 'time_not_synchronized', 'camera_disconnected', 'file_not_found', 'upload_failed']) expect(isFailureStatus(s), s).toBe(true);
  });
  it('successes and unknown statuses are not failures', () => {
    for (const s of [...START_SUCCESS_STATUSES, 'ready', 'recording_stopped', 'upload_queued', 'uploading', 'warming_up', '']) {
      expect(isFailureStatus(s), s).toBe(false);
    }
  });
  it('no status is both a success and a failure', () => {
    for (const s of START_SUCCESS_STATUSES) expect(FAILURE_STATUSES).not.toContain(s);
  });
});

describe('normalizeStatus / isKnownStatus', () => {
  it('folds case, spaces, hyphens and camelCase to snake_case', () => {
    expect(normalizeStatus('Command received')).toBe('command_received');
    expect(normalizeStatus('Recording')).toBe('recording');
    expect(normalizeStatus('RECORDING')).toBe('recording');
    expect(normalizeStatus('timeNotSynchronized')).toBe('time_not_synchronized');
    expect(normalizeStatus('file-not-found')).toBe('file_not_found');
    expect(normalizeStatus(' \tupload \n queued  ')).toBe('upload_queued');
    expect(normalizeStatus('camera_disconnected')).toBe('camera_disconnected');
  });

  it('is idempotent on every known status', () => {
    for (const s of KNOWN_STATUSES) {
      expect(normalizeStatus(s)).toBe(s);
      expect(isKnownStatus(s)).toBe(true);
    }
  });

  it('unknown statuses are not known but survive normalisation', () => {
    expect(isKnownStatus('warming_up')).toBe(false);
    expect(isKnownStatus('Ready')).toBe(false);
    expect(normalizeStatus('Warming Up')).toBe('warming_up');
  });
});
