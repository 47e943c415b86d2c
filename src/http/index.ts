export type { HealthInfo, HttpAppOptions } from './app.ts';
export { createHttpApp } from './app.ts';
export type { CorsOptions } from './cors.ts';
export { ERROR_WIRE } from './errors.ts';
export type { Listener } from './listen.ts';
export { listen } from './listen.ts';
