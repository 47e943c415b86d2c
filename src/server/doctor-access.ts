/**
 * Doctor checks of who can reach the server and how: authentication, agent visibility, CORS, TLS and proxies.
 * See doctor.ts for the contract and docs/doctor.md for each id.
 *
 * "Public" means reachable by others as far as the file can tell: `server.host` is not a loopback address, or
 * `server.public_url` names a non-loopback host, or `server.trusted_proxies` is set (a reverse proxy forwards to
 * it). A loopback-only server still gets findings, at lower severity.
 */
import type { Config } from '../config/index.ts';
import { parseCidr } from '../shared/index.ts';
import { type Finding, isLoopbackHost, finding as make } from './doctor-finding.ts';

const AUTH_FIX_METHODS =
  'add server.auth with jwks_url (plus issuer and audience) for your identity provider, or per-client api_keys: [{key: "$' +
  '{CLIENT_KEY}", subject: client-name}]';

function publicUrlHost(config: Config): string | undefined {
  const url = config.server.public_url;
  if (url === undefined || !URL.canParse(url)) return undefined;
  return new URL(url).hostname;
}

/** Why the server counts as reachable by others, or undefined when it is loopback-only. */
export function exposure(config: Config): string | undefined {
  const s = config.server;
  if (!isLoopbackHost(s.host)) return `server.host is ${s.host}`;
  const urlHost = publicUrlHost(config);
  if (urlHost !== undefined && !isLoopbackHost(urlHost)) return `server.public_url is ${s.public_url}`;
  if (s.trusted_proxies.length > 0) return 'server.trusted_proxies is set (a reverse proxy forwards to it)';
  return undefined;
}

type AuthState = 'off' | 'external' | 'secret-only' | 'verified';

/** What the file's `server.auth` amounts to. `external`: `enabled: true` with the method supplied outside the file. */
export function authState(config: Config): AuthState {
  const a = config.server.auth;
  if (a === undefined || a.enabled === false) return 'off';
  if (a.jwks_url !== undefined || a.api_keys.length > 0) return 'verified';
  if (a.secret !== undefined) return 'secret-only';
  return a.enabled === true ? 'external' : 'off';
}

function authFindings(config: Config, publicWhy: string | undefined): Finding[] {
  const out: Finding[] = [];
  const state = authState(config);
  const a = config.server.auth;
  if (state === 'off') {
    out.push(
      make(
        'auth-off',
        publicWhy ? 'high' : 'medium',
        'server.auth',
        publicWhy
          ? `authentication is off while the server is reachable (${publicWhy}): anyone who reaches the port can call every public agent and its tools`
          : 'authentication is off: acceptable only on a developer machine (loopback, no proxy)',
        `${AUTH_FIX_METHODS}; HECTOR_AUTH_SECRET alone gives every caller the one admin identity`,
      ),
    );
  } else if (state === 'external') {
    out.push(
      make(
        'auth-method-external',
        publicWhy ? 'high' : 'medium',
        'server.auth.enabled',
        `authentication is required, but no method is in the file: it must come from HECTOR_AUTH_SECRET or --auth-* flags, which doctor cannot grade; with only HECTOR_AUTH_SECRET every caller is the one all-powerful admin principal${publicWhy ? ` while the server is reachable (${publicWhy})` : ''}`,
        `put per-caller credentials in the file: server.auth.jwks_url (plus issuer and audience) for your identity provider, or api_keys: [{key: "$` +
          `{CLIENT_KEY}", subject: client-name}]; keep HECTOR_AUTH_SECRET for administrators only`,
      ),
    );
  } else if (state === 'secret-only') {
    out.push(
      make(
        'auth-shared-secret-only',
        publicWhy ? 'high' : 'low',
        'server.auth.secret',
        'the only credential is the shared admin secret: every caller is the same all-powerful admin principal (role admin, Admin API), with no per-user identity, audit trail or revocation',
        `${AUTH_FIX_METHODS}; keep the secret for administrators only`,
      ),
    );
  }
  if (a?.jwks_url !== undefined) {
    if (a.audience === undefined) {
      out.push(
        make(
          'jwt-no-audience',
          'medium',
          'server.auth.audience',
          'JWTs are accepted for any audience: a token your identity provider issued to another application works here too',
          'set server.auth.audience to the API identifier your identity provider puts in aud (e.g. hector-api)',
        ),
      );
    }
    if (a.issuer === undefined) {
      out.push(
        make(
          'jwt-no-issuer',
          'medium',
          'server.auth.issuer',
          'the JWT issuer (iss) is not checked',
          'set server.auth.issuer to your identity provider, e.g. https://auth.company.com/',
        ),
      );
    }
  }
  a?.api_keys.forEach((k, i) => {
    if (k.subject === undefined) {
      out.push(
        make(
          'api-key-no-subject',
          'low',
          `server.auth.api_keys.${i}`,
          `API key ${i} has no subject: its calls are audited as api-key-${i}, which changes when the list is reordered`,
          `write {key: "$` + `{KEY}", subject: <client name>, roles: [...]}`,
        ),
      );
    }
  });
  return out;
}

function visibilityFindings(config: Config): Finding[] {
  if (authState(config) !== 'off') return [];
  return Object.entries(config.agents)
    .filter(([, agent]) => agent.visibility === 'internal')
    .map(([name]) =>
      make(
        'internal-agent-no-auth',
        'medium',
        `agents.${name}.visibility`,
        `agent ${name} is internal but authentication is off: it is unreachable (fail closed), and "fixing" that by making it public would expose it to everyone`,
        `configure server.auth (${AUTH_FIX_METHODS})`,
      ),
    );
}

function corsFindings(config: Config): Finding[] {
  const cors = config.server.cors;
  if (cors === undefined) return [];
  const out: Finding[] = [];
  cors.allowed_origins.forEach((origin, i) => {
    const path = `server.cors.allowed_origins.${i}`;
    if (origin === '*') {
      out.push(
        cors.allow_credentials
          ? make(
              'cors-wildcard-credentials',
              'high',
              path,
              '"*" with allow_credentials: true lets any web site make credentialed requests as the visitor',
              'list the exact origins of your web apps and drop "*"',
            )
          : make(
              'cors-wildcard',
              'medium',
              path,
              '"*" lets any web site call the API from a browser (the guide: development only)',
              'list the exact origins of your web apps, e.g. https://app.company.com',
            ),
      );
    } else if (origin.startsWith('http://') && !isLoopbackHost(new URL(origin).hostname)) {
      out.push(
        make(
          'cors-insecure-origin',
          'low',
          path,
          `origin ${origin} is plain http: a network attacker can inject script into it and call the API`,
          'serve that web app over https and list the https origin',
        ),
      );
    }
  });
  return out;
}

function tlsFindings(config: Config): Finding[] {
  const s = config.server;
  const out: Finding[] = [];
  const url = s.public_url;
  const urlHost = publicUrlHost(config);
  const httpsUrl = url?.toLowerCase().startsWith('https://') === true;
  if (url !== undefined && !httpsUrl && urlHost !== undefined && !isLoopbackHost(urlHost)) {
    out.push(
      make(
        'tls-public-url-http',
        'high',
        'server.public_url',
        'the published URL is plain http: bearer tokens and conversations cross the network unencrypted',
        'terminate TLS at a reverse proxy and publish its https:// URL',
      ),
    );
  } else if (!isLoopbackHost(s.host) && !httpsUrl && s.trusted_proxies.length === 0) {
    out.push(
      make(
        'tls-not-configured',
        'high',
        'server.host',
        `the server listens on ${s.host} over plain HTTP (Hector does not terminate TLS) with no public_url https:// and no trusted_proxies: nothing shows a TLS proxy in front of it`,
        'terminate TLS at a reverse proxy (deploy/nginx), list the proxy in server.trusted_proxies and set server.public_url: https://…; or bind server.host: 127.0.0.1 behind a proxy on the same machine',
      ),
    );
  }
  if (httpsUrl && s.trusted_proxies.length === 0) {
    out.push(
      make(
        'proxy-not-trusted',
        'medium',
        'server.trusted_proxies',
        'public_url is https (a TLS proxy is in front) but trusted_proxies is empty: every request seems to come from the proxy, so per-address rate limits and audit addresses see one client',
        'list the proxy address or network, e.g. trusted_proxies: [127.0.0.1] or [10.0.0.0/8]',
      ),
    );
  }
  s.trusted_proxies.forEach((entry, i) => {
    const cidr = parseCidr(entry);
    // Wider than 10.0.0.0/8 (IPv4) or fc00::/7 (IPv6): public addresses are in it (0.0.0.0/1 + 128.0.0.0/1 is all).
    if (cidr !== undefined && cidr.prefix < (cidr.family === 4 ? 8 : 7)) {
      out.push(
        make(
          'trusted-proxies-any',
          'high',
          `server.trusted_proxies.${i}`,
          `${entry} trusts ${cidr.prefix === 0 ? 'every peer' : 'a large share of the internet'}: any client in it can forge X-Forwarded-For and dodge per-address limits or pose as another address`,
          'list only your reverse proxies',
        ),
      );
    }
  });
  return out;
}

/** Findings about exposure, authentication, visibility, CORS and TLS. */
export function accessFindings(config: Config): Finding[] {
  const publicWhy = exposure(config);
  return [
    ...authFindings(config, publicWhy),
    ...visibilityFindings(config),
    ...corsFindings(config),
    ...tlsFindings(config),
  ];
}
