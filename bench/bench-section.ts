/**
 * What every benchmark section (`bench/<section>.ts`) gives `bench/run.ts`: the figures it
 * measured as rows, and each of issue 6's targets it covers with the measured value beside it.
 * Targets are reported, never asserted: speed goals live here, not in timed tests.
 */
export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface SectionResult {
  name: string;
  rows: Array<Record<string, number | string | boolean | null>>;
  targets: TargetCheck[];
  notes?: string[];
}

export interface SectionOptions {
  /** A short run (seconds, not minutes) for smoke checks; the full run is the default. */
  quick: boolean;
  /** Progress lines for the terminal (stderr); results go in the SectionResult. */
  log: (line: string) => void;
}

export type Section = (options: SectionOptions) => Promise<SectionResult>;
