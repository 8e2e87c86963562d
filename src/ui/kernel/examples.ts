// The examples menu's list: examples/menu/index.json gives order, titles and summaries; any other
// file in examples/ is listed too (its title read from the file). Pure: the file loaders are
// passed in (the app passes Vite's import.meta.glob).
import { writeSheet } from '../../engine/sheet/format';
import { circuitDoc } from './welcome';

export interface ExampleEntry {
  file: string;
  title: string;
  summary: string;
  /** The menu's section: the index's `group` ("worked examples", "training"); files outside the index go last. */
  group?: string;
  load(): Promise<string>;
}

export type Loaders = Record<string, () => Promise<string>>;

const base = (p: string) => p.replace(/^.*\//, '');

export async function listExamples(loaders: Loaders): Promise<ExampleEntry[]> {
  const files = new Map<string, () => Promise<string>>();
  let indexLoader: (() => Promise<string>) | null = null;
  for (const [path, load] of Object.entries(loaders)) {
    if (base(path) === 'index.json') indexLoader = load;
    else files.set(base(path), load);
  }
  const out: ExampleEntry[] = [];
  const seen = new Set<string>();
  if (indexLoader) {
    try {
      const idx = JSON.parse(await indexLoader());
      for (const e of Array.isArray(idx?.examples) ? idx.examples : []) {
        const file = typeof e?.file === 'string' ? base(e.file) : '';
        const load = files.get(file);
        if (!load || seen.has(file)) continue;
        seen.add(file);
        out.push({ file, title: String(e.title ?? file), summary: String(e.summary ?? ''), group: typeof e.group === 'string' ? e.group : 'worked examples', load });
      }
    } catch {
      /* a broken index: fall back to the files themselves */
    }
  }
  const rest = [...files.keys()].filter((f) => !seen.has(f)).sort();
  for (const file of rest) {
    const load = files.get(file)!;
    let title = file.replace(/\.json$/, '');
    let summary = '';
    try {
      const j = JSON.parse(await load());
      if (typeof j?.title === 'string' && j.title) title = j.title;
      if (typeof j?.notes === 'string') summary = j.notes.split('\n')[0].slice(0, 140);
    } catch {
      /* listed by file name; opening it will say what is wrong */
    }
    out.push({ file, title, summary, group: 'more examples', load });
  }
  if (!files.has('01-circuit.json')) {
    const doc = circuitDoc();
    out.unshift({ file: '01-circuit.json', title: doc.title!, summary: 'x = -2, y = 5, z = -4; q = x + y; f = q · z', group: 'worked examples', load: async () => writeSheet(doc) });
  }
  return out;
}
