import { describe, expect, it } from 'vitest';
import type { TakeSync } from '../../src-shared/sync';
import { editorFileOf } from './editor-file';

const sync = (devices: Array<{ deviceKey: string | null; file: string }>) => ({ devices }) as unknown as TakeSync;

describe('editorFileOf', () => {
  it('an OAK zip becomes the video sync took out of it; anything else stays itself', () => {
    const zip = { path: 'Cam_video_1.zip', deviceKey: 'oak:8080' };
    expect(editorFileOf(zip, sync([{ deviceKey: 'oak:8080', file: 'Cam_video_1.mp4' }]))).toBe('Cam_video_1.mp4');
    // Not yet extracted (no sync, or sync still names the zip), or another device's entry: the zip.
    expect(editorFileOf(zip, null)).toBe('Cam_video_1.zip');
    expect(editorFileOf(zip, sync([{ deviceKey: 'oak:8080', file: 'Cam_video_1.zip' }]))).toBe('Cam_video_1.zip');
    expect(editorFileOf(zip, sync([{ deviceKey: 'ios:8080', file: 'Other.mov' }]))).toBe('Cam_video_1.zip');
    expect(editorFileOf({ path: 'a.mp4', deviceKey: 'x' }, sync([{ deviceKey: 'x', file: 'b.mp4' }]))).toBe('a.mp4');
  });
});
