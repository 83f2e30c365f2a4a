import { createHmac } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { RenderedMessage } from './render.js';
import type { ChannelSecrets, ChannelSettings, ChannelType } from './tables.js';

/*
 * One attempt to hand a message to a channel. Never throws: the answer says whether the
 * channel accepted it and what it said. Error texts are scrubbed of the channel's secrets
 * because they end up in the deliveries table, the API and the log.
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
  /** What the channel answered (robot JSON, SMTP reply), shortened. */
  answer: string;
  /** Why it failed, when it did. */
  error?: string;
}

export interface SendOptions {
  timeoutMs: number;
  /** For DingTalk's signature timestamp. */
  now: Date;
}

const ANSWER_MAX = 500;

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

/** Both robots answer HTTP 200 with `{ errcode, errmsg }`; only errcode 0 means the group got it. */
async function postRobot(url: string, payload: unknown, opts: SendOptions): Promise<SendResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(payload),
    redirect: 'error',
    signal: AbortSignal.timeout(opts.timeoutMs),
  });
  const answer = (await res.text()).slice(0, ANSWER_MAX);
  if (!res.ok) return { ok: false, httpStatus: res.status, answer, error: `HTTP ${res.status}` };
  let reply: RobotReply | null = null;
  try {
    reply = JSON.parse(answer) as RobotReply | null;
  } catch {
    // not JSON: not a robot's answer
  }
  if (reply?.errcode === 0) return { ok: true, httpStatus: res.status, answer };
  const error = reply && reply.errcode !== undefined ? `errcode ${String(reply.errcode)}: ${String(reply.errmsg ?? '')}` : '应答不是机器人接口的 JSON / answer is not a robot JSON reply';
  return { ok: false, httpStatus: res.status, answer, error };
}

async function sendEmail(channel: OpenChannel, message: RenderedMessage, opts: SendOptions): Promise<SendResult> {
  const s = channel.settings;
  const transport = createTransport({
    host: s.host,
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
    if (refused && !info.accepted?.length) return { ok: false, answer: String(info.response ?? ''), error: '所有收件人均被拒收 / every recipient was refused' };
    return { ok: true, answer: String(info.response ?? '').slice(0, ANSWER_MAX) };
  } finally {
    transport.close();
  }
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'ETIMEDOUT' || e?.cause?.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `超时（${timeoutMs} ms）/ timed out`;
  }
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
