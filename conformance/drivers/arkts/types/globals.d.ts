// Globals the ArkTS runtime provides (as Node does) and ES2020's lib leaves out.

declare function setTimeout(handler: () => void, ms?: number): number;
declare function clearTimeout(id?: number): void;

interface Console {
  error(...data: Object[]): void;
  warn(...data: Object[]): void;
  info(...data: Object[]): void;
  log(...data: Object[]): void;
}

declare const console: Console;
