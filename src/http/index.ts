export type { AdminAppsPort, AdminRoutesOptions, TokenAnswerShape } from './admin-routes.ts';
export { createAdminRoutes } from './admin-routes.ts';
export type { HealthInfo, HttpAppOptions } from './app.ts';
export { createHttpApp } from './app.ts';
export type { CorsOptions } from './cors.ts';
export { ERROR_WIRE } from './errors.ts';
export type { Listener } from './listen.ts';
export { listen } from './listen.ts';
