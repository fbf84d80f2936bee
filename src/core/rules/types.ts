export type Severity = 'error' | 'warning' | 'info';

/** 0-based line and character, as in LSP and VS Code. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  range: Range;
  fix?: Fix;
}

export interface LintOptions {
  /**
   * Flags a fork of kubemark adds: "name" (any value) or "name:type" with type one of string,
   * int, uint, float, bool, duration, labels, resources, taints (setting kubemark.lint.extraFlags).
   */
  extraFlags?: readonly string[];
  /** The masters cluster's Kubernetes version (e.g. v1.34.2), for the version skew rule. */
  mastersVersion?: string;
}
