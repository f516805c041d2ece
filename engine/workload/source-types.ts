/** The shapes of a parsed workload text, shared by the YAML and JSON readers (source.ts). */
export type FieldPath = (string | number)[];

export interface Position {
  line: number;
  col: number;
}

export interface SourceProblem {
  position?: Position;
  message: string;
}

export interface ParsedSource {
  data: unknown;
  /** YAML syntax errors; `data` is unusable when there are any. */
  syntaxErrors: SourceProblem[];
  /** Where the value at `path` is (or the key itself, with `key: true`). */
  locate(path: FieldPath, options?: { key?: boolean }): Position | undefined;
}
