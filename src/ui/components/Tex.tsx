// LaTeX typeset with KaTeX: HTML for the eye and MathML for screen readers. Untrusted input
// is safe: trust is off (no \href, \url or HTML), and a formula KaTeX cannot read shows as
// its source in red instead of throwing.
import katex from 'katex';
import 'katex/dist/katex.min.css';

export function texHtml(tex: string, display = false): string {
  // \displaystyle: fractions at full size (∂L/∂x in a line of text is too small to read).
  return katex.renderToString(`\\displaystyle ${tex}`, { throwOnError: false, trust: false, displayMode: display, output: 'htmlAndMathml', strict: 'ignore' });
}

export function Tex(props: { tex: string; display?: boolean; class?: string }) {
  return <span class={`tex ${props.class ?? ''}`} innerHTML={texHtml(props.tex, props.display)} />;
}
