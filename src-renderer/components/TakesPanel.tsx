import { memo, useEffect, useState, type DragEvent } from 'react';
import type { DownloadView, TakeDeviceView, TakeView } from '../../src-shared/api';
import { formatBytes, formatEta, formatRate, shortSha } from '../lib/format';
import { useAction } from '../lib/useAction';
import { useApi, useCapabilities, useController, useDownload, useDownloadIdsForTake, useLive, useTake, useTakeIds, useUpload } from '../store/context';
import { rollState, TakeProblems, TakeStateChip } from './RecordPanel';
import { TakeSyncPanel } from './TakeSync';

/** Thumbnails already fetched per controller (data: URL, or null for "no thumbnail"). */
const thumbCaches = new WeakMap<object, Map<string, string | null>>();
function cacheFor(api: object): Map<string, string | null> {
  let c = thumbCaches.get(api);
  if (!c) thumbCaches.set(api, (c = new Map()));
  return c;
}

function Thumbnail({ download }: { download: DownloadView }) {
  const api = useApi();
  const done = download.state === 'done';
  const thumbCache = cacheFor(api);
  const [src, setSrc] = useState<string | null>(() => thumbCache.get(download.id) ?? null);
  useEffect(() => {
    if (!done) return;
    if (thumbCache.has(download.id)) {
      setSrc(thumbCache.get(download.id) ?? null);
      return;
    }
    let live = true;
    void api.thumbnail(download.id).then((r) => {
      const url = r.ok && /^data:image\//.test(r.value) ? r.value : null;
      thumbCache.set(download.id, url);
      if (live) setSrc(url);
    });
    return () => {
      live = false;
    };
  }, [api, done, download.id, thumbCache]);
  if (done && src) return <img className="thumb" src={src} alt={`First frame of ${download.deviceName}'s video`} draggable={false} />;
  return (
    <div className="thumb thumb-placeholder" aria-hidden="true">
      {done ? '▶' : download.state === 'failed' ? '✕' : '…'}
    </div>
  );
}

const DL_LABEL: Record<DownloadView['state'], string> = { queued: 'Queued', active: 'Downloading', done: 'Downloaded', failed: 'Failed', cancelled: 'Cancelled' };

export const DownloadRow = memo(function DownloadRow({ id }: { id: string }) {
  const d = useDownload(id);
  const caps = useCapabilities();
  const api = useApi();
  const retry = useAction(() => api.retryDownload(id));
  const cancel = useAction(() => api.cancelDownload(id));
  const reveal = useAction(() => api.revealDownload(id));
  const drag = useAction(() => api.startDrag(id));
  const live = useLive();
  if (!d) return <div className="file-row file-waiting">Waiting for the download to be queued…</div>;

  const canDrag = d.state === 'done' && caps.dragOut;
  const pct = d.total ? Math.min(100, (d.bytes / d.total) * 100) : null;
  const onDragStart = (e: DragEvent<HTMLElement>) => {
    // The main process starts the OS drag with the real file (webContents.startDrag), by id.
    e.preventDefault();
    void drag.run();
  };
  const error = retry.error ?? cancel.error ?? reveal.error ?? drag.error;

  return (
    <div className={`file-row file-${d.state}`} role="group" aria-label={`${d.deviceName}: ${d.path}`}>
      {canDrag ? (
        <div className="drag-handle" draggable onDragStart={onDragStart} title="Drag into your editor">
          <Thumbnail download={d} />
        </div>
      ) : (
        <Thumbnail download={d} />
      )}
      <div className="file-body">
        <span className="file-device">{d.deviceName}</span>
        <span className="file-name mono">{d.path}</span>
        <div className="file-status">
          <span className={`dl-state dl-${d.state}`}>{DL_LABEL[d.state]}</span>
          {d.partial && <span className="flag-partial">PARTIAL FILE — kept {formatBytes(d.bytes)}</span>}
          {d.state === 'done' && <span className="small">{formatBytes(d.total ?? d.bytes)}</span>}
          {d.state === 'done' && d.sha256 && (
            <span className="small mono" title={`sha256 ${d.sha256}`}>
              ✓ sha256 {shortSha(d.sha256)}
            </span>
          )}
          {canDrag && <span className="small">drag the picture into your editor</span>}
        </div>
        {(d.state === 'active' || d.state === 'queued' || (d.state === 'failed' && d.bytes > 0)) && (
          <>
            <div className="progress" role="progressbar" aria-label={`Download of ${d.path} from ${d.deviceName}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)} aria-valuetext={`${formatBytes(d.bytes)} of ${formatBytes(d.total)}`}>
              <div className={`progress-fill${d.state === 'failed' ? ' progress-bad' : ''}`} style={{ width: `${pct ?? 0}%` }} />
            </div>
            <div className="small">
              {formatBytes(d.bytes)} / {formatBytes(d.total)}
              {pct !== null ? ` · ${Math.floor(pct)}%` : ''}
              {d.state === 'active' && formatRate(d.rateBps) ? ` · ${formatRate(d.rateBps)}` : ''}
              {d.state === 'active' && formatEta(d.etaSeconds) ? ` · ${formatEta(d.etaSeconds)}` : ''}
            </div>
          </>
        )}
        {d.error && (
          <div className="file-error" title={d.errorDetail ?? undefined}>
            {d.error}
            {d.errorDetail && (
              <details className="detail">
                <summary>Details</summary>
                <span className="mono small">{d.errorDetail}</span>
              </details>
            )}
          </div>
        )}
        {error && (
          <div className="field-error" role="alert">
            {error}
          </div>
        )}
      </div>
      <div className="file-actions">
        {(d.state === 'failed' || d.state === 'cancelled') && (
          <button type="button" className="btn-secondary" onClick={() => void retry.run()} disabled={retry.pending || !live} aria-label={`Retry download of ${d.path}`}>
            Retry
          </button>
        )}
        {(d.state === 'queued' || d.state === 'active') && (
          <button type="button" className="btn-secondary" onClick={() => void cancel.run()} disabled={cancel.pending || !live} aria-label={`Cancel download of ${d.path}`}>
            Cancel
          </button>
        )}
        {d.state === 'done' && caps.reveal && (
          <button type="button" className="btn-secondary" onClick={() => void reveal.run()} aria-label={`Reveal ${d.path} in folder`}>
            Reveal in folder
          </button>
        )}
      </div>
    </div>
  );
});

const UP_LABEL = { queued: 'Upload queued', uploading: 'Uploading', verifying: 'Verifying upload', done: 'Uploaded', failed: 'Upload failed' } as const;

export function UploadRow({ id }: { id: string }) {
  const u = useUpload(id);
  const api = useApi();
  const retry = useAction(() => api.retryUpload(id));
  const live = useLive();
  if (!u) return null;
  const pct = u.percent ?? (u.total ? (u.bytes / u.total) * 100 : null);
  return (
    <div className={`upload-row up-${u.state}`}>
      <span className="small">
        ☁ {UP_LABEL[u.state]} {u.state === 'uploading' && pct !== null ? `${Math.round(pct)}%` : ''} {u.state === 'uploading' ? formatRate(u.rateBps) : ''}
      </span>
      {(u.state === 'uploading' || u.state === 'queued') && (
        <div className="progress progress-thin" role="progressbar" aria-label={`Upload of ${u.fileName} from ${u.deviceName}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)}>
          <div className="progress-fill progress-upload" style={{ width: `${pct ?? 0}%` }} />
        </div>
      )}
      {u.state === 'done' && <span className="small mono">{u.key}</span>}
      {u.error && <span className="file-error">{u.error}</span>}
      {u.state === 'failed' && (
        <button type="button" className="btn-secondary" onClick={() => void retry.run()} disabled={retry.pending || !live} aria-label={`Retry upload of ${u.fileName}`}>
          Retry upload
        </button>
      )}
      {retry.error && <span className="field-error">{retry.error}</span>}
    </div>
  );
}

function TakeDeviceRow({ take, device }: { take: TakeView; device: TakeDeviceView }) {
  if (device.downloadId)
    return (
      <li>
        <DownloadRow id={device.downloadId} />
        {device.uploadId && <UploadRow id={device.uploadId} />}
      </li>
    );
  const s = rollState(take, device);
  return (
    <li className={`file-row file-none roll-${s.tone}`}>
      <span className="file-device" title={device.name}>
        {device.name}
      </span>
      <span className="small" title={s.detail ?? undefined}>
        {s.word}
        {device.fileName ? ` · ${device.fileName}` : ''}
        {device.startError ? ` · ${device.startError}` : ''}
        {device.stopError ? ` · ${device.stopError}` : ''}
      </span>
    </li>
  );
}

const LIVE = new Set<TakeView['phase']>(['starting', 'scheduled', 'recording', 'stopping']);

const TakeCard = memo(function TakeCard({ takeId, isFocus }: { takeId: string; isFocus: boolean }) {
  const take = useTake(takeId);
  const downloadIds = useDownloadIdsForTake(takeId);
  const storageReady = useController((s) => !!s.settings?.storage.bucket);
  const api = useApi();
  const upload = useAction(() => api.uploadTake(takeId));
  const live = useLive();
  if (!take) return null;
  const referenced = new Set(take.devices.map((d) => d.downloadId).filter(Boolean));
  const orphans = downloadIds.filter((id) => !referenced.has(id));
  const hasFiles = take.devices.some((d) => d.fileName);
  const canUpload = storageReady && hasFiles && (take.phase === 'downloading' || take.phase === 'done');
  const created = new Date(take.createdAt);
  return (
    <article className={`take${LIVE.has(take.phase) ? ' take-live' : ''}`} aria-label={take.name}>
      <header className="take-head">
        <h3>{take.name}</h3>
        <TakeStateChip take={take} />
        <time className="small" dateTime={take.createdAt}>
          {Number.isNaN(created.getTime()) ? '' : created.toLocaleTimeString()}
        </time>
        <span className="spacer" />
        {canUpload && (
          <button type="button" className="btn-secondary" onClick={() => void upload.run()} disabled={upload.pending || !live}>
            {upload.pending ? 'Uploading…' : 'Upload take'}
          </button>
        )}
      </header>
      <div className="take-folder mono small" title={take.folder}>
        {take.folder}
      </div>
      {upload.error && (
        <p className="field-error" role="alert">
          {upload.error}
        </p>
      )}
      {!isFocus && <TakeProblems take={take} />}
      {LIVE.has(take.phase) ? (
        // Each device's take state is on its card; repeating it here would be the third copy.
        <p className="small">In progress: each device's state is on its card.</p>
      ) : (
      <ul className="take-files">
        {take.devices
          .filter((d) => d.start !== 'skipped')
          .map((d) => (
            <TakeDeviceRow key={d.deviceKey} take={take} device={d} />
          ))}
        {orphans.map((id) => (
          <li key={id}>
            <DownloadRow id={id} />
          </li>
        ))}
      </ul>
      )}
      <TakeSyncPanel take={take} />
    </article>
  );
});

export function TakesPanel() {
  const ids = useTakeIds();
  const caps = useCapabilities();
  const activeTakeId = useController((s) => s.activeTakeId);
  const focusId = activeTakeId ?? ids[0] ?? null;
  return (
    <section className="takes" aria-label="Takes" id="takes-panel" tabIndex={-1}>
      <h2 className="section-title">Takes</h2>
      {!caps.dragOut && <p className="hint">Dragging files into your editor needs the desktop app. Here, the files are in each take's folder.</p>}
      {ids.length === 0 ? <p className="hint">No takes yet. Press Record: every included device starts at the same instant, and the videos land here.</p> : ids.map((id) => <TakeCard key={id} takeId={id} isFocus={id === focusId} />)}
    </section>
  );
}
