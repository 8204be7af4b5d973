import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ProgressBar } from './ProgressBar';

afterEach(cleanup);

const fillWidth = (bar: HTMLElement) => (bar.firstElementChild as HTMLElement).style.width;

describe('ProgressBar', () => {
  it('clamps a figure from a device to 0–100 in both the bar and what a screen reader hears', () => {
    render(<ProgressBar label="over" pct={250} />);
    render(<ProgressBar label="under" pct={-5} />);
    const over = screen.getByRole('progressbar', { name: 'over' });
    const under = screen.getByRole('progressbar', { name: 'under' });
    expect(fillWidth(over)).toBe('100%');
    expect(over.getAttribute('aria-valuenow')).toBe('100');
    expect(fillWidth(under)).toBe('0%');
    expect(under.getAttribute('aria-valuenow')).toBe('0');
  });

  it('an unknown figure (null or NaN) is an empty bar with no value, never a made-up one', () => {
    render(<ProgressBar label="unknown" pct={null} />);
    render(<ProgressBar label="nan" pct={Number.NaN} />);
    for (const name of ['unknown', 'nan']) {
      const bar = screen.getByRole('progressbar', { name });
      expect(fillWidth(bar)).toBe('0%');
      expect(bar.hasAttribute('aria-valuenow')).toBe(false);
    }
  });

  it('says the amount in words and marks a failed transfer', () => {
    render(<ProgressBar label="dl" pct={42.4} valueText="1 MiB of 2 MiB" tone="bad" thin />);
    const bar = screen.getByRole('progressbar', { name: 'dl' });
    expect(bar.getAttribute('aria-valuetext')).toBe('1 MiB of 2 MiB');
    expect(bar.getAttribute('aria-valuenow')).toBe('42');
    expect(bar.className).toBe('progress progress-thin');
    expect(bar.firstElementChild?.className).toBe('progress-fill progress-bad');
  });
});
