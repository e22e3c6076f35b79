/**
 * The logging shape every layer uses; pino's Logger satisfies it. It lives in core, beside the other shared
 * shapes, so the stores (which sit below the engine) can log without importing the engine. Core itself never logs.
 */
export interface Logger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

const noop = () => {};
export const silentLogger: Logger = { error: noop, warn: noop, info: noop, debug: noop };
