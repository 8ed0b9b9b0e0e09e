/**
 * What draws nothing on its own: controls, format and default-ignorable code points (zero-width
 * characters, bidi marks, the Hangul fillers U+115F U+1160 U+3164 U+FFA0, variation selectors, tags),
 * every kind of space, combining marks without a base, and the braille blank U+2800. A name made only of
 * these shows as empty in lists and the audit channel.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\p{M}\p{Default_Ignorable_Code_Point}\u2800\s]/gu;

/** True when at least one character of the text is visible. */
export function hasVisibleText(text: string): boolean {
  return text.replace(INVISIBLE, '') !== '';
}
