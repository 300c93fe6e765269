// A Mastodon account, faked in Node for the federation journey: an HTTP
// server on loopback that serves what a Mastodon server serves about one
// account (WebFinger, a Person with its RSA key as SPKI PEM, inbox, shared
// inbox, empty collections), sends activities signed as Mastodon signs them
// (draft-cavage HTTP Signatures, rsa-sha256, keyId `<actor>#main-key`,
// `(request-target) host date digest`, `Digest: SHA-256=…`), and records every
// POST it receives in its inboxes, verifying each signature with the key its
// `keyId` names, fetched from the sender as `application/activity+json`.

import { createHash, createVerify, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';

const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
const AP_TYPE = 'application/activity+json';
// What Mastodon answers its ActivityPub documents with.
const AP_CONTENT_TYPE = 'application/activity+json; charset=utf-8';
const BODY_MAX = 1024 * 1024;
// A signature is accepted from 1 h 5 min in the past to 1 h in the future
// (Mastodon's window for a Date-only signature).
const CLOCK_SKEW_MS = 3600_000;
const VALIDITY_MS = 5 * 60_000;

// Reads a request body, at most BODY_MAX bytes.
function readBody(req) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > BODY_MAX) {
        reject(new Error('body too large'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// One HTTP request with node:http (whose Host header, unlike fetch's, is
// ours to set and sign). Returns { status, headers, body } within `ms`.
export function send(url, { method = 'GET', headers = {}, body = null, ms = 10_000 } = {}) {
  return new Promise((resolveSend, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      {
        method,
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers,
        timeout: ms,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolveSend({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${ms} ms`)));
    req.on('error', reject);
    if (body !== null) req.write(body);
    req.end();
  });
}

// `name="value",…` of a Signature header, names lower-cased.
export function parseSignature(header) {
  const params = {};
  const re = /\s*([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/g;
  let match;
  let consumed = 0;
  while ((match = re.exec(header)) && match[0].length > 0) {
    params[match[1].toLowerCase()] = (match[2] ?? match[3]).replace(/\\(.)/g, '$1');
    consumed = re.lastIndex;
  }
  if (consumed !== header.length) throw new Error(`the Signature header does not parse: ${header.slice(0, 120)}`);
  return params;
}

// The draft-cavage signing string: one `name: value` line per covered header.
function signingString(covered, { method, path, headers }) {
  return covered
    .map((name) => {
      if (name === '(request-target)') return `(request-target): ${method.toLowerCase()} ${path}`;
      const value = headers[name];
      if (value === undefined) throw new Error(`the signature covers "${name}", which the request lacks`);
      return `${name}: ${Array.isArray(value) ? value.join(', ') : value}`;
    })
    .join('\n');
}

export class FakePeer {
  constructor({ username = 'mastodon_fan', name = 'A Mastodon account' } = {}) {
    this.username = username;
    this.name = name;
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    this.publicKeyPem = publicKey;
    this.privateKeyPem = privateKey;
    this.requests = []; // every request: { method, path, accept, at }
    this.received = []; // every POST to an inbox: { path, headers, body, activity, verified, error, status }
    this.keys = new Map(); // keyId -> { owner, pem }
    this.lines = []; // what happened, for fakepeer.log
    this.server = null;
    this.base = null;
  }

  get actorId() {
    return `${this.base}/users/${this.username}`;
  }

  get keyId() {
    return `${this.actorId}#main-key`;
  }

  get host() {
    return new URL(this.base).host;
  }

  async start(port) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        this.log(`error answering ${req.method} ${req.url}: ${e.message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise((resolveListen, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolveListen);
    });
    this.base = `http://127.0.0.1:${this.server.address().port}`;
  }

  async stop() {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
  }

  log(line) {
    this.lines.push(`${new Date().toISOString()} ${line}`);
  }

  // The Person document, shaped as Mastodon's.
  actor() {
    const id = this.actorId;
    return {
      '@context': [
        AS_CONTEXT,
        'https://w3id.org/security/v1',
        { manuallyApprovesFollowers: 'as:manuallyApprovesFollowers', discoverable: 'toot:discoverable', toot: 'http://joinmastodon.org/ns#' },
      ],
      id,
      type: 'Person',
      following: `${id}/following`,
      followers: `${id}/followers`,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      preferredUsername: this.username,
      name: this.name,
      summary: '<p>Follows groups from Mastodon.</p>',
      url: `${this.base}/@${this.username}`,
      manuallyApprovesFollowers: false,
      discoverable: true,
      published: '2024-01-01T00:00:00Z',
      publicKey: { id: this.keyId, owner: id, publicKeyPem: this.publicKeyPem },
      endpoints: { sharedInbox: `${this.base}/inbox` },
    };
  }

  async handle(req, res) {
    const url = new URL(req.url, this.base);
    this.requests.push({ method: req.method, path: url.pathname, accept: req.headers.accept || '', at: Date.now() });
    const json = (status, doc, type = AP_CONTENT_TYPE) => {
      res.writeHead(status, { 'content-type': type });
      res.end(JSON.stringify(doc));
    };
    const actorPath = `/users/${this.username}`;
    if (req.method === 'GET' && url.pathname === '/.well-known/webfinger') {
      const wanted = `acct:${this.username}@${this.host}`;
      if (url.searchParams.get('resource') !== wanted && url.searchParams.get('resource') !== this.actorId) {
        return json(404, { error: 'not found' }, 'application/jrd+json; charset=utf-8');
      }
      return json(
        200,
        {
          subject: wanted,
          aliases: [`${this.base}/@${this.username}`, this.actorId],
          links: [
            { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${this.base}/@${this.username}` },
            { rel: 'self', type: AP_TYPE, href: this.actorId },
          ],
        },
        'application/jrd+json; charset=utf-8',
      );
    }
    if (req.method === 'GET' && url.pathname === actorPath) return json(200, this.actor());
    for (const collection of ['followers', 'following', 'outbox']) {
      if (req.method === 'GET' && url.pathname === `${actorPath}/${collection}`) {
        return json(200, { '@context': AS_CONTEXT, id: `${this.actorId}/${collection}`, type: 'OrderedCollection', totalItems: 0 });
      }
    }
    if (req.method === 'POST' && (url.pathname === `${actorPath}/inbox` || url.pathname === '/inbox')) {
      const body = await readBody(req);
      const entry = { path: url.pathname, headers: req.headers, body: body.toString('utf8'), at: Date.now() };
      try {
        entry.activity = JSON.parse(entry.body);
      } catch {
        entry.activity = null;
      }
      try {
        entry.verified = await this.verify(req, url, body, entry.activity);
      } catch (e) {
        entry.verified = null;
        entry.error = e.message;
      }
      // Mastodon: 202 once the signature holds, 401 when it does not.
      entry.status = entry.verified ? 202 : 401;
      this.received.push(entry);
      this.log(
        `POST ${url.pathname} ${entry.activity?.type ?? '?'} ${entry.activity?.id ?? ''} -> ${entry.status}` +
          (entry.error ? ` (${entry.error})` : ''),
      );
      res.writeHead(entry.status);
      return res.end();
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }

  // The key a keyId names, from the sender's actor document (cached).
  async key(keyId) {
    if (this.keys.has(keyId)) return this.keys.get(keyId);
    const actorUrl = keyId.split('#')[0];
    const res = await send(actorUrl, { headers: { accept: AP_TYPE } });
    if (res.status !== 200) throw new Error(`GET ${actorUrl} answered ${res.status}`);
    const type = String(res.headers['content-type'] || '');
    if (!/^application\/(activity\+json|ld\+json)/.test(type)) throw new Error(`GET ${actorUrl} answered ${type}`);
    const doc = JSON.parse(res.body);
    const key = [doc.publicKey].flat().find((k) => k && k.id === keyId);
    if (!key) throw new Error(`${actorUrl} has no key ${keyId}`);
    const found = { owner: key.owner, pem: key.publicKeyPem, actor: doc.id };
    this.keys.set(keyId, found);
    return found;
  }

  // Verifies a received POST as Mastodon does: the signature covers
  // (request-target), host, date and digest; the digest is the body's; the
  // date is recent; the key's owner is the activity's actor. Returns
  // { keyId, owner, covered } or throws why not.
  async verify(req, url, body, activity) {
    const header = req.headers.signature;
    if (!header) throw new Error('unsigned');
    const params = parseSignature(header);
    if (!params.keyid || !params.signature) throw new Error('keyId or signature missing');
    if (params.algorithm && !['rsa-sha256', 'hs2019'].includes(params.algorithm)) {
      throw new Error(`algorithm ${params.algorithm}`);
    }
    const covered = (params.headers || 'date').toLowerCase().split(/\s+/).filter(Boolean);
    for (const needed of ['(request-target)', 'host', 'date', 'digest']) {
      if (!covered.includes(needed)) throw new Error(`the signature does not cover ${needed}`);
    }
    const date = Date.parse(req.headers.date || '');
    if (Number.isNaN(date)) throw new Error(`Date header: ${req.headers.date}`);
    if (date > Date.now() + CLOCK_SKEW_MS || Date.now() > date + VALIDITY_MS + CLOCK_SKEW_MS) {
      throw new Error(`Date out of the window: ${req.headers.date}`);
    }
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const digests = String(req.headers.digest || '').split(',').map((d) => d.trim());
    if (!digests.some((d) => d.replace(/^sha-256=/i, 'SHA-256=') === digest)) {
      throw new Error(`Digest ${req.headers.digest} is not the body's (${digest})`);
    }
    const text = signingString(covered, { method: req.method, path: url.pathname + url.search, headers: req.headers });
    const key = await this.key(params.keyid);
    const ok = createVerify('RSA-SHA256').update(text).verify(key.pem, Buffer.from(params.signature, 'base64'));
    if (!ok) throw new Error(`the signature does not verify with ${params.keyid}`);
    if (!activity || key.owner !== activity.actor) {
      throw new Error(`signed by ${key.owner}, but the actor is ${activity?.actor}`);
    }
    return { keyId: params.keyid, owner: key.owner, covered };
  }

  // POSTs an activity to an inbox, signed as Mastodon signs. Returns the
  // response. `tamper` changes the body after signing (the self-test).
  async deliver(inbox, activity, { tamper = (body) => body } = {}) {
    const signed = JSON.stringify(activity);
    const target = new URL(inbox);
    const headers = {
      host: target.host,
      date: new Date().toUTCString(),
      digest: `SHA-256=${createHash('sha256').update(signed).digest('base64')}`,
    };
    const body = tamper(signed);
    const covered = ['(request-target)', 'host', 'date', 'digest'];
    const text = signingString(covered, { method: 'POST', path: target.pathname + target.search, headers });
    const signature = createSign('RSA-SHA256').update(text).sign(this.privateKeyPem, 'base64');
    const res = await send(inbox, {
      method: 'POST',
      body,
      headers: {
        Host: headers.host,
        Date: headers.date,
        Digest: headers.digest,
        'Content-Type': AP_TYPE,
        'Content-Length': Buffer.byteLength(body),
        'User-Agent': 'http.rb/5.1.1 (Mastodon/4.3.0; +http://127.0.0.1/)',
        Signature:
          `keyId="${this.keyId}",algorithm="rsa-sha256",headers="${covered.join(' ')}",signature="${signature}"`,
      },
    });
    this.log(`POST ${inbox} ${activity.type} ${activity.id} -> ${res.status}`);
    return res;
  }

  // A Follow as Mastodon sends it (its id: the server's URL and a uuid).
  follow(objectId) {
    return {
      '@context': AS_CONTEXT,
      id: `${this.base}/${randomUUID()}`,
      type: 'Follow',
      actor: this.actorId,
      object: objectId,
    };
  }

  // The verified POSTs received so far whose activity satisfies `pick`, or
  // null when there is none (so that polling goes on).
  verifiedWhere(pick) {
    const found = this.received.filter((r) => r.verified && r.activity && pick(r.activity));
    return found.length > 0 ? found : null;
  }

  // One line per POST received, for failure messages.
  describeReceived() {
    if (this.received.length === 0) return 'nothing received';
    return this.received
      .map((r) => {
        const act = r.activity || {};
        const object = typeof act.object === 'string' ? act.object : `${act.object?.type ?? '?'} ${act.object?.id ?? ''}`.trim();
        return `${r.path} ${act.type ?? '?'}(${object}) by ${act.actor ?? '?'}, ${r.verified ? 'verified' : `refused: ${r.error}`}`;
      })
      .join('; ');
  }
}
