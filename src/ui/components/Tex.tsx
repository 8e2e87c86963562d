// LaTeX typeset with KaTeX: HTML for the eye and MathML for screen readers. Untrusted input
// is safe: trust is off (no \href, \url or HTML), and a formula KaTeX cannot read shows as
// its source in red instead of throwing.
import katex from 'katex';
import 'katex/dist/katex.min.css';

/**
 * Rendered formulas by source: the breakdown re-renders after every edit, and its symbolic
 * lines (the chain rule, the local derivatives) do not change with the numbers.
 */
const rendered = new Map<string, string>();
const MAX_RENDERED = 2000;

export function texHtml(tex: string, display = false): string {
  const key = `${display ? 'D' : 'T'}${tex}`;
  const hit = rendered.get(key);
  if (hit !== undefined) return hit;
  // \displaystyle: fractions at full size (∂L/∂x in a line of text is too small to read).
  const html = katex.renderToString(`\\displaystyle ${tex}`, { throwOnError: false, trust: false, displayMode: display, output: 'htmlAndMathml', strict: 'ignore' });
  if (rendered.size >= MAX_RENDERED) rendered.clear();
  rendered.set(key, html);
  return html;
}

export function Tex(props: { tex: string; display?: boolean; class?: string }) {
  return <span class={`tex ${props.class ?? ''}`} innerHTML={texHtml(props.tex, props.display)} />;
}
