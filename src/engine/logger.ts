/** The logging shape the engine needs; pino's Logger satisfies it. */
export interface Logger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

const noop = () => {};
export const silentLogger: Logger = { error: noop, warn: noop, info: noop, debug: noop };
