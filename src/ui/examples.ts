// The example sheets in examples/, found by Vite at build time (new files appear automatically).
// The menu's order, titles and summaries live in examples/menu/index.json, beside rather than
// among the sheets, so every examples/*.json is a sheet (gradsheet check examples/*.json).
import { type ExampleEntry, listExamples } from './kernel/examples';

const modules = import.meta.glob(['/examples/*.json', '/examples/menu/index.json'], { query: '?raw', import: 'default' }) as Record<
  string,
  () => Promise<string>
>;

export function viteExamples(): Promise<ExampleEntry[]> {
  return listExamples(modules);
}
