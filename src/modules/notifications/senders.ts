import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import { isTimeout, outboundAddress, postOutbound, statusLine, type OutboundAllow } from '../../platform/outbound.js';
import type { RenderedMessage } from './render.js';
import type { ChannelSecrets, ChannelSettings, ChannelType } from './tables.js';

/*
 * One attempt to hand a message to a channel. Never throws: the answer says whether the
 * channel accepted it, with the target's status line only — never its body, which a target on
 * an internal network could fill with anything (security review, finding 12; robots: their
 * errcode, a number). Targets pass the outbound guard (src/platform/outbound.ts). Error texts
 * are scrubbed of the channel's secrets because they end up in the deliveries table, the API and
 * the log.
 */

export interface OpenChannel {
  type: ChannelType;
  settings: ChannelSettings;
  secrets: ChannelSecrets;
}

export interface SendResult {
  ok: boolean;
  /** HTTP status of a robot's answer. */
  httpStatus?: number;
  /** The channel's status line ("HTTP 200 OK", the SMTP reply line), never its body. */
  answer: string;
  /** Why it failed, when it did. */
  error?: string;
}

export interface SendOptions {
  timeoutMs: number;
  /** For DingTalk's signature timestamp. */
  now: Date;
  /** ZHIBO_OUTBOUND_ALLOW: internal targets that may be reached all the same. */
  allow: OutboundAllow;
}

const ANSWER_MAX = 500;
/** What is read of a robot's answer to find its errcode; none of it is reported. */
const ROBOT_REPLY_MAX = 64 * 1024;

export async function sendToChannel(channel: OpenChannel, message: RenderedMessage, opts: SendOptions): Promise<SendResult> {
  let result: SendResult;
  try {
    if (channel.type === 'email') result = await sendEmail(channel, message, opts);
    else if (channel.type === 'wecom') result = await postRobot(channel.secrets.webhookUrl!, { msgtype: 'markdown', markdown: { content: message.wecom } }, opts);
    else result = await postRobot(dingtalkUrl(channel.secrets.webhookUrl!, channel.secrets.secret ?? null, opts.now), { msgtype: 'markdown', markdown: { title: message.subject, text: message.dingtalk } }, opts);
  } catch (err) {
    result = { ok: false, answer: '', error: describeError(err, opts.timeoutMs) };
  }
  return scrubResult(result, channel.secrets);
}

/**
 * DingTalk's signing (加签): timestamp in milliseconds, and
 * sign = urlEncode(base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret))).
 * DingTalk refuses a timestamp more than an hour from its own clock.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export function dingtalkUrl(webhookUrl: string, secret: string | null, now: Date): string {
  if (!secret) return webhookUrl;
  const timestamp = now.getTime();
  const sep = webhookUrl.includes('?') ? '&' : '?';
  return `${webhookUrl}${sep}timestamp=${timestamp}&sign=${encodeURIComponent(dingtalkSign(secret, timestamp))}`;
}

interface RobotReply {
  errcode?: unknown;
  errmsg?: unknown;
}

/**
 * Both robots answer HTTP 200 with `{ errcode, errmsg }`; only errcode 0 means the group got it.
 * Reported: the status line, and a failed errcode (a number; errmsg is the target's text).
 */
async function postRobot(url: string, payload: unknown, opts: SendOptions): Promise<SendResult> {
  const res = await postOutbound(url, {
    allow: opts.allow,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(payload),
    timeoutMs: opts.timeoutMs,
    maxBodyBytes: ROBOT_REPLY_MAX,
  });
  const answer = statusLine(res);
  if (res.status < 200 || res.status > 299) return { ok: false, httpStatus: res.status, answer, error: `HTTP ${res.status}` };
  let reply: RobotReply | null = null;
  try {
    reply = JSON.parse(res.body.toString('utf8')) as RobotReply | null;
  } catch {
    // not JSON: not a robot's answer
  }
  if (reply?.errcode === 0) return { ok: true, httpStatus: res.status, answer };
  const code = reply?.errcode;
  const error = typeof code === 'number' && Number.isInteger(code)
    ? `errcode ${code}`
    : '应答不是机器人接口的 JSON / answer is not a robot JSON reply';
  return { ok: false, httpStatus: res.status, answer, error };
}

async function sendEmail(channel: OpenChannel, message: RenderedMessage, opts: SendOptions): Promise<SendResult> {
  const s = channel.settings;
  // Connect to the checked address itself (a second lookup could answer differently); TLS still checks the name.
  const address = await outboundAddress(s.host!, opts.allow);
  const transport = createTransport({
    host: address,
    ...(address !== s.host && !isIP(s.host!) ? { servername: s.host } : {}),
    port: s.port,
    secure: s.secure ?? s.port === 465,
    auth: s.user ? { user: s.user, pass: channel.secrets.password ?? '' } : undefined,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    dnsTimeout: opts.timeoutMs,
  });
  try {
    const info = await transport.sendMail({ from: s.from, to: s.to, subject: message.subject, text: message.text });
    const refused = info.rejected?.length ?? 0;
    const answer = smtpLine(info.response);
    if (refused && !info.accepted?.length) return { ok: false, answer, error: '所有收件人均被拒收 / every recipient was refused' };
    return { ok: true, answer };
  } finally {
    transport.close();
  }
}

/** An SMTP reply's status line: its code and text, the first line only. */
function smtpLine(response: unknown): string {
  return String(response ?? '').split(/\r?\n/)[0]!.slice(0, 200);
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string }; responseCode?: number; response?: string };
  if (isTimeout(err) || e?.code === 'ETIMEDOUT' || e?.cause?.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `超时（${timeoutMs} ms）/ timed out`;
  }
  // An SMTP server's refusal: its reply line (code and text), not what a library made of the rest.
  if (typeof e?.responseCode === 'number') return `${e.code ?? 'SMTP'}: ${smtpLine(e.response) || e.responseCode}`;
  const code = e?.cause?.code ?? e?.code;
  const text = e?.cause?.message ?? e?.message ?? String(err);
  return (code && !text.includes(code) ? `${code}: ${text}` : text).slice(0, ANSWER_MAX);
}

/** Replaces any secret (and the webhook key) that a server or library echoed back. */
export function scrub(text: string, secrets: ChannelSecrets): string {
  const values: string[] = [];
  if (secrets.password) values.push(secrets.password);
  if (secrets.secret) values.push(secrets.secret, encodeURIComponent(secrets.secret));
  if (secrets.webhookUrl) {
    values.push(secrets.webhookUrl);
    try {
      for (const value of new URL(secrets.webhookUrl).searchParams.values()) if (value.length >= 6) values.push(value);
    } catch {
      // not a URL: the whole value is already listed
    }
  }
  let out = text;
  for (const v of values.sort((a, b) => b.length - a.length)) if (v) out = out.split(v).join('***');
  return out;
}

function scrubResult(r: SendResult, secrets: ChannelSecrets): SendResult {
  return { ...r, answer: scrub(r.answer, secrets), ...(r.error !== undefined ? { error: scrub(r.error, secrets) } : {}) };
}
