/**
 * JSON pointers (RFC 6901): the one escaping every check, the diff and `prodpath explain` use to
 * name where in an object a finding or a change is.
 */

/** Escapes one segment of a JSON pointer: `~` as `~0`, `/` as `~1` (most keys have neither). */
export function escapePointer(segment: string | number): string {
  const s = String(segment);
  return s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s;
}
