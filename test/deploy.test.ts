/**
 * What can be checked of the deployment files without a container engine or a cluster (docs/deployment.md,
 * "What was verified here"):
 *
 * - deploy/kubernetes/*.yaml parse, and state the security contract: non-root fixed UID, read-only root
 *   filesystem, no privilege escalation, capabilities dropped, RuntimeDefault seccomp, probes on /health,
 *   resources, writable volumes where the server writes, the guide's NetworkPolicy, a Secret without values;
 *   the ConfigMap's hector.yaml runs with the real CLI, and does not start with the Secret as shipped.
 * - The Dockerfile: multi-stage, Node 24 slim, production dependencies only, bubblewrap, a numeric non-root
 *   USER, HEALTHCHECK without curl (its command is run against a real server), no secret baked in.
 * - The image's read-only layout, emulated with bubblewrap: the real CLI with `/` read-only and only
 *   /app/.hector and /tmp writable serves a request and stops cleanly.
 * - deploy/nginx/hector.conf passes `nginx -t`, and as a real TLS proxy in front of the real CLI forwards the
 *   client address and scheme, which Hector believes only because nginx is a trusted proxy.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { startScriptedLlm } from '../src/testing/index.ts';
import { BIN, basicConfig, legacyMessage, ROOT, runCli, startServer, tempDir } from './e2e/support.ts';

/** Manifests are free-form YAML, checked field by field. */
type Doc = any;

const K8S = join(ROOT, 'deploy', 'kubernetes');
const manifests: { file: string; doc: Doc }[] = readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => {
      assert.deepEqual(d.errors, [], `${file} parses`);
      return { file, doc: d.toJS() as Doc };
    }),
  );
const kind = (k: string, file?: string): Doc[] =>
  manifests.filter((m) => m.doc?.kind === k && (file === undefined || m.file === file)).map((m) => m.doc);
const one = (k: string): Doc => {
  const docs = kind(k);
  assert.equal(docs.length, 1, `exactly one ${k}`);
  return docs[0];
};

/** Text that looks like a real credential: provider keys, JWTs, PEM blocks, long random strings. */
const SECRET_LIKE = [
  /sk-[A-Za-z0-9_-]{16,}/,
  /sk-ant-[A-Za-z0-9_-]{8,}/,
  /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[0-9a-f]{32,}\b/,
  /\b[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])/,
  /postgres(?:ql)?:\/\/[^\s:@/]+:[^\s@/]+@/,
];

describe('deploy/kubernetes', () => {
  test('every manifest has apiVersion, kind and a name in the hector namespace', () => {
    assert.ok(manifests.length >= 6);
    for (const { file, doc } of manifests) {
      if (file === 'sandbox-patch.yaml') continue; // a patch, not a manifest
      assert.ok(doc.apiVersion && doc.kind && doc.metadata?.name, file);
      if (doc.kind !== 'Namespace') assert.equal(doc.metadata.namespace, 'hector', file);
    }
  });

  test('the Deployment runs non-root with a read-only root filesystem, nothing to escalate and default seccomp', () => {
    const dep = one('Deployment');
    const pod = dep.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.hostNetwork ?? false, false);
    assert.equal(pod.hostPID ?? false, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser >= 10000);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    const sc = c.securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.runAsUser, pod.securityContext.runAsUser);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.privileged ?? false, false);
    assert.deepEqual(sc.capabilities.drop, ['ALL']);
    assert.equal(sc.capabilities.add, undefined);
    assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
    assert.equal(sc.procMount ?? 'Default', 'Default', 'procMount is only relaxed by the opt-in sandbox patch');
    // The image's USER is the same fixed UID (files in volumes are owned consistently).
    assert.equal(dockerUser().uid, sc.runAsUser);
  });

  test('probes hit /health on the named port; resources are bounded; every write path is a volume', () => {
    const pod = one('Deployment').spec.template.spec;
    const c = pod.containers[0];
    const port = c.ports.find((p: Doc) => p.name === 'http');
    assert.equal(port.containerPort, 8080);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      assert.equal(c[probe]?.httpGet?.path, '/health', probe);
      assert.equal(c[probe].httpGet.port, 'http', probe);
    }
    for (const r of ['cpu', 'memory']) {
      assert.ok(c.resources.requests[r], `requests.${r}`);
      assert.ok(c.resources.limits[r], `limits.${r}`);
    }
    const mounts = new Map(c.volumeMounts.map((m: Doc) => [m.mountPath, m]));
    const volumes = new Map(pod.volumes.map((v: Doc) => [v.name, v]));
    for (const path of ['/app/.hector', '/tmp', '/app/workspace']) {
      const m = mounts.get(path) as Doc;
      assert.ok(m, `${path} is mounted`);
      assert.notEqual(m.readOnly, true, `${path} is writable`);
      const v = volumes.get(m.name) as Doc;
      assert.ok(v.emptyDir || v.persistentVolumeClaim, `${path} is an emptyDir or a PVC`);
    }
    const config = mounts.get('/app/hector.yaml') as Doc;
    assert.equal(config.readOnly, true);
    assert.equal((volumes.get(config.name) as Doc).configMap.name, one('ConfigMap').metadata.name);
    assert.deepEqual(c.envFrom, [{ secretRef: { name: one('Secret').metadata.name } }]);
    assert.deepEqual(c.args.slice(0, 3), ['serve', '--config', '/app/hector.yaml']);
  });

  test('the grace period covers the preStop delay and server.shutdown_timeout', () => {
    const pod = one('Deployment').spec.template.spec;
    const preStop = pod.containers[0].lifecycle.preStop.exec.command as string[];
    assert.equal(preStop[0], 'sleep');
    const hector = parseYaml(one('ConfigMap').data['hector.yaml']);
    const shutdown = Number(/^(\d+)s$/.exec(hector.server.shutdown_timeout)![1]);
    // shutdown_timeout + 2 × 2 s for interrupted runs + the audit flush.
    assert.ok(pod.terminationGracePeriodSeconds >= Number(preStop[1]) + shutdown + 5);
  });

  test('the Secret holds placeholders only, and no manifest contains anything credential-like', () => {
    const secret = one('Secret');
    assert.equal(secret.data, undefined, 'no base64 data block');
    const values = Object.entries(secret.stringData ?? {});
    assert.ok(values.some(([k]) => k === 'HECTOR_AUTH_SECRET'));
    for (const [k, v] of values) assert.equal(v, '', `${k} is an empty placeholder`);
    for (const file of [...readdirSync(K8S).map((f) => join(K8S, f)), join(ROOT, 'deploy', 'nginx', 'hector.conf')]) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of SECRET_LIKE) assert.doesNotMatch(text, pattern, `${file}: ${pattern}`);
    }
  });

  test("the NetworkPolicy is the guide's: ingress from ingress-nginx on 8080; egress to postgres, 443 and DNS", () => {
    const np = one('NetworkPolicy');
    const dep = one('Deployment');
    assert.deepEqual(np.spec.podSelector.matchLabels, dep.spec.template.metadata.labels);
    assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(np.spec.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { name: 'ingress-nginx' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    const egress = np.spec.egress as Doc[];
    const byPort = (port: number, protocol = 'TCP') =>
      egress.filter((r) => r.ports.some((p: Doc) => p.port === port && p.protocol === protocol));
    assert.deepEqual(byPort(5432)[0].to, [{ podSelector: { matchLabels: { app: 'postgres' } } }]);
    const https = byPort(443)[0].to as Doc[];
    const blocked = https.find((t) => t.ipBlock)?.ipBlock.except ?? [];
    assert.ok(blocked.includes('169.254.0.0/16'), 'cloud metadata is not reachable over the HTTPS rule');
    assert.deepEqual(byPort(53, 'UDP')[0].to, [
      { namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    ]);
    const ports = egress.flatMap((r) => r.ports.map((p: Doc) => p.port)).sort();
    assert.deepEqual([...new Set(ports)], [443, 53, 5432], 'nothing else leaves the pod');
  });

  test('the Service selects the pods and targets the named port', () => {
    const svc = one('Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.selector, one('Deployment').spec.template.metadata.labels);
    assert.equal(svc.spec.ports[0].targetPort, 'http');
  });

  test('the opt-in sandbox patch relaxes only what bubblewrap needs, never privileges or capabilities', () => {
    const patch = parseYaml(readFileSync(join(K8S, 'sandbox-patch.yaml'), 'utf8'));
    const pod = patch.spec.template.spec;
    assert.equal(pod.hostUsers, false, 'Unmasked /proc only inside the pod’s own user namespace');
    const sc = pod.containers[0].securityContext;
    assert.deepEqual(Object.keys(sc).sort(), ['appArmorProfile', 'procMount']);
  });

  test("the ConfigMap's hector.yaml runs with the real CLI, and refuses to start with the Secret as shipped", async () => {
    const dir = tempDir('hector-k8s-');
    try {
      // The manifest's absolute /app paths, moved under the temp dir.
      const config = (one('ConfigMap').data['hector.yaml'] as string).replaceAll('/app/', `${dir}/app/`);
      const file = join(dir, 'hector.yaml');
      writeFileSync(file, config);
      const shipped = Object.fromEntries(Object.entries(one('Secret').stringData as Record<string, string>));
      const unedited = await runCli(['serve', '--config', file, '--port', '0'], { env: shipped, cwd: dir });
      assert.equal(unedited.code, 2, unedited.stdout + unedited.stderr);
      assert.match(unedited.stderr, /OPENAI_API_KEY is empty/);
      const noKey = await runCli(['serve', '--config', file, '--port', '0'], {
        env: { ...shipped, OPENAI_API_KEY: 'sk-test-not-used' },
        cwd: dir,
      });
      assert.equal(noKey.code, 2, noKey.stdout + noKey.stderr);
      assert.match(noKey.stderr, /HECTOR_API_KEY is empty/);
      // Graded the way the container runs it (--host 0.0.0.0): no high finding.
      const doctor = await runCli(['doctor', '--config', file, '--host', '0.0.0.0', '--format', 'json'], { cwd: dir });
      assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);

      const server = await startServer({
        dir,
        config,
        env: {
          ...shipped,
          OPENAI_API_KEY: 'sk-test-not-used',
          HECTOR_AUTH_SECRET: 'k8s-test-admin-secret-0123456789',
          HECTOR_API_KEY: 'k8s-test-client-key-0123456789',
        },
      });
      const health = (await (await fetch(`${server.url}/health`)).json()) as Doc;
      assert.equal(health.status, 'ok');
      assert.equal(health.auth.enabled, true);
      assert.equal(
        (await fetch(`${server.url.replace('0.0.0.0', '127.0.0.1')}/agents/assistant`, { method: 'POST' })).status,
        401,
      );
      assert.equal(await server.stop(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The Dockerfile as instructions (continuations joined, comments dropped), each with its stage index. */
function dockerfile(): { op: string; args: string; stage: number }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  let stage = -1;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      if (op!.toUpperCase() === 'FROM') stage++;
      return { op: op!.toUpperCase(), args: rest.join(' '), stage };
    });
}

function dockerUser(): { uid: number } {
  const ins = dockerfile();
  const last = Math.max(...ins.map((i) => i.stage));
  const users = ins.filter((i) => i.op === 'USER' && i.stage === last);
  assert.equal(users.length, 1, 'the runtime stage sets USER once');
  const uid = /^(\d+)(?::\d+)?$/.exec(users[0]!.args)?.[1];
  assert.ok(uid, 'USER is numeric (runAsNonRoot can only verify a numeric UID)');
  return { uid: Number(uid) };
}

describe('Dockerfile', () => {
  const ins = dockerfile();
  const runtime = Math.max(...ins.map((i) => i.stage));
  const at = (op: string, stage = runtime) => ins.filter((i) => i.op === op && i.stage === stage);

  test('multi-stage on Node 24 slim; production dependencies from the lockfile, without install scripts', () => {
    const froms = ins.filter((i) => i.op === 'FROM');
    assert.ok(froms.length >= 2, 'multi-stage');
    const arg = ins.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    assert.match(arg!.args, /^NODE_IMAGE=node:24-(bookworm-)?slim/);
    assert.ok(froms.every((f) => f.args.startsWith('${NODE_IMAGE}')));
    const build = ins.find((i) => i.op === 'RUN' && /npm ci/.test(i.args));
    assert.ok(build && build.stage < runtime, 'npm ci runs in the build stage');
    assert.match(build.args, /--omit=dev/);
    assert.match(build.args, /--ignore-scripts/);
    assert.ok(
      at('RUN').some((r) => /apt-get install[^&]*\bbubblewrap\b/.test(r.args)),
      'bubblewrap installed',
    );
  });

  test('runs as a fixed non-root UID, from a read-only program dir, with the state dir as a volume', () => {
    assert.ok(dockerUser().uid >= 10000);
    assert.deepEqual(
      at('WORKDIR').map((w) => w.args),
      ['/app'],
    );
    assert.ok(at('VOLUME').some((v) => v.args.includes('/app/.hector')));
    // The program is owned by root: the server cannot rewrite itself.
    assert.ok(at('COPY').some((c) => /--chown=root:root/.test(c.args) && c.args.includes('/opt/hector')));
    assert.deepEqual(JSON.parse(at('EXPOSE').length ? `[${at('EXPOSE')[0]!.args}]` : '[]'), [8080]);
    const cmd = JSON.parse(at('CMD')[0]!.args) as string[];
    assert.ok(cmd.includes('--host') && cmd[cmd.indexOf('--host') + 1] === '0.0.0.0');
  });

  test('no secret is baked in; the build context excludes .env, state and dependencies', () => {
    for (const i of ins.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
      assert.doesNotMatch(i.args, /(SECRET|TOKEN|PASSWORD|API_KEY|ENCRYPTION_KEY)/i, `${i.op} ${i.args}`);
    }
    for (const c of ins.filter((x) => x.op === 'COPY' || x.op === 'ADD')) {
      assert.doesNotMatch(c.args, /\.env|\.hector|\.pem|\.key\b/, c.args);
      assert.notEqual(c.op, 'ADD', 'COPY only (ADD fetches URLs and unpacks archives)');
    }
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    for (const pattern of SECRET_LIKE) assert.doesNotMatch(text, pattern);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/.env', '**/.hector', 'node_modules', '.git']) assert.ok(ignore.includes(entry), entry);
    // Every COPY source of the build context exists and is not ignored.
    for (const c of ins.filter((x) => x.op === 'COPY' && !x.args.includes('--from'))) {
      const sources = c.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const s of sources) {
        assert.ok(existsSync(join(ROOT, s)), `${s} exists`);
        assert.ok(!ignore.includes(s), `${s} is not in .dockerignore`);
      }
    }
  });

  test('HEALTHCHECK uses node (no curl) against /health, and its command works against a real server', async () => {
    const hc = at('HEALTHCHECK');
    assert.equal(hc.length, 1);
    assert.doesNotMatch(hc[0]!.args, /curl|wget/);
    const exec = JSON.parse(hc[0]!.args.slice(hc[0]!.args.indexOf('CMD') + 3).trim()) as string[];
    assert.deepEqual(exec.slice(0, 2), ['node', '-e']);
    const script = exec[2]!;
    assert.match(script, /http:\/\/127\.0\.0\.1:/);
    assert.match(script, /HECTOR_HEALTH_PORT/, 'the probed port follows the image env (default 8080)');
    const llm = await startScriptedLlm();
    const server = await startServer({ config: basicConfig(llm.openaiBaseUrl), env: { TEST_LLM_KEY: 'k' } });
    try {
      const port = new URL(server.url).port;
      const run = (p: string) =>
        spawnSync(process.execPath, ['-e', script], { env: { ...process.env, HECTOR_HEALTH_PORT: p } }).status;
      assert.equal(run(port), 0, 'healthy server: exit 0');
      assert.equal(run('9'), 1, 'nothing listening: exit 1');
    } finally {
      await server.stop();
      await llm.close();
    }
  });
});

/** Whether bubblewrap can create the namespaces the emulation needs here, or why not. */
function bwrapUsable(): true | string {
  if (!existsSync('/usr/bin/bwrap')) return 'bubblewrap is not installed (scripts/install.sh installs it as root)';
  const r = spawnSync('/usr/bin/bwrap', [
    '--ro-bind',
    '/',
    '/',
    '--unshare-user',
    '--uid',
    '10001',
    '--unshare-pid',
    'true',
  ]);
  return r.status === 0 ? true : `bubblewrap cannot create a user namespace here: ${r.stderr.toString().trim()}`;
}

describe('read-only root filesystem (the image layout, emulated with bubblewrap)', () => {
  const usable = bwrapUsable();
  test('the real CLI with / read-only and only /app/.hector and /tmp writable serves, stores and stops cleanly', {
    skip: usable === true ? false : usable,
  }, async () => {
    const host = tempDir('hector-rofs-');
    const llm = await startScriptedLlm();
    try {
      // /app as the image has it: the config (read-only) and an empty mount point for the state volume.
      const app = join(host, 'app');
      const state = join(host, 'state');
      mkdirSync(join(app, '.hector'), { recursive: true });
      mkdirSync(state);
      writeFileSync(join(app, 'hector.yaml'), basicConfig(llm.openaiBaseUrl));
      llm.enqueue({ text: 'stored on the volume' });
      const child = spawn(
        '/usr/bin/bwrap',
        [
          // A fresh root with the system and the program read-only, as in the image (the tmpfs first, so that a
          // checkout under /tmp, as on CI machines, is bound on top of it rather than hidden by it)...
          ...['--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'],
          ...['/usr', '/bin', '/sbin', '/lib', '/lib64', '/etc', ROOT].flatMap((d) => ['--ro-bind-try', d, d]),
          // ...the config read-only at /app, the state volume at /app/.hector, and the root remounted read-only.
          ...['--dir', '/app', '--ro-bind', app, '/app', '--bind', state, '/app/.hector'],
          ...['--remount-ro', '/', '--chdir', '/app'],
          ...['--unshare-user', '--uid', '10001', '--gid', '10001', '--die-with-parent'],
          ...['--clearenv', '--setenv', 'PATH', process.env.PATH ?? '/usr/bin', '--setenv', 'TEST_LLM_KEY', 'k'],
          ...[process.execPath, BIN, 'serve', '--config', '/app/hector.yaml', '--port', '0'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const deadline = Date.now() + 30_000;
      while (!/listening on (http:\/\/\S+)/.test(output)) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `server did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
      const res = await fetch(`${url}/agents/assistant`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: legacyMessage('hi') }),
      });
      const body = (await res.json()) as Doc;
      assert.equal(body.result?.status?.state, 'completed', JSON.stringify(body) + output);
      // bwrap does not forward signals: SIGTERM goes to the server, bwrap's child, as a runtime would send it.
      const pid = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0];
      process.kill(Number(pid), 'SIGTERM');
      assert.equal(await exited, 0, output);
      assert.doesNotMatch(output, /EROFS|read-only file system/i);
      assert.ok(existsSync(join(state, 'hector.db')), 'the database is on the state volume');
      assert.deepEqual(readdirSync(join(app, '.hector')), [], 'nothing was written under the image’s /app');
    } finally {
      await llm.close();
      rmSync(host, { recursive: true, force: true });
    }
  });
});

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

/** GET over TLS trusting `ca`, with extra headers; resolves to status and parsed JSON body. */
function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Doc }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('deploy/nginx/hector.conf', {
  skip: NGINX ? false : 'nginx is not installed (scripts/install.sh installs it as root via apt)',
}, () => {
  // nginx listens on 127.0.0.2 and connects to Hector from 127.0.0.3 (the only trusted proxy); the test client
  // connects from 127.0.0.1. All three are loopback addresses on Linux.
  const EDGE = '127.0.0.2';
  const PROXY_SOURCE = '127.0.0.3';
  let dir: string;
  let ca: string;

  /** hector.conf with the certificate paths, listeners and upstream replaced; fails when a line moved. */
  function render(upstreamPort: string, httpsPort: number, httpPort: number): string {
    let conf = readFileSync(join(ROOT, 'deploy', 'nginx', 'hector.conf'), 'utf8');
    const swap = (from: RegExp, to: string) => {
      assert.match(conf, from, `hector.conf still has ${from}`);
      conf = conf.replace(from, to);
    };
    swap(/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${upstreamPort};`);
    swap(/listen 443 ssl http2;/, `listen ${EDGE}:${httpsPort} ssl http2;`);
    swap(/listen 80;/, `listen ${EDGE}:${httpPort};`);
    swap(/ssl_certificate\s+\S+;/, `ssl_certificate ${join(dir, 'cert.pem')};`);
    swap(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${join(dir, 'key.pem')};`);
    swap(/proxy_pass http:\/\/hector;/, `proxy_pass http://hector;\n        proxy_bind ${PROXY_SOURCE};`);
    return conf;
  }

  function mainConf(): string {
    return `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/hector.conf;
}
`;
  }

  before(() => {
    dir = tempDir('hector-nginx-');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${EDGE}`],
        ...['-addext', `subjectAltName=IP:${EDGE}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    writeFileSync(join(dir, 'nginx.conf'), mainConf());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('nginx -t accepts it', () => {
    writeFileSync(join(dir, 'hector.conf'), render('8080', 18443, 18080));
    const r = spawnSync(NGINX!, ['-t', '-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /syntax is ok/);
    assert.match(r.stderr, /test is successful/);
  });

  test('a real TLS proxy in front of the real CLI: client address and https believed only via the trusted proxy', async () => {
    const llm = await startScriptedLlm();
    const server = await startServer({
      config: basicConfig(
        llm.openaiBaseUrl,
        `server:\n  rate_limiting: {enabled: true, requests_per_minute: 1000}\n  trusted_proxies: [${PROXY_SOURCE}/32]\n`,
      ),
      env: { TEST_LLM_KEY: 'k' },
    });
    const upstreamPort = new URL(server.url).port;
    // A free port pair for nginx: try a few in a high range.
    let nginx: ReturnType<typeof spawn> | undefined;
    let httpsPort = 0;
    let log = '';
    try {
      for (let attempt = 0; attempt < 5 && !nginx; attempt++) {
        httpsPort = 20_000 + Math.floor((Date.now() % 20_000) + attempt * 7);
        writeFileSync(join(dir, 'hector.conf'), render(upstreamPort, httpsPort, httpsPort + 1));
        const child = spawn(NGINX!, ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        child.stderr!.on('data', (d: Buffer) => {
          log += d.toString();
        });
        // Ready once the TLS port answers; an exit means the port was taken: try another.
        const up = await new Promise<boolean>((resolve) => {
          child.once('exit', () => resolve(false));
          const poll = async () => {
            for (let i = 0; i < 100 && child.exitCode === null; i++) {
              try {
                await httpsGet(`https://${EDGE}:${httpsPort}/health`, ca);
                return resolve(true);
              } catch {
                await new Promise((r) => setTimeout(r, 50));
              }
            }
            resolve(false);
          };
          void poll();
        });
        if (up) nginx = child;
        else child.kill('SIGKILL');
      }
      assert.ok(nginx, `nginx did not start:\n${log}`);
      const edge = `https://${EDGE}:${httpsPort}`;
      const spoof = {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'evil.example',
      };

      // Through nginx: the client is the address nginx saw (127.0.0.1), not nginx (trusted) and not the forged
      // hop the client prepended; the scheme is nginx's https; the forged host is ignored.
      const usage = await httpsGet(`${edge}/api/usage`, ca, spoof);
      assert.equal(usage.status, 200, JSON.stringify(usage.body));
      assert.equal(usage.body.user, 'ip:127.0.0.1');
      const agents = await httpsGet(`${edge}/agents`, ca, spoof);
      assert.equal(agents.body.agents[0].url, `https://${EDGE}/agents/assistant`);

      // Straight to Hector from an untrusted peer: every forwarded header is ignored.
      const direct = { ...spoof, 'x-forwarded-proto': 'https' };
      const directUsage = (await (await fetch(`${server.url}/api/usage`, { headers: direct })).json()) as Doc;
      assert.equal(directUsage.user, 'ip:127.0.0.1');
      const directAgents = (await (await fetch(`${server.url}/agents`, { headers: direct })).json()) as Doc;
      assert.equal(directAgents.agents[0].url, `${server.url}/agents/assistant`);
      assert.match(directAgents.agents[0].url, /^http:\/\//);

      // Plain HTTP on the edge only redirects to HTTPS.
      const redirect = await fetch(`http://${EDGE}:${httpsPort + 1}/agents`, { redirect: 'manual' });
      assert.equal(redirect.status, 301);
      assert.match(redirect.headers.get('location') ?? '', /^https:\/\//);
    } finally {
      nginx?.kill('SIGTERM');
      await server.stop();
      await llm.close();
    }
  });
});
