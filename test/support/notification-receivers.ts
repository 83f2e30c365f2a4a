import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/*
 * Local stand-ins for the external channels: a WeCom / DingTalk group robot (node:http on
 * port 0) that checks requests the way the real ones do, and an SMTP server (smtp-server)
 * that keeps what it receives. For notification tests of any module.
 */

export interface RobotRequest {
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface RobotReply {
  status?: number;
  body: unknown;
}

export interface RobotReceiver {
  /** Webhook address of the robot, with its key / access_token. */
  url: string;
  requests: RobotRequest[];
  /** Replies for the next requests, in order; after them the robot answers `{ errcode: 0 }`. */
  replies: RobotReply[];
  close(): Promise<void>;
}

export interface RobotOptions {
  kind: 'wecom' | 'dingtalk';
  /** The key (WeCom) or access_token (DingTalk) the robot accepts. */
  token: string;
  /** DingTalk: the robot's signing secret; requests must then carry timestamp and sign. */
  secret?: string;
  /** The robot's clock, for DingTalk's one-hour timestamp window. */
  now: () => Date;
}

/** Raw (still percent-encoded) value of a query parameter, as a server sees it on the wire. */
function rawParam(rawQuery: string, name: string): string | null {
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return null;
}

/** DingTalk's own check of a signed request: errcode 0 when good, else its error. */
export function checkDingtalkSignature(rawQuery: string, secret: string, now: Date): { errcode: number; errmsg: string } {
  const timestamp = rawParam(rawQuery, 'timestamp');
  const sign = rawParam(rawQuery, 'sign');
  if (!timestamp || !sign) return { errcode: 310000, errmsg: 'sign not match: missing timestamp or sign' };
  const ts = Number(timestamp);
  if (!/^\d{13}$/.test(timestamp) || Math.abs(now.getTime() - ts) > 3_600_000) return { errcode: 310000, errmsg: 'invalid timestamp' };
  if (/[+/=]/.test(sign)) return { errcode: 310000, errmsg: 'sign not match: sign is not url-encoded' };
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  if (decodeURIComponent(sign) !== expected) return { errcode: 310000, errmsg: 'sign not match' };
  return { errcode: 0, errmsg: 'ok' };
}

export async function startRobotReceiver(opts: RobotOptions): Promise<RobotReceiver> {
  const requests: RobotRequest[] = [];
  const replies: RobotReply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path = '', rawQuery = ''] = (req.url ?? '').split('?');
      const query = new URLSearchParams(rawQuery);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      requests.push({ path, query, rawQuery, headers: req.headers, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const scripted = replies.shift();
      if (scripted) return send(scripted.status ?? 200, scripted.body);
      const tokenName = opts.kind === 'wecom' ? 'key' : 'access_token';
      if (query.get(tokenName) !== opts.token) {
        return send(200, opts.kind === 'wecom' ? { errcode: 93000, errmsg: 'invalid webhook url' } : { errcode: 300001, errmsg: 'token is not exist' });
      }
      if (opts.kind === 'dingtalk' && opts.secret) {
        const check = checkDingtalkSignature(rawQuery, opts.secret, opts.now());
        if (check.errcode !== 0) return send(200, check);
      }
      const msg = body as { msgtype?: string; markdown?: { content?: string; title?: string; text?: string } } | null;
      const valid = opts.kind === 'wecom'
        ? msg?.msgtype === 'markdown' && typeof msg.markdown?.content === 'string' && Buffer.byteLength(msg.markdown.content) <= 4096
        : msg?.msgtype === 'markdown' && typeof msg.markdown?.title === 'string' && typeof msg.markdown?.text === 'string';
      if (!valid) return send(200, { errcode: 40008, errmsg: 'invalid message type' });
      send(200, { errcode: 0, errmsg: 'ok' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const path = opts.kind === 'wecom' ? '/cgi-bin/webhook/send' : '/robot/send';
  const param = opts.kind === 'wecom' ? 'key' : 'access_token';
  return {
    url: `http://127.0.0.1:${port}${path}?${param}=${opts.token}`,
    requests,
    replies,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The decoded Subject header. */
  subject: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  logins: { username: string; password: string }[];
  close(): Promise<void>;
}

/** An SMTP server on port 0 that requires the given login (plain, no TLS) and keeps each message. */
export async function startSmtpReceiver(login: { username: string; password: string }): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const logins: SmtpReceiver['logins'] = [];
  const server = new SMTPServer({
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (auth.username === login.username && auth.password === login.password) return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: decodeMimeWords(headerOf(raw, 'subject') ?? ''),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An unfolded header of a raw message. */
export function headerOf(raw: string, name: string): string | null {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=), adjacent ones joined before decoding. */
export function decodeMimeWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let pending: Buffer[] = [];
  let last = 0;
  const flush = () => {
    if (pending.length) out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (let m = word.exec(value); m; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    if (!(pending.length && /^\s*$/.test(between))) {
      flush();
      out += between;
    }
    const [, , enc, text = ''] = m;
    pending.push(enc!.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_s, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'));
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}
