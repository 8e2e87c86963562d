// @vitest-environment jsdom
// Storage unavailable (disabled, private mode): the app says once, visibly, that autosave is
// off, and offers Save file right there.
import { afterEach, describe, expect, it } from 'vitest';
import { getByTestId, queryByTestId, within, fireEvent } from '@testing-library/dom';
import { render } from 'solid-js/web';
import { App } from '../../../src/ui/App';
import type { StorageLike } from '../../../src/ui/kernel/persistence';
import { circuitDoc } from '../../../src/ui/kernel/welcome';

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
  document.body.innerHTML = '';
});

function mount(storage: StorageLike | null) {
  const root = document.createElement('div');
  document.body.appendChild(root);
  dispose = render(() => <App examples={async () => []} doc={circuitDoc()} storage={storage} />, root);
  return root;
}

describe('App without storage', () => {
  it('shows "Autosave is off" with a Save file button when storage refuses writes, and it can be dismissed', () => {
    const root = mount({ getItem: () => null, setItem: () => { throw new Error('SecurityError'); }, removeItem: () => {} });
    const banner = getByTestId(root, 'autosave-off');
    expect(banner.textContent).toMatch(/Autosave is off/);
    within(banner).getByRole('button', { name: 'Save file' });
    fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss message' }));
    expect(queryByTestId(root, 'autosave-off')).toBeNull();
  });

  it('shows it when there is no storage at all, and not when storage works', () => {
    expect(queryByTestId(mount(null), 'autosave-off')).not.toBeNull();
    dispose?.();
    document.body.innerHTML = '';
    const data = new Map<string, string>();
    expect(queryByTestId(mount({ getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) }), 'autosave-off')).toBeNull();
  });
});
