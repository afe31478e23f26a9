/**
 * XML escaping for everything this layer writes (builders.ts,
 * agent-builders.ts). Routing-instance and agent names come from peers and
 * configuration, so every text and attribute value goes through here.
 *
 * Characters that XML 1.0 cannot carry at all (C0 controls other than TAB,
 * LF, CR; U+FFFE, U+FFFF; lone surrogates) are replaced by U+FFFD so that the
 * output is always well-formed. TAB / LF / CR are written as character
 * references in attributes so that attribute-value normalisation keeps them.
 */

const ATTR_SPECIAL = /[&<>"'\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/u;
const ATTR_SPECIAL_G = new RegExp(ATTR_SPECIAL.source, 'gu');
const TEXT_SPECIAL = /[&<>\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/u;
const TEXT_SPECIAL_G = new RegExp(TEXT_SPECIAL.source, 'gu');

const REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function replace(ch: string): string {
  return REPLACEMENTS[ch] ?? '\ufffd';
}

/** Escape an attribute value (for use inside double or single quotes). */
export function escapeAttr(value: string): string {
  return ATTR_SPECIAL.test(value) ? value.replace(ATTR_SPECIAL_G, replace) : value;
}

/** Escape character data. */
export function escapeText(value: string): string {
  return TEXT_SPECIAL.test(value) ? value.replace(TEXT_SPECIAL_G, replace) : value;
}
