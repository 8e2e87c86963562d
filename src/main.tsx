import { render } from 'solid-js/web';
import { App } from './ui/App';
import './ui/styles.css';

// Long recomputes run in slices of ~12 ms, each a task of its own, so the page can paint and
// take input between them (a 100,000-cell recompute shows its progress instead of freezing).
const slicer = { now: () => performance.now(), defer: (fn: () => void) => void setTimeout(fn, 0), budgetMs: 12 };

const root = document.getElementById('root');
if (root) render(() => <App slicer={slicer} />, root);
