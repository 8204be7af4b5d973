import { useEffect, useId, useRef } from 'react';
import { STOP_CONFIRM_MS, STOP_HOLD_MS } from './RecordPanel';
import { trapFocus } from './SettingsDialog';

/** The keyboard shortcuts, in one place (opened with `?`). */
export const SHORTCUTS: Array<[keys: string[], what: string]> = [
  [['R'], 'Record: every included device starts at the same instant'],
  [['S', 'S'], `Stop the take: press S twice within ${STOP_CONFIRM_MS / 1000} s (one stray press never stops)`],
  [['hold S'], `…or hold S for ${(STOP_HOLD_MS / 1000).toFixed(1)} s; the Stop button works the same way`],
  [['?'], 'Show this list'],
  [['Esc'], 'Close a dialog or a card menu'],
  [['Tab'], 'Move between controls; each card has an include switch and a More menu'],
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' || e.key === '?') {
        e.preventDefault();
        onClose();
      } else if (e.key === 'Tab') trapFocus(e, ref.current);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click beside the dialog closes it; the keyboard has Escape and the Close button.
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal modal-narrow" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref}>
        <h2 id={titleId}>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={what}>
                <th scope="row">
                  {keys.map((k, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list in which a key repeats (S, S); it never reorders.
                    <kbd key={i}>{k}</kbd>
                  ))}
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="small">Shortcuts are off while you type in a text field.</p>
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
