/** Theme kinds in the order of the form, and the colour of each pressure band (docs/指标口径.md 3.5). */
export const KINDS = ['hospital', 'school', 'scenic', 'transport', 'commercial', 'residential', 'event', 'custom'] as const;

const COLOURS: Record<string, string> = { smooth: '#2e9d57', busy: '#d4a017', tight: '#e07b24', saturated: '#d03050', unknown: '#909399' };

export function levelColour(level: string | undefined): string {
  return COLOURS[level ?? 'unknown'] ?? COLOURS.unknown!;
}

/** A ratio as a percentage with one decimal, or a dash. */
export const formatPercent = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
