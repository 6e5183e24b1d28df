// A minimal XML writer: the simulator only writes XML, and only elements with text or children.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for element content (quotes stay literal, as in EC2's own messages) or, with `attribute`, for a quoted attribute value. */
export function escapeXml(text: string, attribute = false): string {
  return text.replace(attribute ? /[&<>"]/g : /[&<>]/g, (character) => ESCAPES[character] ?? character);
}

/**
 * Renders one element. A string is its text (escaped); an array holds children
 * already rendered; an empty string or array gives `<name/>`, as EC2 writes
 * empty sets such as `<groupSet/>`.
 */
export function xmlElement(name: string, content: string | readonly string[], attributes: Readonly<Record<string, string>> = {}): string {
  const attributeText = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value, true)}"`)
    .join('');
  const inner = typeof content === 'string' ? escapeXml(content) : content.join('');
  return inner === '' ? `<${name}${attributeText}/>` : `<${name}${attributeText}>${inner}</${name}>`;
}

/** Prefixes the XML declaration EC2 sends. */
export function xmlDocument(root: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}`;
}
