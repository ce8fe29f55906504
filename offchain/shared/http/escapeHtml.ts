const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for an HTML text node or a quoted attribute value. Every value our pages
 * interpolate goes through it, so a title or summary taken from configuration cannot inject
 * markup.
 *
 * @example
 * escapeHtml(`<b title="x">`); // "&lt;b title=&quot;x&quot;&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => entities[char]);
}
