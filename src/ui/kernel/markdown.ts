// Sheet notes as Markdown, rendered safely: markdown-it with raw HTML off (so a note cannot
// inject markup or script), its own link validation (no javascript: or data: URLs), and
// links opened in a new tab without access to this page.
import MarkdownIt from 'markdown-it';

type Md = ReturnType<typeof MarkdownIt>;
let md: Md | null = null;

function renderer(): Md {
  if (md) return md;
  md = MarkdownIt({ html: false, linkify: true, typographer: false });
  type Rule = NonNullable<Md['renderer']['rules']['link_open']>;
  const base: Rule = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx].attrSet('target', '_blank');
    tokens[idx].attrSet('rel', 'noopener noreferrer');
    return base(tokens, idx, options, env, self);
  };
  return md;
}

export function renderNotes(text: string): string {
  return renderer().render(text);
}
