import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colours for text written to a stream: on a terminal only, unless NO_COLOR (non-empty) turns them
 * off or FORCE_COLOR turns them on (FORCE_COLOR=0 off). picocolors' own default turns them on
 * whenever CI or FORCE_COLOR is set at all, FORCE_COLOR=0 included, which filled CI logs and piped
 * test output with escape codes.
 */
export function colorsFor(stream: { readonly isTTY?: boolean }): Colors {
  return pc.createColors(useColor(stream));
}

export function useColor(stream: { readonly isTTY?: boolean }): boolean {
  const { NO_COLOR, FORCE_COLOR, TERM } = process.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined) return FORCE_COLOR !== '0' && FORCE_COLOR !== 'false';
  return Boolean(stream.isTTY) && TERM !== 'dumb';
}
