import { describe, expect, it } from 'vitest';
import { revealCommand } from './reveal';

describe('reveal in folder', () => {
  it('selects the file where the platform can, and opens the take folder otherwise', () => {
    expect(revealCommand('/t/take/a.mov', 'file', 'darwin')).toEqual(['open', ['-R', '/t/take/a.mov']]);
    expect(revealCommand('/t/take/a.mov', 'file', 'linux')).toEqual(['xdg-open', ['/t/take']]);
    expect(revealCommand('/t/take', 'folder', 'linux')).toEqual(['xdg-open', ['/t/take']]);
    expect(revealCommand('C:\\t\\a.mov', 'file', 'win32')).toEqual(['explorer', ['/select,C:\\t\\a.mov']]);
  });
});
