import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src-shared/api';
import { controllerFiles } from './http-files';

describe('controllerFiles', () => {
  const c = {
    resolveDownloadPath: async (id: string) => (id === 'dl-oak' ? ok('/takes/t1/Cam_video_1.zip') : err('not_found', 'no such download')),
    resolveEditorFiles: async (id: string) => (id === 'dl-oak' ? ok(['/takes/t1/Cam_video_1.mp4']) : err('not_found', 'no such download')),
  };
  const resolve = controllerFiles(c);

  it("the URL naming the video taken out of the zip gets that video, the zip's name the zip; any other name nothing", async () => {
    expect(await resolve('dl-oak', 'Cam_video_1.mp4')).toEqual(ok('/takes/t1/Cam_video_1.mp4'));
    expect(await resolve('dl-oak', 'Cam_video_1.zip')).toEqual(ok('/takes/t1/Cam_video_1.zip'));
    expect(await resolve('dl-oak', '')).toEqual(ok('/takes/t1/Cam_video_1.zip'));
    // A name is only ever compared with the download's own files, never used as a path; one that
    // is not among them is refused (the browser would save other bytes under it).
    for (const name of ['../../etc/passwd', '/takes/t1/Cam_video_1.mp4', 'cam_video_1.MP4']) {
      expect(await resolve('dl-oak', name)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(await resolve('dl-none', 'Cam_video_1.mp4')).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('the video gone since the take was aligned: its name is refused, not answered with the zip', async () => {
    const gone = controllerFiles({ ...c, resolveEditorFiles: async () => ok(['/takes/t1/Cam_video_1.zip']) });
    expect(await gone('dl-oak', 'Cam_video_1.mp4')).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/align the take again/) },
    });
    expect(await gone('dl-oak', 'Cam_video_1.zip')).toEqual(ok('/takes/t1/Cam_video_1.zip'));
  });
});
