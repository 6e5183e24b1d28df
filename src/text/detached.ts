/**
 * A copy of `text` that holds no reference to a larger string it was cut
 * from. V8 makes a substring of 13 or more characters a view into its
 * parent, so one instance id cut from a 1.4 MB page and kept past the poll
 * keeps the whole page alive. Text kept for long (the index kept between
 * polls) is passed through here, so it costs its own size only.
 *
 * Prepending a character makes a two-part string; slicing it flattens the
 * parts into a new string of their own, and the slice is a view into that.
 */
export function detachedText(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}
