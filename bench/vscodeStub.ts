// A `vscode` module for plain Node (the activation benchmark and unit tests of the activation
// seam): what activate() touches is recorded; anything else is a no-op Proxy.
import Module from 'node:module';
import { readFileSync } from 'node:fs';

export interface StubRecord {
  commands: Map<string, (...args: unknown[]) => unknown>;
  treeViews: string[];
  diagnostics: Map<string, unknown[]>;
  documents: StubDocument[];
}

export interface StubDocument {
  uri: { toString(): string; fsPath: string };
  fileName: string;
  languageId: string;
  version: number;
  isClosed: boolean;
  getText(): string;
}

const disposable = { dispose(): void {} };
const event = () => () => disposable;

/** Anything: callable, constructible, every property another no-op (never a thenable). */
function anything(): unknown {
  const f = function () {} as unknown as object;
  return new Proxy(f, {
    get: (_t, p) => (p === 'then' ? undefined : p === 'dispose' ? () => {} : p === Symbol.toPrimitive ? () => 0 : anything()),
    set: () => true,
    apply: () => anything(),
    construct: () => anything() as object,
  });
}

/** `o`, with anything() for the properties it lacks. */
function orAnything<T extends object>(o: T): T {
  return new Proxy(o, { get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : p === 'then' ? undefined : anything()) });
}

export function yamlDocument(file: string): StubDocument {
  const text = readFileSync(file, 'utf8');
  return { uri: { toString: () => `file://${file}`, fsPath: file }, fileName: file, languageId: 'yaml', version: 1, isClosed: false, getText: () => text };
}

/** Installs the stub as the `vscode` module of this process; returns what it records. */
export function installVscodeStub(documents: StubDocument[] = []): StubRecord {
  const rec: StubRecord = { commands: new Map(), treeViews: [], diagnostics: new Map(), documents };
  class EventEmitter<T> {
    private listeners: ((e: T) => void)[] = [];
    event = (l: (e: T) => void) => {
      this.listeners.push(l);
      return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
    };
    fire(e: T): void {
      for (const l of this.listeners) l(e);
    }
    dispose(): void {
      this.listeners = [];
    }
  }
  class Range {
    constructor(public sl: number, public sc: number, public el: number, public ec: number) {}
  }
  class Diagnostic {
    source?: string;
    code?: unknown;
    constructor(public range: Range, public message: string, public severity: number) {}
  }
  const vscode = {
    EventEmitter,
    Range,
    Diagnostic,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    CodeActionKind: { QuickFix: 'quickfix' },
    StatusBarAlignment: { Left: 1, Right: 2 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2 },
    Uri: { file: (f: string) => ({ fsPath: f, toString: () => `file://${f}` }) },
    window: orAnything({
      createOutputChannel: () => anything(),
      createStatusBarItem: () => anything(),
      createTreeView: (id: string) => {
        rec.treeViews.push(id);
        return { visible: false, onDidChangeVisibility: event(), dispose() {} };
      },
      showErrorMessage: async () => undefined,
    }),
    commands: {
      registerCommand: (id: string, f: (...args: unknown[]) => unknown) => {
        if (rec.commands.has(id)) throw new Error(`command '${id}' already exists`);
        rec.commands.set(id, f);
        return { dispose: () => rec.commands.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => rec.commands.get(id)?.(...args),
      getCommands: async () => [...rec.commands.keys()],
    },
    languages: {
      createDiagnosticCollection: () => ({
        set: (uri: { toString(): string }, d: unknown[]) => rec.diagnostics.set(uri.toString(), d),
        delete: (uri: { toString(): string }) => rec.diagnostics.delete(uri.toString()),
        dispose() {},
      }),
      registerCodeActionsProvider: () => disposable,
      registerCodeLensProvider: () => disposable,
    },
    workspace: orAnything({
      textDocuments: documents,
      onDidOpenTextDocument: event(),
      onDidChangeTextDocument: event(),
      onDidCloseTextDocument: event(),
      onDidChangeConfiguration: event(),
      getConfiguration: () => ({ get: <T>(_k: string, d: T) => d }),
      workspaceFolders: undefined,
    }),
  };
  // esbuild's `import * as vscode` copies the module's own keys: list the classes used.
  for (const name of ['RelativePattern', 'ThemeIcon', 'ThemeColor', 'TreeItem', 'MarkdownString', 'Disposable', 'Position', 'Selection', 'WorkspaceEdit', 'CodeAction', 'SnippetString', 'ProgressLocation', 'ViewColumn', 'FileType', 'CancellationTokenSource', 'LogLevel', 'env', 'extensions', 'debug', 'tasks', 'tests', 'authentication']) {
    if (!(name in vscode)) (vscode as Record<string, unknown>)[name] = anything();
  }
  const M = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const resolve = M._resolveFilename;
  M._resolveFilename = function (req: string, ...rest: unknown[]) {
    return req === 'vscode' ? 'vscode' : resolve.call(this, req, ...rest);
  };
  const cache = require.cache as Record<string, unknown>;
  cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: orAnything(vscode) };
  return rec;
}

/** A minimal ExtensionContext. */
export function stubContext(): { subscriptions: { dispose(): void }[]; workspaceState: unknown; globalState: unknown; extensionPath: string } {
  const memento = () => {
    const m = new Map<string, unknown>();
    return { get: (k: string, d?: unknown) => (m.has(k) ? m.get(k) : d), update: async (k: string, v: unknown) => void m.set(k, v), keys: () => [...m.keys()] };
  };
  return { subscriptions: [], workspaceState: memento(), globalState: memento(), extensionPath: process.cwd() };
}
