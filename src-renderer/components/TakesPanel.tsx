import { memo, useEffect, useId, useState, type DragEvent } from 'react';
import { TAKE_NOTE_MAX, type DownloadView, type TakeDeviceView, type TakeView } from '../../src-shared/api';
import { formatBytes, formatDuration, formatEta, formatRate, shortSha } from '../lib/format';
import { plainError } from '../../src-shared/plain';
import { useAction } from '../lib/useAction';
import { editorFileOf } from '../lib/editor-file';
import { useShallow } from 'zustand/react/shallow';
import {
  useApi,
  useCapabilities,
  useFileUrl,
  useStoreApi,
  useController,
  useDownload,
  useDownloadIdsForTake,
  useLive,
  useTake,
  useTakeIds,
  useUpload,
} from '../store/context';
import { rollState, TakeProblems, TakeStateChip } from './RecordPanel';
import { ProgressBar } from './ProgressBar';
import { TakeSyncPanel } from './TakeSync';

/** Thumbnails already fetched per controller (data: URL, or null for "no thumbnail"). */
const thumbCaches = new WeakMap<object, Map<string, string | null>>();
function cacheFor(api: object): Map<string, string | null> {
  let c = thumbCaches.get(api);
  if (!c) thumbCaches.set(api, (c = new Map()));
  return c;
}

/** `file`: the file an editor gets (editorFileOf); asked again once an OAK zip's video is out. */
function Thumbnail({ download, file }: { download: DownloadView; file: string }) {
  const api = useApi();
  const done = download.state === 'done';
  const thumbCache = cacheFor(api);
  const key = `${download.id}\n${file}`;
  const [src, setSrc] = useState<string | null>(() => thumbCache.get(key) ?? null);
  useEffect(() => {
    if (!done) return;
    if (thumbCache.has(key)) {
      setSrc(thumbCache.get(key) ?? null);
      return;
    }
    let live = true;
    void api.thumbnail(download.id).then((r) => {
      const url = r.ok && /^data:image\//.test(r.value) ? r.value : null;
      thumbCache.set(key, url);
      if (live) setSrc(url);
    });
    return () => {
      live = false;
    };
  }, [api, done, download.id, key, thumbCache]);
  if (done && src) return <img className="thumb" src={src} alt={`First frame of ${download.deviceName}'s video`} draggable={false} />;
  return (
    <div className="thumb thumb-placeholder" aria-hidden="true">
      {done ? '▶' : download.state === 'failed' ? '✕' : '…'}
    </div>
  );
}

/** Clip lengths already fetched per controller (seconds, or null for "unknown"). */
const durationCaches = new WeakMap<object, Map<string, number | null>>();

function ClipDuration({ download, file }: { download: DownloadView; file: string }) {
  const api = useApi();
  let cache = durationCaches.get(api);
  if (!cache) durationCaches.set(api, (cache = new Map()));
  const c = cache;
  const key = `${download.id}\n${file}`;
  const [seconds, setSeconds] = useState<number | null>(() => c.get(key) ?? null);
  const done = download.state === 'done';
  useEffect(() => {
    if (!done) return;
    if (c.has(key)) {
      setSeconds(c.get(key) ?? null);
      return;
    }
    let live = true;
    void api.clipDuration(download.id).then((r) => {
      const v = r.ok && Number.isFinite(r.value) ? r.value : null;
      c.set(key, v);
      if (live) setSeconds(v);
    });
    return () => {
      live = false;
    };
  }, [api, c, done, download.id, key]);
  if (!done || seconds === null) return null;
  return <span className="clip-duration">{formatDuration(seconds * 1000)}</span>;
}

/** The file's base name (what the editor sees); `path` is relative to the take folder. */
const baseName = (path: string) => path.split(/[\\/]/).pop() || path;

/**
 * Browser mode: hand Chromium the file's local address as `DownloadURL` (mime:name:url), so a drop
 * on the desktop or into an editor saves the exact bytes; plus the address as a URL list.
 */
export function setDownloadUrls(dt: DataTransfer, files: Array<{ name: string; url: string }>): void {
  if (files.length === 0) return;
  const first = files[0]!;
  // The name must not contain ':' (the field separator of DownloadURL).
  dt.setData('DownloadURL', `${mimeFor(first.name)}:${first.name.replace(/:/g, '_')}:${first.url}`);
  dt.setData('text/uri-list', files.map((f) => f.url).join('\r\n'));
  dt.setData('text/plain', files.map((f) => f.url).join('\n'));
  dt.effectAllowed = 'copy';
}
const MIME: Record<string, string> = { mp4: 'video/mp4', mov: 'video/quicktime', m4v: 'video/x-m4v', mkv: 'video/x-matroska', webm: 'video/webm' };
const mimeFor = (name: string) => MIME[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

const DL_LABEL: Record<DownloadView['state'], string> = {
  queued: 'Queued',
  active: 'Downloading',
  done: 'Downloaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const DownloadRow = memo(function DownloadRow({ id }: { id: string }) {
  const d = useDownload(id);
  const caps = useCapabilities();
  const api = useApi();
  const retry = useAction(() => api.retryDownload(id));
  const cancel = useAction(() => api.cancelDownload(id));
  const reveal = useAction(() => api.revealDownload(id));
  const drag = useAction(() => api.startDrag(id));
  const fileUrl = useFileUrl();
  const live = useLive();
  const takeSync = useTake(d?.takeId ?? null)?.sync;
  if (!d) return <div className="file-row file-waiting">Waiting for the download to be queued…</div>;
  // An OAK zip: the editor gets (and the row names) the video taken out of it.
  const editorFile = editorFileOf(d, takeSync);

  const canDrag = d.state === 'done' && (caps.dragOut || !!fileUrl);
  const pct = d.total ? Math.min(100, (d.bytes / d.total) * 100) : null;
  const onDragStart = (e: DragEvent<HTMLElement>) => {
    if (caps.dragOut) {
      // The main process starts the OS drag with the real file (webContents.startDrag), by id.
      e.preventDefault();
      void drag.run();
      return;
    }
    const name = baseName(editorFile);
    if (fileUrl) setDownloadUrls(e.dataTransfer, [{ name, url: fileUrl(d.id, name) }]);
  };
  const error = retry.error ?? cancel.error ?? reveal.error ?? drag.error;

  return (
    // biome-ignore lint/a11y/useSemanticElements: one file's facts and actions, not form fields.
    <div className={`file-row file-${d.state}`} role="group" aria-label={`${d.deviceName}: ${d.path}`}>
      {canDrag ? (
        // biome-ignore lint/a11y/noStaticElementInteractions: dragging is a pointer gesture; from the keyboard the file is reached by "Reveal in folder".
        <div className="drag-handle" draggable onDragStart={onDragStart} title="Drag into your editor">
          <Thumbnail download={d} file={editorFile} />
        </div>
      ) : (
        <Thumbnail download={d} file={editorFile} />
      )}
      <div className="file-body">
        <span className="file-device">{d.deviceName}</span>
        <span className="file-name mono">{editorFile}</span>
        {editorFile !== d.path && <span className="small">taken out of {baseName(d.path)}</span>}
        <div className="file-status">
          <span className={`dl-state dl-${d.state}`}>{DL_LABEL[d.state]}</span>
          {d.partial && <span className="flag-partial">PARTIAL FILE — kept {formatBytes(d.bytes)}</span>}
          {d.state === 'done' && <ClipDuration download={d} file={editorFile} />}
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
            <ProgressBar
              label={`Download of ${d.path} from ${d.deviceName}`}
              pct={pct}
              valueText={`${formatBytes(d.bytes)} of ${formatBytes(d.total)}`}
              tone={d.state === 'failed' ? 'bad' : undefined}
            />
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
          <button
            type="button"
            className="btn-secondary"
            onClick={() => void retry.run()}
            disabled={retry.pending || !live}
            aria-label={`Retry download of ${d.path}`}
          >
            Retry
          </button>
        )}
        {(d.state === 'queued' || d.state === 'active') && (
          <button
            type="button"
            className="btn-secondary"
            onClick={() => void cancel.run()}
            disabled={cancel.pending || !live}
            aria-label={`Cancel download of ${d.path}`}
          >
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
      {(u.state === 'uploading' || u.state === 'queued') && <ProgressBar label={`Upload of ${u.fileName} from ${u.deviceName}`} pct={pct} thin tone="upload" />}
      {u.state === 'done' && <span className="small mono">{u.key}</span>}
      {u.error && <span className="file-error">{u.error}</span>}
      {u.state === 'failed' && (
        <button
          type="button"
          className="btn-secondary"
          onClick={() => void retry.run()}
          disabled={retry.pending || !live}
          aria-label={`Retry upload of ${u.fileName}`}
        >
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
  // Plain words in the row; the recorded technical lines only behind the disclosure.
  const start = plainError(device.startError);
  const stop = plainError(device.stopError);
  const raw = [start?.detail, stop?.detail].filter((t): t is string => !!t).join('\n');
  return (
    <li className={`file-row file-none roll-${s.tone}`}>
      <span className="file-device" title={device.name}>
        {device.name}
      </span>
      <span className="small" title={raw || (s.detail ?? undefined)}>
        {s.word}
        {device.fileName ? ` · ${device.fileName}` : ''}
        {start ? ` · ${start.text}` : ''}
        {stop ? ` · ${stop.text}` : ''}
      </span>
      {raw && (
        <details className="detail">
          <summary>Details</summary>
          <span className="mono small">{raw}</span>
        </details>
      )}
    </li>
  );
}

const LIVE = new Set<TakeView['phase']>(['starting', 'scheduled', 'recording', 'stopping']);

/** Good / No good (toggle buttons) and a note, written to take.json by the controller. */
function TakeReviewControls({ take }: { take: TakeView }) {
  const api = useApi();
  const live = useLive();
  const rating = take.review?.rating ?? null;
  const savedNote = take.review?.note ?? '';
  const rate = useAction((r: 'good' | 'no_good' | null) => api.reviewTake(take.takeId, { rating: r }));
  const saveNote = useAction((note: string) => api.reviewTake(take.takeId, { note }));
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(savedNote);
  const noteId = useId();
  const commit = async () => {
    const note = draft.trim().slice(0, TAKE_NOTE_MAX);
    if (note !== savedNote) {
      const r = await saveNote.run(note);
      if (!r?.ok) return;
    }
    setEditing(false);
  };
  const error = rate.error ?? saveNote.error;
  return (
    <div className="take-review">
      {/* biome-ignore lint/a11y/useSemanticElements: toggle buttons that act at once (aria-pressed), not form fields. */}
      <div className="review-buttons" role="group" aria-label={`Mark ${take.name}`}>
        <button
          type="button"
          className="btn-small review-good"
          aria-pressed={rating === 'good'}
          disabled={!live || rate.pending}
          onClick={() => void rate.run(rating === 'good' ? null : 'good')}
        >
          ✓ Good
        </button>
        <button
          type="button"
          className="btn-small review-bad"
          aria-pressed={rating === 'no_good'}
          disabled={!live || rate.pending}
          onClick={() => void rate.run(rating === 'no_good' ? null : 'no_good')}
        >
          ✕ No good
        </button>
        {!editing && (
          <button
            type="button"
            className="btn-small"
            disabled={!live}
            onClick={() => {
              setDraft(savedNote);
              setEditing(true);
            }}
          >
            {savedNote ? 'Edit note' : 'Add note'}
          </button>
        )}
      </div>
      {editing ? (
        <div className="note-edit">
          <label htmlFor={noteId}>Note for {take.name}</label>
          <textarea
            id={noteId}
            value={draft}
            maxLength={TAKE_NOTE_MAX}
            rows={2}
            // biome-ignore lint/a11y/noAutofocus: shown only when the operator pressed "Add note": the focus goes where they asked.
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void commit();
              } else if (e.key === 'Escape') {
                e.stopPropagation();
                setEditing(false);
              }
            }}
          />
          <div className="note-actions">
            <button type="button" className="btn-small" onClick={() => void commit()} disabled={saveNote.pending}>
              Save note
            </button>
            <button type="button" className="btn-small btn-quiet" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        savedNote && <p className="take-note">{savedNote}</p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Move to trash: a second click confirms; says where the take went. */
function TrashButton({ take, onTrashed }: { take: TakeView; onTrashed: (text: string) => void }) {
  const api = useApi();
  const live = useLive();
  const [armed, setArmed] = useState(false);
  const trash = useAction(() => api.trashTake(take.takeId));
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(t);
  }, [armed]);
  return (
    <>
      <button
        type="button"
        className={`btn-small${armed ? ' btn-danger' : ' btn-quiet'}`}
        disabled={!live || trash.pending}
        aria-label={armed ? `Confirm: move ${take.name} to the Trash folder` : `Move ${take.name} to trash`}
        onClick={async () => {
          if (!armed) return setArmed(true);
          setArmed(false);
          const r = await trash.run();
          if (r?.ok) onTrashed(`Moved ${take.name} to the Trash folder inside your recordings folder: ${r.value.folder}`);
        }}
      >
        {armed ? 'Click again to move to trash' : 'Move to trash'}
      </button>
      {trash.error && (
        <span className="field-error" role="alert">
          {trash.error}
        </span>
      )}
    </>
  );
}

const TakeCard = memo(function TakeCard({ takeId, isFocus, onTrashed }: { takeId: string; isFocus: boolean; onTrashed: (text: string) => void }) {
  const take = useTake(takeId);
  const caps = useCapabilities();
  const fileUrl = useFileUrl();
  const reveal = useAction(() => api.revealTake(takeId));
  const dragTake = useAction(() => api.startTakeDrag(takeId));
  // Finished files of this take, for a whole-take drag.
  const doneFiles = useController(useShallow((s) => (s.downloadIdsByTake[takeId] ?? []).filter((id) => s.downloads[id]?.state === 'done')));
  const storeApi = useStoreApi();
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
  const finished = take.phase === 'done' || take.phase === 'failed';
  const canDragTake = finished && doneFiles.length > 0 && (caps.dragOut || !!fileUrl);
  const onTakeDrag = (e: DragEvent<HTMLElement>) => {
    if (caps.dragOut) {
      e.preventDefault();
      void dragTake.run();
      return;
    }
    const downloads = storeApi.getState().downloads;
    const name = (id: string) => baseName(downloads[id] ? editorFileOf(downloads[id], take.sync) : id);
    if (fileUrl)
      setDownloadUrls(
        e.dataTransfer,
        doneFiles.map((id) => ({ name: name(id), url: fileUrl(id, name(id)) })),
      );
  };
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
      <div className="take-folder mono small">{take.folder}</div>
      {finished && (
        <div className="take-actions">
          {canDragTake && (
            // biome-ignore lint/a11y/noStaticElementInteractions: dragging is a pointer gesture; from the keyboard the take is reached by "Reveal folder".
            <span className="take-drag" draggable onDragStart={onTakeDrag} title={`Drag all ${doneFiles.length} files of ${take.name} into your editor`}>
              ⇱ Drag all {doneFiles.length} file{doneFiles.length === 1 ? '' : 's'}
            </span>
          )}
          {caps.reveal && (
            <button type="button" className="btn-small" onClick={() => void reveal.run()} disabled={!live} aria-label={`Reveal ${take.name} in folder`}>
              Reveal folder
            </button>
          )}
          <span className="spacer" />
          <TrashButton take={take} onTrashed={onTrashed} />
        </div>
      )}
      {finished && <TakeReviewControls take={take} />}
      {(reveal.error ?? dragTake.error) && (
        <p className="field-error" role="alert">
          {reveal.error ?? dragTake.error}
        </p>
      )}
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
  const fileUrl = useFileUrl();
  const activeTakeId = useController((s) => s.activeTakeId);
  const focusId = activeTakeId ?? ids[0] ?? null;
  const [trashed, setTrashed] = useState<string | null>(null);
  return (
    <section className="takes" aria-label="Takes" id="takes-panel" tabIndex={-1}>
      <h2 className="section-title">Takes</h2>
      {!caps.dragOut && !fileUrl && <p className="hint">Dragging files into your editor needs the desktop app. Here, the files are in each take's folder.</p>}
      <p className={trashed ? 'field-ok' : 'sr-only'} role="status">
        {trashed}
      </p>
      {ids.length === 0 ? (
        <p className="hint">No takes yet. Press Record: every included device starts at the same instant, and the videos land here.</p>
      ) : (
        ids.map((id) => <TakeCard key={id} takeId={id} isFocus={id === focusId} onTrashed={setTrashed} />)
      )}
    </section>
  );
}
